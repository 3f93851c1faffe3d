"""Assisted submission: reception staff (instructors and administrators) create an
organisation without any account, enter its paper, counter or phone dossier on its
behalf through the applicant's pages and services, and submit it; the same rules of the
call apply, with a paper dossier received before the closing date still accepted after
it. Who entered a dossier never instructs, gives an opinion on, scores or decides it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization
from calls import reception
from calls import services as dossier_services
from calls.models import Application, Attachment, ScoringCriterion
from notifications.models import Letter, OutboundEmail
from reviews import services as review_services
from tests.factories import UserFactory
from tests.web import page
from tests.web.test_double_submit import login, post_twice
from workflows import rules
from workflows.audit import EVENT_LABELS
from workflows.exceptions import TransitionNotPermitted
from workflows.models import AuditEvent
from workflows.paths import advance
from workflows.services import available_transitions, perform
from workflows.states import DossierState as S

from . import PDF, add_url, check_url, edit_url, upload

POSTAL = "12 rue des Faures\n33800 Bordeaux"


def paper_organisation(staff, **fields):
    values = {"name": "Collectif des Capucins", "kind": "association", "address": POSTAL}
    values.update(fields)
    return reception.create_organisation(staff, **values)


def assisted(world, staff=None, state="draft", channel="paper", **kwargs):
    """A dossier entered by ``staff`` (the call's instructor by default) for an
    organisation without an account, brought to ``state`` through the real transitions
    (submitted by the staff member on its behalf)."""
    staff = staff or world.instructor
    organization = kwargs.pop("organization", None) or paper_organisation(staff)
    dossier = reception.enter_dossier(
        staff,
        organization=organization,
        call=world.call,
        channel=channel,
        title="Jardin partagé",
        received_on=kwargs.pop("received_on", timezone.localdate()),
    )
    dossier.objectives.set(world.call.objectives.all()[:1])
    Application.objects.filter(pk=dossier.pk).update(
        total_budget=20000, requested_amount=8000, summary="Un jardin."
    )
    dossier.refresh_from_db()
    second = UserFactory(email="instructeur-bis@example.org", roles=[rules.INSTRUCTORS])
    world.call.instructors.add(second)
    actors = {"applicant": staff, "instructor": second, "administrator": world.administrator}
    if staff == world.administrator:
        actors["administrator"] = UserFactory(
            email="admin-bis@example.org", roles=[rules.ADMINISTRATORS]
        )
    return advance(dossier, state, actors)


# ------------------------------------------------------------------ organisations


def test_staff_create_an_organisation_reachable_by_post_only(client, world):
    client.force_login(world.instructor)
    form = client.get(reverse("reception_organisation_create"))
    assert form.status_code == 200
    response = client.post(
        reverse("reception_organisation_create"),
        {"name": "Collectif des Capucins", "kind": "association", "address": POSTAL},
    )
    organization = Organization.objects.get(name="Collectif des Capucins")
    assert response.status_code == 302
    assert response["Location"] == reverse("reception_enter", args=[organization.pk])
    assert organization.contact_email == ""
    assert not Membership.objects.filter(organization=organization).exists()
    assert AuditEvent.objects.filter(
        event="assisted.organisation_created", actor=world.instructor
    ).exists()


def test_the_postal_address_typed_in_a_browser_is_kept_one_line_per_line(client, world):
    # A browser's textarea sends "\r\n" between lines: the letters print the address as
    # typed, and the address reads the same in exports and in the API.
    client.force_login(world.instructor)
    client.post(
        reverse("reception_organisation_create"),
        {
            "name": "Collectif des Capucins",
            "kind": "association",
            "address": " 12 rue des Faures \r\n\r\n33800 Bordeaux\r\n",
        },
    )
    assert Organization.objects.get(name="Collectif des Capucins").address == POSTAL
    direct = paper_organisation(world.instructor, name="Épicerie", address="1 rue A\r\n33000 B")
    assert direct.address == "1 rue A\n33000 B"


def test_an_organisation_with_no_contact_at_all_is_refused(client, world):
    client.force_login(world.administrator)
    response = client.post(
        reverse("reception_organisation_create"),
        {"name": "Sans adresse", "kind": "association"},
    )
    assert response.status_code == 400
    assert "Give at least one way to reach the organisation" in page(response).text("error")
    assert not Organization.objects.filter(name="Sans adresse").exists()


def test_an_organisation_entered_twice_with_the_same_siret_is_found_not_duplicated(client, world):
    known = Organization.objects.create(
        name="Les Restos du Quai", kind="association", siret="73282932000074", phone="0556"
    )
    Organization.objects.exclude(pk=known.pk).update(siret="")
    client.force_login(world.instructor)
    response = client.post(
        reverse("reception_organisation_create"),
        {
            "name": "Restos du quai (papier)",
            "kind": "association",
            "siret": "732 829 320 00074",
            "phone": "05 56 10 20 30",
        },
    )
    assert response.status_code == 400
    assert Organization.objects.filter(siret="73282932000074").count() == 1
    links = {a["href"] for a in page(response).all("a")}
    assert reverse("reception_enter", args=[known.pk]) in links
    assert "already known: Les Restos du Quai" in response.content.decode()


def test_the_reception_pages_are_reached_from_the_staff_landing_page(client, world):
    client.force_login(world.instructor)
    home = client.get(reverse("staff_home"))
    assert reverse("reception_home") in {a["href"] for a in page(home).all("a")}
    paper_organisation(world.instructor)
    found = client.get(reverse("reception_home"), {"q": "capucins"})
    organization = Organization.objects.get(name="Collectif des Capucins")
    assert reverse("reception_organisation", args=[organization.pk]) in {
        a["href"] for a in page(found).all("a")
    }
    for user in (world.applicant, world.governance, world.juror):
        client.force_login(user)
        assert client.get(reverse("reception_home")).status_code == 404


# ------------------------------------------------------------------ the dossier


def test_staff_enter_complete_and_submit_a_paper_dossier_with_its_scan(client, world, on_commit):
    world.call.instructors.add(world.other_instructor)  # reception: one of its instructors
    organization = paper_organisation(world.other_instructor)
    client.force_login(world.other_instructor)
    response = client.post(
        reverse("reception_enter", args=[organization.pk]),
        {
            "call": world.call.pk,
            "channel": "paper",
            "received_on": timezone.localdate().isoformat(),
            "title": "Jardin partagé",
        },
    )
    dossier = Application.objects.get(organization=organization)
    assert response.status_code == 302
    assert response["Location"] == edit_url(dossier, "projet")
    assert (dossier.channel, dossier.entered_by, dossier.created_by) == (
        "paper",
        world.other_instructor,
        world.other_instructor,
    )
    objective = world.call.objectives.order_by("number").first()
    for section, data in [
        ("projet", {"title": "Jardin partagé", "summary": "Un jardin au pied des tours."}),
        ("objectifs", {"objectives": [objective.pk]}),
        ("budget", {"total_budget": "20 000", "requested_amount": "8 000"}),
    ]:
        saved = client.post(edit_url(dossier, section), {**data, "action": "continue"})
        assert saved.status_code == 302, (section, saved.content.decode()[:300])
    document = world.call.required_documents.get()
    scan = client.post(
        add_url(dossier), {"document": document.pk, "file": upload("statuts-scan.pdf", PDF)}
    )
    assert scan.status_code == 302
    assert Attachment.objects.get(application=dossier).uploaded_by == world.other_instructor
    assert page(client.get(check_url(dossier))).text("missing") == "Nothing required is missing"
    with on_commit():
        submitted = client.post(
            reverse("dossier_submit", args=[dossier.pk]), {"expected_state": "draft"}
        )
    assert submitted.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED
    # No email to the staff member: the organisation has no address, a letter is written.
    assert not OutboundEmail.objects.filter(application=dossier).exists()
    [letter] = Letter.objects.filter(application=dossier)
    assert (letter.status, letter.recipient_address) == ("to_post", POSTAL)
    assert "par courrier" in letter.body_text
    # The staff dossier page shows the channel, date of receipt and who entered it.
    client.force_login(world.instructor)
    staff_page = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    assert "Paper (received by post)" in staff_page.text("content")
    assert (
        dossier.received_on.isoformat()
        in client.get(reverse("staff_dossier_detail", args=[dossier.pk])).content.decode()
    )


def test_an_organisation_with_an_email_but_no_account_is_written_to_at_that_address(world):
    organization = paper_organisation(world.instructor, contact_email="capucins@example.org")
    dossier = assisted(world, state="submitted", organization=organization, channel="counter")
    assert list(
        OutboundEmail.objects.filter(application=dossier).values_list("recipient", flat=True)
    ) == ["capucins@example.org"]
    assert not Letter.objects.filter(application=dossier).exists()


def test_the_rule_on_members_lets_reception_staff_act_on_behalf_only(world):
    organization = paper_organisation(world.instructor)
    with pytest.raises(TransitionNotPermitted):
        reception.enter_dossier(
            world.applicant,
            organization=organization,
            call=world.call,
            channel="phone",
            title="X",
        )
    online = world.dossier("draft")
    assert not rules.acts_for_applicant(world.instructor, online)  # online: members only


def test_a_paper_dossier_received_before_the_closing_date_is_entered_and_submitted_after_it(
    world,
):
    closing = timezone.now() - timedelta(days=2)
    world.call.closes_at = closing
    world.call.save(update_fields=["closes_at"])
    received = timezone.localdate(closing) - timedelta(days=1)
    dossier = assisted(world, state="submitted", received_on=received)
    assert dossier.state == S.SUBMITTED
    assert dossier.received_on == received


def test_after_the_closing_date_a_late_or_counter_dossier_is_refused(world):
    world.call.closes_at = timezone.now() - timedelta(days=2)
    world.call.save(update_fields=["closes_at"])
    organization = paper_organisation(world.instructor)
    late = timezone.localdate()
    with pytest.raises(Exception, match="received after the closing date"):
        reception.enter_dossier(
            world.instructor,
            organization=organization,
            call=world.call,
            channel="paper",
            title="X",
            received_on=late,
        )
    with pytest.raises(Exception, match="The call is closed"):
        reception.enter_dossier(
            world.instructor,
            organization=organization,
            call=world.call,
            channel="counter",
            title="X",
        )
    with pytest.raises(Exception, match="Give the date the paper dossier was received"):
        reception.enter_dossier(
            world.instructor,
            organization=organization,
            call=world.call,
            channel="paper",
            title="X",
            received_on=None,
        )


def test_the_enter_form_explains_a_future_date_of_receipt(client, world):
    organization = paper_organisation(world.instructor)
    client.force_login(world.instructor)
    response = client.post(
        reverse("reception_enter", args=[organization.pk]),
        {
            "call": world.call.pk,
            "channel": "paper",
            "received_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "title": "Jardin",
        },
    )
    assert response.status_code == 400
    assert "cannot be in the future" in page(response).text("error")
    assert not Application.objects.filter(organization=organization).exists()


def test_the_enter_form_lists_every_missing_field_in_readable_french(client, world):
    organization = paper_organisation(world.instructor)
    client.force_login(world.instructor)
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")  # the site's default language
    response = client.post(reverse("reception_enter", args=[organization.pk]), {})
    assert response.status_code == 400
    summary = page(response).text("error")
    assert "Appel : Ce champ est obligatoire." in summary  # (spaces collapsed)
    # A label ending with a question mark is not followed by a colon.
    assert "parvenu à la Ville ? Ce champ est obligatoire." in summary, summary
    assert "?:" not in summary and "? :" not in summary


def test_the_applicant_dossier_page_shows_the_date_of_receipt(client, world):
    dossier = assisted(world, state="submitted", received_on=timezone.localdate())
    client.force_login(world.instructor)
    html = client.get(reverse("dossier_detail", args=[dossier.pk])).content.decode()
    assert f'datetime="{dossier.received_on.isoformat()}"' in html
    assert "Paper (received by post)" in html


# ------------------------------------------------------------------ separation of duties


def test_who_entered_a_dossier_cannot_declare_it_eligible(client, world):
    dossier = assisted(world, state="submitted")
    with pytest.raises(TransitionNotPermitted) as refused:
        perform(dossier, "declare_eligible", world.instructor, checklist=[])
    assert refused.value.message == rules.SEPARATION_OF_DUTIES
    # The staff pages offer no action and explain why.
    client.force_login(world.instructor)
    response = client.get(reverse("staff_eligibility", args=[dossier.pk]), follow=True)
    assert str(rules.SEPARATION_OF_DUTIES) in response.content.decode()
    # The dossier's page says so too, without a detour through the eligibility page.
    detail = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    assert detail.text("separation-of-duties") == str(rules.SEPARATION_OF_DUTIES)
    assert reverse("staff_eligibility", args=[dossier.pk]) not in {
        a["href"] for a in detail.all("a")
    }
    other = world.call.instructors.exclude(pk=world.instructor.pk).get()
    client.force_login(other)
    detail = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    assert "separation-of-duties" not in detail.text_by_id
    assert reverse("staff_eligibility", args=[dossier.pk]) in {a["href"] for a in detail.all("a")}
    perform(dossier, "declare_eligible", other, checklist=[])
    assert dossier.state == S.ELIGIBLE


def test_who_entered_a_dossier_cannot_give_an_opinion_on_it(world):
    entering = world.governance
    entering.groups.add(*world.instructor.groups.all())
    world.call.instructors.add(entering)
    rules.forget(entering)
    dossier = assisted(world, staff=entering, state="in_consultation")
    assert not rules.can_give_opinion(entering, dossier)
    with pytest.raises(TransitionNotPermitted) as refused:
        review_services.record_opinion(dossier, world.body, entering, "favourable", "Bien.")
    assert refused.value.message == rules.SEPARATION_OF_DUTIES


def test_who_entered_a_dossier_cannot_score_it(prize_world):
    world = prize_world
    entering = world.juror
    entering.groups.add(*world.instructor.groups.all())
    world.call.instructors.add(entering)
    rules.forget(entering)
    criterion = ScoringCriterion.objects.create(call=world.call, label="Impact", max_score=5)
    dossier = assisted(world, staff=entering, state="eligible")
    perform(dossier, "open_jury", world.administrator)
    review_services.assign_juror(dossier, entering, world.administrator)
    with pytest.raises(TransitionNotPermitted) as refused:
        review_services.save_scorecard(dossier, entering, {criterion.pk: 4})
    assert refused.value.message == rules.SEPARATION_OF_DUTIES
    assert not rules.can_score(entering, dossier)


def test_who_entered_a_dossier_cannot_decide_it(world):
    dossier = assisted(world, staff=world.administrator, state="awaiting_decision")
    with pytest.raises(TransitionNotPermitted) as refused:
        perform(dossier, "select", world.administrator, amount="5000", reason="Oui.")
    assert refused.value.message == rules.SEPARATION_OF_DUTIES
    assert "select" not in {t.name for t in available_transitions(dossier, world.administrator)}


def test_the_audit_trail_names_the_assisted_events():
    for slug in ("assisted.organisation_created", "assisted.dossier_entered", "letter.posted"):
        assert slug in EVENT_LABELS


def test_staff_starting_a_dossier_from_the_applicant_page_are_led_to_the_reception(client, world):
    client.force_login(world.other_instructor)
    response = client.get(reverse("dossier_create"))
    assert response.status_code == 302
    assert response["Location"] == reverse("reception_home")


def test_a_dossier_of_an_organisation_nobody_can_reach_is_refused(client, world):
    unreachable = Organization.objects.create(name="Fantôme", kind="association")
    client.force_login(world.instructor)
    response = client.post(
        reverse("reception_enter", args=[unreachable.pk]),
        {"call": world.call.pk, "channel": "counter", "title": "Projet"},
    )
    assert response.status_code == 400
    assert "Fantôme has no contact at all" in page(response).text("error")
    assert not Application.objects.filter(organization=unreachable).exists()


def test_a_double_click_creates_one_organisation_and_one_dossier(world):
    client = login(world.instructor)
    url = reverse("reception_organisation_create")
    post_twice(
        client, url, url, {"name": "Une fois", "kind": "association", "phone": "05 56 10 20 30"}
    )
    organization = Organization.objects.get(name="Une fois")
    url = reverse("reception_enter", args=[organization.pk])
    post_twice(client, url, url, {"call": world.call.pk, "channel": "phone", "title": "Projet"})
    assert Application.objects.filter(organization=organization).count() == 1


# ------------------------------------------------------------ scope of the call


def test_only_the_staff_of_the_call_act_on_behalf_through_every_service(world, on_commit):
    """An instructor of another call has the reception permission but not on this call:
    they neither enter, complete, attach to nor submit its assisted dossiers (the same
    rule, ``rules.may_receive_for``, for every service); the call's instructors and the
    administrators do."""
    outsider = world.other_instructor
    assert rules.has_reception(outsider) and not rules.may_receive_for(outsider, world.call)
    assert rules.may_receive_for(world.instructor, world.call)
    assert rules.may_receive_for(world.administrator, world.call)
    organization = paper_organisation(outsider)  # organisations belong to no call
    with pytest.raises(TransitionNotPermitted) as refused:
        reception.enter_dossier(
            outsider, organization=organization, call=world.call, channel="phone", title="X"
        )
    assert refused.value.message == rules.NOT_RECEPTION_OF_CALL
    with pytest.raises(TransitionNotPermitted) as refused:
        dossier_services.create_draft(
            call=world.call, organization=organization, user=outsider, title="X", channel="phone"
        )
    assert refused.value.message == rules.NOT_RECEPTION_OF_CALL
    dossier = assisted(world, state="draft", organization=organization)
    assert not rules.acts_on_behalf(outsider, dossier)
    assert not rules.can_view(outsider, dossier)
    assert dossier not in rules.filter_visible(Application.objects.all(), outsider)
    assert reception.assisted_dossiers(outsider) == []
    with pytest.raises(TransitionNotPermitted):
        dossier_services.update_draft(dossier, outsider, summary="Changé.")
    with pytest.raises(TransitionNotPermitted):
        dossier_services.add_attachment(dossier, outsider, upload("scan.pdf", PDF))
    with pytest.raises(TransitionNotPermitted):
        perform(dossier, "submit", outsider)
    dossier.refresh_from_db()
    assert (dossier.state, dossier.summary, dossier.attachments.count()) == (
        S.DRAFT,
        "Un jardin.",
        0,
    )
    # Made an instructor of the call, the same person acts on it.
    world.call.instructors.add(outsider)
    world.call.__dict__.pop("_tds_instructor_ids", None)
    dossier = Application.objects.get(pk=dossier.pk)
    assert rules.acts_on_behalf(outsider, dossier)
    dossier_services.update_draft(dossier, outsider, summary="Complété au guichet.")
    assert dossier in rules.filter_visible(Application.objects.all(), outsider)


def test_an_instructor_of_no_call_is_told_why_no_dossier_can_be_entered(client, world):
    lone = UserFactory(email="instructeur-sans-appel@example.org", roles=[rules.INSTRUCTORS])
    organization = paper_organisation(lone)
    client.force_login(lone)
    response = client.get(reverse("reception_enter", args=[organization.pk]))
    assert response.status_code == 200
    assert "You instruct no published call" in page(response).text("no-call")
    assert not [field for field in page(response).all("select") if field.get("name") == "call"]
