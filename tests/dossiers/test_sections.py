"""Editing a dossier section by section: each page saves on its own, keeps what was
typed when something is wrong, and the step navigation saves before leaving."""

from decimal import Decimal

import pytest
from django.urls import reverse

from calls import services
from calls.models import Application, Objective
from tests.web import page
from workflows.states import DossierState as S

from . import SECTIONS, check_url, edit_url


@pytest.fixture
def draft(world):
    return services.create_draft(
        call=world.call, organization=world.organization, user=world.applicant, title="Projet"
    )


@pytest.fixture
def applicant_client(client, world):
    client.force_login(world.applicant)
    return client


def reload(dossier):
    return Application.objects.get(pk=dossier.pk)


def steps(response) -> list[dict]:
    """The entries of the step navigation: button values, the current one, their text."""
    html = page(response)
    navs = [attrs for attrs in html.all("nav") if attrs.get("aria-label") == "Steps of the dossier"]
    assert len(navs) == 1
    return [
        attrs
        for name, attrs in html.tags
        if name in {"button", "a"} and "step-link" in (attrs.get("class") or "")
    ]


def field_error(response, field_id: str) -> str:
    """The error written next to a field (the element its aria-describedby names)."""
    return page(response).text(f"{field_id}_error")


def test_each_section_is_its_own_page_with_a_step_navigation(applicant_client, draft):
    for section in SECTIONS:
        response = applicant_client.get(edit_url(draft, section))
        assert response.status_code == 200, section
        entries = steps(response)
        current = [e for e in entries if e.get("aria-current") == "step"]
        assert len(current) == 1
        assert current[0].get("value", current[0].get("href")) in {
            section,
            edit_url(draft, section),
        }
        assert page(response).unlabelled_fields() == []
    response = applicant_client.get(edit_url(draft, "projet"))
    assert [e["value"] for e in steps(response)] == [*SECTIONS, "verification"]
    text = page(response).text("content")
    assert "The project (to complete)" in text  # the marker is written, not a colour


def test_saving_one_section_keeps_it_while_the_others_are_empty(applicant_client, draft):
    response = applicant_client.post(
        edit_url(draft, "public"),
        {"people_reached": "Familles du quartier", "people_count": "", "action": "save"},
    )
    assert response.status_code == 302
    assert response["Location"] == edit_url(draft, "public")
    dossier = reload(draft)
    assert dossier.people_reached == "Familles du quartier"
    assert dossier.people_count is None
    assert dossier.total_budget is None and list(dossier.objectives.all()) == []
    followed = applicant_client.get(response["Location"])
    assert page(followed).text("id_people_reached") == "Familles du quartier"
    assert "The people reached ✓ (step completed)" in page(followed).text("content")


def test_save_and_continue_goes_to_the_next_section(applicant_client, draft):
    response = applicant_client.post(
        edit_url(draft, "projet"),
        {"title": "Permanence juridique", "summary": "Conseils gratuits.", "action": "continue"},
    )
    assert response["Location"] == edit_url(draft, "objectifs")
    assert reload(draft).title == "Permanence juridique"
    response = applicant_client.post(
        edit_url(draft, "budget"), {"total_budget": "", "action": "continue"}
    )
    assert response["Location"] == edit_url(draft, "documents")


def test_clicking_another_step_saves_what_was_typed(applicant_client, draft, world):
    response = applicant_client.post(
        edit_url(draft, "budget"),
        {"total_budget": "25 000", "requested_amount": "12500,50", "goto": "quartiers"},
    )
    assert response.status_code == 302
    assert response["Location"] == edit_url(draft, "quartiers")
    dossier = reload(draft)
    assert dossier.total_budget == Decimal("25000")
    assert dossier.requested_amount == Decimal("12500.50")
    shown = applicant_client.get(edit_url(draft, "budget"))
    assert page(shown).value("id_total_budget") in {"25000", "25000,00"}
    assert page(shown).value("id_requested_amount") in {"12500,50", "12500.50"}

    response = applicant_client.post(
        edit_url(draft, "quartiers"), {"districts": ["bastide", "sud"], "goto": "verification"}
    )
    assert response["Location"] == check_url(draft)
    assert reload(draft).districts == ["sud", "bastide"]  # in the order of the list


