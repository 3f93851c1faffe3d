"""Acting on a dossier through its page: one form per action the user may take, each
posted to the transition service; errors come back next to the field concerned,
with what was typed, and a form shown before someone else acted is refused."""

from decimal import Decimal

from django.core import mail
from django.urls import reverse

from calls.models import Application
from notifications.models import OutboundEmail
from reviews.models import Decision
from workflows.models import TransitionLog
from workflows.paths import attach_required_documents
from workflows.services import perform
from workflows.states import DossierState as S

from . import action_url, detail_url, page


def shown_state(response) -> str:
    """The state written at the top of the dossier page."""
    html = response.content.decode()
    start = html.index('class="current-state"')
    strong = html.index('<strong class="state">', start) + len('<strong class="state">')
    return html[strong : html.index("</strong>", strong)]


def action_forms(response) -> list[str]:
    """The actions offered on the page, by the URL their form posts to."""
    return [
        attrs["action"].rstrip("/").rsplit("/", 1)[-1]
        for attrs in page(response).all("form")
        if "/actions/" in attrs.get("action", "")
    ]


def act(client, dossier, transition, **data):
    """Post the action's form as the page shows it (with the state it showed)."""
    shown = client.get(detail_url(dossier))
    assert shown.status_code == 200
    assert transition in action_forms(shown), (transition, action_forms(shown))
    expected = page(shown).value(f"id_{transition}_expected_state")
    return client.post(action_url(dossier, transition), {"expected_state": expected, **data})


def test_an_ami_dossier_goes_from_draft_to_notified_through_its_page(client, world, on_commit):
    dossier = world.dossier(S.DRAFT)
    attach_required_documents(dossier, world.applicant)
    steps = [
        (world.applicant, "submit", {}, S.SUBMITTED),
        (world.instructor, "declare_eligible", {}, S.ELIGIBLE),
        (world.administrator, "to_decision", {}, S.AWAITING_DECISION),
        (
            world.administrator,
            "select",
            {"amount": "12 500", "reason": "Projet utile au quartier."},
            S.SELECTED,
        ),
        (world.administrator, "notify", {}, S.NOTIFIED),
    ]
    for user, transition, data, target in steps:
        client.force_login(user)
        with on_commit():
            response = act(client, dossier, transition, **data)

        assert response.status_code == 302, (transition, response.status_code)
        assert response["Location"] == detail_url(dossier)
        dossier.refresh_from_db()
        assert dossier.state == target
        followed = client.get(response["Location"])
        assert shown_state(followed) == str(target.label)
        assert str(target.label) in page(followed).text("content")  # the success notice

    decision = Decision.objects.get(application=dossier, is_current=True)
    assert decision.amount == Decimal("12500")
    assert [log.transition for log in dossier.transition_logs.all()] == [s[1] for s in steps]

    # The applicant sees the notified decision and the email it was sent.
    client.force_login(world.applicant)
    response = client.get(detail_url(dossier))
    decision_text = page(response).text("content")
    assert "12,500.00 €" in decision_text  # an English page
    sent = OutboundEmail.objects.get(application=dossier, event="select")
    assert sent.status == OutboundEmail.Status.SENT
    assert " ".join(sent.subject.split()) in decision_text  # the page text, spaces collapsed
    assert any(message.subject == sent.subject for message in mail.outbox)
    assert action_forms(response) == []


def test_the_page_offers_each_user_only_the_actions_they_may_take(client, world):
    dossier = world.dossier(S.SUBMITTED)
    offered = {}
    withdraw_links = {}
    for role in ("applicant", "instructor", "administrator", "other_instructor"):
        client.force_login(world.roles()[role])
        response = client.get(detail_url(dossier))
        offered[role] = sorted(action_forms(response)) if response.status_code == 200 else None
        withdraw_links[role] = (
            f'href="/dossiers/{dossier.pk}/retirer/"' in response.content.decode()
        )

    assert offered == {
        "applicant": [],  # withdrawing has a confirmation page of its own
        "instructor": ["declare_eligible", "declare_ineligible", "request_completion"],
        "administrator": [],
        "other_instructor": None,  # not instructing this call: no page at all
    }
    assert withdraw_links == {
        "applicant": True,
        "instructor": False,
        "administrator": False,
        "other_instructor": False,
    }


