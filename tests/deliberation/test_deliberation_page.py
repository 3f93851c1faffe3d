"""The deliberation screen: counters against the quotas, the suggestion, recording the
selection in bulk (all or nothing, under the quota lock), stale pages, the AMI variant."""

import re
from decimal import Decimal

from django.urls import reverse

from reviews.models import Decision
from tests.web import page
from workflows.services import perform
from workflows.states import DossierState as S


def url(call, **query):
    from urllib.parse import urlencode

    return reverse("staff_deliberation", args=[call.pk]) + (f"?{urlencode(query)}" if query else "")


def form_fields(response) -> dict:
    """The hidden fields the page carries (token, states, versions)."""
    return {
        attrs["name"]: attrs.get("value", "")
        for attrs in page(response).all("input")
        if attrs.get("type") == "hidden" and attrs.get("name")
    }


def record(client, call, action, dossiers, *, specials=(), reason="", fields=None, **extra):
    fields = fields if fields is not None else form_fields(client.get(url(call)))
    data = {
        **{k: v for k, v in fields.items() if k != "csrfmiddlewaretoken"},
        "action": action,
        "dossier": [d.pk for d in dossiers],
        "special": [d.pk for d in specials],
        "reason": reason,
        **extra,
    }
    return client.post(url(call), data)


def counter(response, name) -> str:
    match = re.search(rf'data-counter="{name}">([^<]*)<', response.content.decode())
    return match.group(1)


def test_counters_and_uncovered_objectives(client, edition):
    client.force_login(edition.admin)
    first = edition.scored([(5, 10)], objectives=(1, 2))
    perform(first, "select", edition.admin, special_prize="1", reason="Exemplaire")

    response = client.get(url(edition.call))

    assert response.status_code == 200
    assert counter(response, "highlighted") == "1"
    assert counter(response, "special") == "1"
    assert counter(response, "covered") == "2"
    text = page(response).text("counters")
    assert "1 / 28" in text and "1 / 4" in text and "2 / 5" in text  # prize targets 5
    # The objectives the prize factory targets: 1, 2, 3, 8, 9; 3, 8 and 9 are uncovered.
    hidden = re.findall(r'<li data-objective="(\d+)" hidden>', response.content.decode())
    assert hidden == ["1", "2"]


def test_the_suggestion_covers_the_uncovered_objective_and_decides_nothing(client, edition):
    client.force_login(edition.admin)
    best = edition.scored([(5, 10)], objectives=(1,))
    edition.scored([(5, 8)], objectives=(1,))
    rare = edition.scored([(1, 0)], objectives=(9,), organization=edition.company)
    edition.call.highlighted_count = 2
    edition.call.save()

    response = client.get(url(edition.call, suggest="1"))

    assert response.status_code == 200
    assert "Covers objective 9, otherwise uncovered." in page(response).text(f"row-{rare.pk}")
    checked = {
        int(attrs["value"])
        for attrs in page(response).all("input")
        if attrs.get("name") == "dossier" and "checked" in attrs
    }
    assert checked == {best.pk, rare.pk}
    assert not Decision.objects.filter(application__call=edition.call).exists()


def test_recording_selects_in_bulk_with_a_report(client, edition, on_commit):
    client.force_login(edition.admin)
    a = edition.scored([(5, 10)])
    b = edition.scored([(4, 10)], organization=edition.company)

    response = record(client, edition.call, "select", [a, b], specials=[a], reason="Remarquable")

    assert response.status_code == 200
    assert "Done" in page(response).text(f"outcome-{a.pk}")
    decisions = {d.application_id: d for d in Decision.objects.filter(is_current=True)}
    assert decisions[a.pk].special_prize and decisions[a.pk].motivation == "Remarquable"
    assert decisions[b.pk].highlighted and not decisions[b.pk].special_prize


def test_beyond_the_quota_nothing_is_recorded(client, edition):
    client.force_login(edition.admin)
    edition.call.highlighted_count = 1
    edition.call.save()
    a, b = edition.scored([(5, 10)]), edition.scored([(4, 10)])

    response = record(client, edition.call, "select", [a, b])

    assert response.status_code == 400
    assert "only 1 of the 1 highlighted actions" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_special_prize_for_a_non_association_refuses_the_whole_batch(client, edition):
    client.force_login(edition.admin)
    a = edition.scored([(5, 10)])
    company = edition.scored([(4, 10)], organization=edition.company)

    response = record(client, edition.call, "select", [a, company], specials=[company])

    assert response.status_code == 400
    assert "only go to an action carried by an association" in page(response).text(
        f"outcome-{company.pk}"
    )
    assert "Not recorded" in page(response).text(f"outcome-{a.pk}")
    assert not Decision.objects.exists()
    # No special prize box is offered to a company.
    assert f'id="special-{company.pk}"' not in client.get(url(edition.call)).content.decode()


def test_a_stale_page_is_refused_and_keeps_the_choices(client, edition):
    client.force_login(edition.admin)
    a, b = edition.scored([(5, 10)]), edition.scored([(4, 10)])
    fields = form_fields(client.get(url(edition.call)))
    # Another administrator records a decision meanwhile: the last slot is gone.
    edition.call.highlighted_count = 1
    edition.call.save()
    perform(b, "select", edition.admin)

    response = record(client, edition.call, "select", [a], fields=fields)

    assert response.status_code == 409
    assert "The selection changed meanwhile" in response.content.decode()
    assert f'value="{a.pk}" id="check-{a.pk}" data-choose checked' in response.content.decode()
    assert not Decision.objects.filter(application=a).exists()


def test_a_dossier_changed_meanwhile_is_reported(client, edition):
    client.force_login(edition.admin)
    a = edition.scored([(5, 10)])
    fields = form_fields(client.get(url(edition.call)))
    fields[f"version-{a.pk}"] = str(int(fields[f"version-{a.pk}"]) - 1)

    response = record(client, edition.call, "select", [a], fields=fields)

    assert response.status_code == 409
    assert "changed meanwhile" in page(response).text(f"outcome-{a.pk}")


def test_decline_needs_a_motivation(client, edition):
    client.force_login(edition.admin)
    a = edition.scored([(1, 1)])
    assert record(client, edition.call, "decline", [a]).status_code == 400
    response = record(client, edition.call, "decline", [a], reason="Hors critères")
    assert response.status_code == 200
    assert Decision.objects.get(application=a).outcome == Decision.Outcome.NOT_SELECTED


def test_ami_variant_with_amounts_and_envelope(client, world):
    client.force_login(world.administrator)
    dossier = world.dossier(S.AWAITING_DECISION)
    url_ = url(world.call)
    response = client.get(url_)
    assert response.status_code == 200
    assert "Left in the envelope" in response.content.decode()
    fields = form_fields(response)

    response = record(
        client, world.call, "select", [dossier], fields=fields, **{f"amount-{dossier.pk}": "1500"}
    )

    assert response.status_code == 200
    assert Decision.objects.get(application=dossier).amount == Decimal("1500")
    assert "198,500.00" in page(response).text("counters") or "198 500,00" in page(response).text(
        "counters"
    )


def test_only_administrators(client, edition):
    client.force_login(edition.jurors[0])
    assert client.get(url(edition.call)).status_code == 404
    client.logout()
    assert client.get(url(edition.call)).status_code == 302