def test_a_step_click_with_an_error_keeps_the_page_and_offers_to_leave(applicant_client, draft):
    response = applicant_client.post(
        edit_url(draft, "budget"),
        {"total_budget": "1000", "requested_amount": "5000", "goto": "objectifs"},
    )
    assert response.status_code == 400
    html = page(response)
    assert html.value("id_total_budget") == "1000"
    assert html.value("id_requested_amount") == "5000"
    assert "cannot be above the total budget" in field_error(response, "id_requested_amount")
    leave = [a for a in html.all("a") if a.get("href") == edit_url(draft, "objectifs")]
    assert leave, "a link to leave without saving"
    assert reload(draft).total_budget is None  # nothing of the page was saved


def test_objectives_are_only_those_of_the_call_with_number_and_text(applicant_client, draft, world):
    response = applicant_client.get(edit_url(draft, "objectifs"))
    boxes = [a for a in page(response).all("input") if a.get("name") == "objectives"]
    targeted = list(world.call.objectives.order_by("number"))
    assert [int(b["value"]) for b in boxes] == [o.pk for o in targeted]
    text = page(response).text("content")
    for objective in targeted:
        assert f"Objective {objective.number} — {objective.text}" in text

    outside = Objective.objects.exclude(calls=world.call).first()
    response = applicant_client.post(
        edit_url(draft, "objectifs"),
        {"objectives": [targeted[0].pk, outside.pk], "action": "save"},
    )
    assert response.status_code == 400
    assert "only among the objectives targeted by this call" in field_error(
        response, "id_objectives"
    )
    assert list(reload(draft).objectives.all()) == []

    response = applicant_client.post(
        edit_url(draft, "objectifs"),
        {"objectives": [targeted[0].pk, targeted[2].pk], "action": "save"},
    )
    assert response.status_code == 302
    assert set(reload(draft).objectives.all()) == {targeted[0], targeted[2]}


def test_the_service_refuses_an_objective_outside_the_call(draft, world):
    from workflows.exceptions import InvalidTransitionData

    outside = Objective.objects.exclude(calls=world.call).first()
    with pytest.raises(InvalidTransitionData) as error:
        services.set_objectives(draft, world.applicant, [outside])
    assert error.value.field == "objectives"
    assert str(outside.number) in str(error.value.message)


@pytest.mark.parametrize(
    ("total", "requested", "message"),
    [
        ("10000", "12000", "cannot be above the total budget"),
        ("100000", "30 000,01", "above the call's maximum grant (30"),
        ("10000", "abc", "must be a number of euros"),
        ("1e3", "", "must be a number of euros"),
        ("-5", "", "cannot be negative"),
        ("100,123", "", "more than two decimals"),
    ],
)
def test_budget_errors_are_next_to_the_field_with_the_values_kept(
    applicant_client, draft, total, requested, message
):
    response = applicant_client.post(
        edit_url(draft, "budget"),
        {"total_budget": total, "requested_amount": requested, "action": "continue"},
    )
    assert response.status_code == 400
    html = page(response)
    assert html.value("id_total_budget") == total
    assert (html.value("id_requested_amount") or "") == requested
    field = "id_total_budget" if requested == "" else "id_requested_amount"
    assert message in field_error(response, field)
    assert f"#{field}" in {a.get("href") for a in html.all("a")}  # the summary links to it
    dossier = reload(draft)
    assert dossier.total_budget is None and dossier.requested_amount is None


def test_budget_within_the_rules_is_saved(applicant_client, draft):
    response = applicant_client.post(
        edit_url(draft, "budget"),
        {"total_budget": "80 000", "requested_amount": "30000", "action": "save"},
    )
    assert response.status_code == 302
    dossier = reload(draft)
    assert (dossier.total_budget, dossier.requested_amount) == (Decimal(80000), Decimal(30000))