def test_a_form_shown_before_someone_else_acted_is_refused(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)
    shown = client.get(detail_url(dossier))
    expected = page(shown).value("id_declare_eligible_expected_state")
    assert expected == S.SUBMITTED
    # Meanwhile the applicant withdraws the dossier.
    perform(dossier, "withdraw", world.applicant, reason="Projet reporté.")
    logs_before = TransitionLog.objects.count()

    response = client.post(action_url(dossier, "declare_eligible"), {"expected_state": expected})

    assert response.status_code == 409
    assert "changed meanwhile" in page(response).text("error")
    assert shown_state(response) == str(S.WITHDRAWN.label)
    dossier.refresh_from_db()
    assert dossier.state == S.WITHDRAWN
    assert TransitionLog.objects.count() == logs_before
    assert action_forms(response) == []


def test_a_stale_form_comes_back_filled_in_against_the_current_state(client, world):
    """The decision changed while the page was open, and the same action is still
    offered: the refused form comes back with what was typed, now tied to the state
    the page shows, so that a second click acts knowingly on the new decision."""
    dossier = world.dossier(S.NOT_SELECTED)
    client.force_login(world.administrator)
    stale = page(client.get(detail_url(dossier))).value("id_reopen_expected_state")
    perform(dossier, "reopen", world.administrator, reason="Recours gracieux.")
    perform(dossier, "select", world.administrator, amount="8000")

    response = client.post(
        action_url(dossier, "reopen"), {"expected_state": stale, "reason": "Erreur de saisie."}
    )

    assert response.status_code == 409
    html = page(response)
    assert "changed meanwhile" in html.text("error")
    assert shown_state(response) == str(S.SELECTED.label)
    assert html.value("id_reopen_reason") == "Erreur de saisie."
    assert html.value("id_reopen_expected_state") == S.SELECTED
    dossier.refresh_from_db()
    assert dossier.state == S.SELECTED
    assert Decision.objects.get(application=dossier, is_current=True).amount == Decimal("8000")


def test_a_missing_reason_is_reported_next_to_the_field(client, world):
    dossier = world.dossier(S.AWAITING_DECISION)
    client.force_login(world.administrator)

    response = act(client, dossier, "decline", reason="   ")

    assert response.status_code == 400
    html = page(response)
    assert "Give the motivation of the refusal." in html.text("id_decline_reason_error")
    assert "Give the motivation of the refusal." in html.text("error")
    dossier.refresh_from_db()
    assert dossier.state == S.AWAITING_DECISION
    assert not Decision.objects.filter(application=dossier).exists()


def test_a_refused_amount_is_reported_next_to_the_field_and_kept(client, world):
    dossier = world.dossier(S.AWAITING_DECISION)
    client.force_login(world.administrator)

    response = act(client, dossier, "select", amount="45 000", reason="Très bon projet.")

    assert response.status_code == 400
    html = page(response)
    assert "maximum grant" in html.text("id_select_amount_error")
    assert html.value("id_select_amount") == "45 000"
    assert html.value("id_select_reason") == "Très bon projet."
    assert html.value("id_select_expected_state") == S.AWAITING_DECISION
    # The other forms of the page stay blank.
    assert html.value("id_decline_reason") == ""
    dossier.refresh_from_db()
    assert dossier.state == S.AWAITING_DECISION


def test_a_missing_amount_is_reported_next_to_the_field(client, world):
    dossier = world.dossier(S.AWAITING_DECISION)
    client.force_login(world.administrator)

    response = act(client, dossier, "select", amount="", reason="Motivation tapée.")

    assert response.status_code == 400
    assert "Give the granted amount." in page(response).text("id_select_amount_error")
    assert page(response).value("id_select_reason") == "Motivation tapée."


