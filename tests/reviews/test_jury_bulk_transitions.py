"""Sending a call's eligible dossiers to the jury and closing the jury in bulk, from
the jury progress page: a list of the dossiers concerned to confirm, one transition
(and one log row) per dossier through the engine, a report per reference with the
engine's reason for each refusal, a warning (and an acknowledgement to tick) when
scorecards are still drafts or missing, and a double click that does the work once."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from calls.models import Application, ScoringCriterion
from reviews import services
from tests.factories import PrizeFactory, UserFactory, assign_confirmed
from tests.web import page
from workflows import rules
from workflows.models import TransitionLog
from workflows.services import perform
from workflows.states import DossierState as S

ALREADY_SENT = "This form was already sent."


@pytest.fixture
def jury(prize_world):
    world = prize_world
    world.president = UserFactory(
        email="presidente@example.org", first_name="Anne", last_name="Roy", roles=[rules.JURORS]
    )
    world.other_juror = UserFactory(
        email="jure2@example.org", first_name="Paule", last_name="Martin", roles=[rules.JURORS]
    )
    world.jury.members.add(world.president, world.other_juror)
    world.jury.president = world.president
    world.jury.save()
    world.grid = [
        ScoringCriterion.objects.create(
            call=world.call, label="Ancrage local", weight=Decimal("1"), max_score=10
        )
    ]
    world.send_url = reverse("staff_jury_send", args=[world.call.pk])
    world.close_url = reverse("staff_jury_close", args=[world.call.pk])
    return world


def token_of(response) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', response.content.decode())
    assert found, "the form carries no one-time key"
    return found.group(1)


def form_data(response, **extra) -> dict:
    """What the confirmation form posts as shown: the ticked dossiers, the state each
    was shown in, the one-time key."""
    fields = page(response).all("input")
    data = {
        "dossier": [f["value"] for f in fields if f.get("name") == "dossier" and "checked" in f]
    }
    data.update({f["name"]: f["value"] for f in fields if f.get("name", "").startswith("state-")})
    data["form_token"] = token_of(response)
    data.update(extra)
    return data


def test_the_progress_page_offers_both_actions_to_administrators_only(client, jury):
    jury.dossier(S.ELIGIBLE)
    jury.dossier(S.IN_JURY)
    progress_url = reverse("staff_jury_progress", args=[jury.call.pk])

    client.force_login(jury.administrator)
    links = {a.get("href") for a in page(client.get(progress_url)).all("a")}
    assert {jury.send_url, jury.close_url} <= links

    client.force_login(jury.president)
    president_page = client.get(progress_url)
    assert president_page.status_code == 200
    assert not {jury.send_url, jury.close_url} & {
        a.get("href") for a in page(president_page).all("a")
    }
    assert client.get(jury.send_url).status_code == 404
    assert client.post(jury.close_url, {"dossier": []}).status_code == 404


def test_sending_lists_the_eligible_dossiers_then_reports_each_reference(client, jury):
    eligible = [jury.dossier(S.ELIGIBLE, title=f"Projet {n}") for n in range(3)]
    submitted = jury.dossier(S.SUBMITTED)
    client.force_login(jury.administrator)

    preview = client.get(jury.send_url)

    assert preview.status_code == 200
    listed = page(preview).text("bulk-dossiers")
    assert all(d.reference in listed for d in eligible)
    assert submitted.reference not in listed
    assert not page(preview).unlabelled_fields()
    assert Application.objects.filter(state=S.IN_JURY).count() == 0  # nothing done yet

    response = client.post(jury.send_url, form_data(preview), follow=True)

    assert response.status_code == 200
    assert "Done: 3. Refused: 0." in page(response).text("bulk-summary")
    report = page(response).text("report")
    assert all(d.reference in report for d in eligible)
    assert Application.objects.filter(pk__in=[d.pk for d in eligible], state=S.IN_JURY).count() == 3
    logs = TransitionLog.objects.filter(transition="open_jury")
    assert sorted(log.application_id for log in logs) == sorted(d.pk for d in eligible)
    assert {log.actor for log in logs} == {jury.administrator}


def test_a_double_post_sends_once_and_shows_the_same_report(client, jury):
    jury.dossier(S.ELIGIBLE)
    jury.dossier(S.ELIGIBLE)
    client.force_login(jury.administrator)
    data = form_data(client.get(jury.send_url))

    first = client.post(jury.send_url, data)
    second = client.post(jury.send_url, data, follow=True)

    assert first.status_code == 302
    assert second.redirect_chain[0][0] == first["Location"]
    assert ALREADY_SENT in second.content.decode()
    assert "Done: 2. Refused: 0." in page(second).text("bulk-summary")
    assert TransitionLog.objects.filter(transition="open_jury").count() == 2


def test_a_dossier_moved_meanwhile_is_reported_by_reference_the_others_go_through(client, jury):
    moved, kept = jury.dossier(S.ELIGIBLE), jury.dossier(S.ELIGIBLE)
    client.force_login(jury.administrator)
    data = form_data(client.get(jury.send_url))
    perform(moved, "to_decision", jury.administrator)  # someone else, meanwhile

    response = client.post(jury.send_url, data, follow=True)

    assert "Done: 1. Refused: 1." in page(response).text("bulk-summary")
    row = page(response).text(f"outcome-{moved.pk}")
    assert moved.reference in row and "changed meanwhile" in row
    assert "Done" in page(response).text(f"outcome-{kept.pk}")
    moved.refresh_from_db()
    assert moved.state == S.AWAITING_DECISION


def test_a_dossier_of_another_call_is_refused_and_left_untouched(client, jury):
    mine = jury.dossier(S.ELIGIBLE)
    foreign = jury.dossier(S.ELIGIBLE)
    foreign.call = PrizeFactory()
    foreign.save(update_fields=["call"])
    client.force_login(jury.administrator)
    data = form_data(client.get(jury.send_url))
    data["dossier"].append(str(foreign.pk))
    data[f"state-{foreign.pk}"] = S.ELIGIBLE

    response = client.post(jury.send_url, data, follow=True)

    assert "not part of this call" in page(response).text(f"outcome-{foreign.pk}")
    assert "Done" in page(response).text(f"outcome-{mine.pk}")
    foreign.refresh_from_db()
    assert foreign.state == S.ELIGIBLE


def test_nothing_ticked_is_a_french_error_and_changes_nothing(client, jury):
    jury.dossier(S.ELIGIBLE)
    client.force_login(jury.administrator)
    data = form_data(client.get(jury.send_url), dossier=[])

    response = client.post(jury.send_url, data, HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 400
    assert "Cochez au moins un dossier." in page(response).text("error")
    assert not TransitionLog.objects.filter(transition="open_jury").exists()


def test_closing_warns_about_drafts_and_missing_scorecards_and_needs_an_acknowledgement(
    client, jury
):
    complete, incomplete = jury.dossier(S.IN_JURY), jury.dossier(S.IN_JURY)
    for dossier in (complete, incomplete):
        for juror in (jury.juror, jury.other_juror, jury.president):
            assign_confirmed(dossier, juror, by=jury.administrator)
    for juror in (jury.juror, jury.other_juror, jury.president):
        services.save_scorecard(complete, juror, {jury.grid[0].pk: 7}, submit=True)
    services.save_scorecard(incomplete, jury.juror, {jury.grid[0].pk: 8}, submit=True)
    services.save_scorecard(incomplete, jury.other_juror, {jury.grid[0].pk: 5}, submit=False)
    client.force_login(jury.administrator)

    preview = client.get(jury.close_url)

    warning = page(preview).text("incomplete-warning")
    assert incomplete.reference in warning
    assert "1 draft(s), 1 missing out of 3 expected" in warning
    assert complete.reference not in warning
    data = form_data(preview)

    refused = client.post(jury.close_url, data)

    assert refused.status_code == 400
    assert "tick the box to close their jury anyway" in page(refused).text("id_acknowledge_error")
    assert Application.objects.filter(state=S.IN_JURY).count() == 2
    assert token_of(refused)  # the form can be sent again

    response = client.post(
        jury.close_url, {**data, "form_token": token_of(refused), "acknowledge": "1"}, follow=True
    )

    assert "Done: 2. Refused: 0." in page(response).text("bulk-summary")
    assert Application.objects.filter(state=S.AWAITING_DECISION).count() == 2
    assert TransitionLog.objects.filter(transition="close_jury").count() == 2


def test_closing_only_complete_dossiers_needs_no_acknowledgement(client, jury):
    complete, incomplete = jury.dossier(S.IN_JURY), jury.dossier(S.IN_JURY)
    assign_confirmed(complete, jury.juror, by=jury.administrator)
    services.save_scorecard(complete, jury.juror, {jury.grid[0].pk: 7}, submit=True)
    client.force_login(jury.administrator)
    preview = client.get(jury.close_url)
    assert "no juror assigned" in page(preview).text("incomplete-warning")  # `incomplete`

    response = client.post(
        jury.close_url, form_data(preview, dossier=[str(complete.pk)]), follow=True
    )

    assert "Done: 1. Refused: 0." in page(response).text("bulk-summary")
    complete.refresh_from_db()
    incomplete.refresh_from_db()
    assert (complete.state, incomplete.state) == (S.AWAITING_DECISION, S.IN_JURY)


def test_an_unknown_report_is_a_page_that_leads_back(client, jury):
    client.force_login(jury.administrator)
    url = reverse("staff_jury_bulk_report", args=[jury.call.pk, "0" * 32])

    response = client.get(url)

    assert response.status_code == 200
    assert "no longer kept" in response.content.decode()
    progress = reverse("staff_jury_progress", args=[jury.call.pk])
    assert progress in {a.get("href") for a in page(response).all("a")}


def test_with_nothing_to_send_the_page_says_so(client, jury):
    client.force_login(jury.administrator)

    response = client.get(jury.send_url)

    assert response.status_code == 200
    assert "nothing to send" in page(response).text("nothing")


def test_every_table_of_the_jury_pages_scrolls_in_a_region_named_by_its_title(client, jury):
    dossier = jury.dossier(S.IN_JURY)
    assign_confirmed(dossier, jury.juror, by=jury.administrator)
    services.declare_conflict(dossier, jury.juror, "Membre du bureau.")
    client.force_login(jury.administrator)
    urls = [
        reverse("staff_jury_progress", args=[jury.call.pk]),
        reverse("staff_jury_conflicts", args=[jury.call.pk]),
        jury.close_url,
    ]
    for url in urls:
        shown = page(client.get(url))
        tables = [i for i, (tag, _attrs) in enumerate(shown.tags) if tag == "table"]
        assert tables, url
        for index in tables:
            tag, region = shown.tags[index - 1]
            assert tag == "div" and region.get("role") == "region", url
            assert region.get("tabindex") == "0"
            assert shown.text(region["aria-labelledby"]), f"{url}: the region has no title"