def test_an_empty_title_is_refused_and_the_summary_kept(applicant_client, draft):
    response = applicant_client.post(
        edit_url(draft, "projet"), {"title": "   ", "summary": "Un long texte.", "action": "save"}
    )
    assert response.status_code == 400
    assert "Give the project a title." in field_error(response, "id_title")
    assert page(response).text("id_summary") == "Un long texte."
    assert reload(draft).title == "Projet"


def test_a_prize_nomination_has_no_budget_section(client, prize_world):
    draft = services.create_draft(
        call=prize_world.call,
        organization=prize_world.organization,
        user=prize_world.applicant,
        title="Action",
    )
    client.force_login(prize_world.applicant)
    response = client.get(edit_url(draft, "projet"))
    assert "budget" not in [e["value"] for e in steps(response)]
    assert client.get(edit_url(draft, "budget")).status_code == 404


MALICIOUS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_typed_in_every_text_field_is_shown_escaped(applicant_client, draft):
    for section, data in [
        ("projet", {"title": MALICIOUS, "summary": MALICIOUS}),
        ("public", {"people_reached": MALICIOUS, "people_count": "12"}),
    ]:
        response = applicant_client.post(edit_url(draft, section), {**data, "action": "save"})
        assert response.status_code == 302
    dossier = reload(draft)
    assert dossier.title == MALICIOUS and dossier.summary == MALICIOUS
    for url in [
        edit_url(draft, "projet"),
        edit_url(draft, "public"),
        edit_url(draft, "documents"),
        check_url(draft),
        reverse("dossier_detail", args=[draft.pk]),
    ]:
        html = applicant_client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;alert(" in html, url
    # Shown back in an error page too.
    response = applicant_client.post(
        edit_url(draft, "public"), {"people_reached": MALICIOUS, "people_count": MALICIOUS}
    )
    assert response.status_code == 400
    assert "<script>alert" not in response.content.decode()
    assert "Give a whole number" in field_error(response, "id_people_count")


@pytest.mark.parametrize("role", ["other_applicant", "instructor", "administrator", "juror"])
def test_only_members_of_the_organisation_reach_the_edit_pages(client, world, role):
    draft = world.dossier(S.DRAFT)
    incomplete = world.dossier(S.INCOMPLETE)
    client.force_login(world.roles()[role])
    for dossier in (draft, incomplete):
        for section in SECTIONS:
            assert client.get(edit_url(dossier, section)).status_code == 404
            response = client.post(
                edit_url(dossier, section), {"title": "Piraté", "action": "save"}
            )
            assert response.status_code == 404
        assert client.get(check_url(dossier)).status_code == 404
    assert reload(draft).title != "Piraté"


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    draft = world.dossier(S.DRAFT)
    response = client.get(edit_url(draft, "projet"))
    assert response.status_code == 302
    assert "/comptes/login/" in response["Location"]


@pytest.mark.parametrize("state", [S.SUBMITTED, S.ELIGIBLE, S.WITHDRAWN])
def test_a_submitted_dossier_can_no_longer_be_edited(client, world, state):
    dossier = world.dossier(state)
    before = reload(dossier)
    client.force_login(world.applicant)
    response = client.get(edit_url(dossier, "projet"))
    assert response.status_code == 409
    assert "this dossier has been submitted and can no longer be edited" in (
        page(response).text("content").lower()
    )
    response = client.post(
        edit_url(dossier, "projet"), {"title": "Changé après dépôt", "action": "save"}
    )
    assert response.status_code == 409
    assert "can no longer be edited" in response.content.decode()
    after = reload(dossier)
    assert (after.title, after.summary, after.updated_at) == (
        before.title,
        before.summary,
        before.updated_at,
    )


def test_an_incomplete_dossier_is_edited_with_the_citys_request_shown(client, world):
    dossier = world.dossier(S.INCOMPLETE)
    client.force_login(world.applicant)
    response = client.get(edit_url(dossier, "projet"))
    assert response.status_code == 200
    assert "Merci de joindre le budget prévisionnel signé." in page(response).text("content")
    response = client.post(
        edit_url(dossier, "projet"), {"title": "Titre corrigé", "summary": "", "action": "save"}
    )
    assert response.status_code == 302
    assert reload(dossier).title == "Titre corrigé"
    assert reload(dossier).state == S.INCOMPLETE