def test_html_typed_in_a_reason_is_shown_as_text(client, world):
    typed = '<script>alert("x")</script><b>gras</b>'
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    withdraw_page = f"/dossiers/{dossier.pk}/retirer/"
    expected = page(client.get(withdraw_page)).value("id_withdraw_expected_state")
    response = client.post(withdraw_page, {"expected_state": expected, "reason": typed})
    assert response.status_code == 302

    for user in (world.applicant, world.administrator):
        client.force_login(user)
        html = client.get(detail_url(dossier)).content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;gras&lt;/b&gt;" in html
        assert "<script>" not in html
        assert "<b>gras" not in html


def test_a_user_who_may_see_but_not_act_gets_a_clear_refusal(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    response = client.post(action_url(dossier, "declare_eligible"), {"expected_state": S.SUBMITTED})

    assert response.status_code == 403
    assert "You are not allowed to do this on this dossier." in page(response).text("error")
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED


def test_an_action_impossible_in_the_current_state_is_refused(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.administrator)

    response = client.post(action_url(dossier, "notify"), {"expected_state": S.SUBMITTED})

    assert response.status_code == 400
    assert "not possible in the dossier's current state" in page(response).text("error")
    assert Application.objects.get(pk=dossier.pk).state == S.SUBMITTED


def test_an_unknown_action_is_refused(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    response = client.post(action_url(dossier, "approve"), {"expected_state": S.SUBMITTED})

    assert response.status_code == 400
    assert "Unknown action." in page(response).text("error")


def test_a_form_without_a_valid_state_is_refused(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    for posted in ({"expected_state": "accepted"}, {}):
        response = client.post(action_url(dossier, "declare_eligible"), posted)

        assert response.status_code == 400
        assert "out of date" in page(response).text("error")
    assert Application.objects.get(pk=dossier.pk).state == S.SUBMITTED


def test_a_draft_not_ready_offers_what_is_missing_instead_of_the_submit_button(client, world):
    """A draft without its mandatory document shows no submit button: the page lists
    what is missing and links to the check page; a post from an older page is refused
    with the reason, and the draft stays a draft."""
    dossier = world.dossier(S.DRAFT)
    client.force_login(world.applicant)

    shown = client.get(detail_url(dossier))

    assert "submit" not in action_forms(shown)
    missing = page(shown).text("not-ready-submit")
    assert "The dossier cannot be submitted yet. Still missing:" in missing
    assert "Mandatory document(s) missing" in missing
    check = reverse("dossier_check", kwargs={"pk": dossier.pk})
    assert check in {a.get("href") for a in page(shown).all("a")}

    response = client.post(
        action_url(dossier, "submit"),
        {"expected_state": S.DRAFT, "expected_version": dossier.version},
    )

    assert response.status_code == 400
    assert "Mandatory document(s) missing" in page(response).text("error")
    assert Application.objects.get(pk=dossier.pk).state == S.DRAFT


def test_a_ready_draft_offers_submit_before_discard(client, world):
    dossier = world.dossier(S.DRAFT)
    attach_required_documents(dossier)
    client.force_login(world.applicant)

    assert action_forms(client.get(detail_url(dossier))) == ["submit", "discard"]


def test_a_prize_nomination_can_get_a_special_prize_from_its_page(client, prize_world):
    world = prize_world
    dossier = world.dossier(S.AWAITING_DECISION)
    client.force_login(world.administrator)
    shown = client.get(detail_url(dossier))
    assert "id_select_special_prize" in {attrs.get("id") for attrs in page(shown).fields()}

    response = act(client, dossier, "select", special_prize="on", amount="")

    assert response.status_code == 302
    decision = Decision.objects.get(application=dossier, is_current=True)
    assert decision.special_prize and decision.highlighted
    assert decision.amount == world.call.special_prize_amount
