"""The staff actions that are not state changes are recorded in the audit trail, in the
transaction of the change (assignments, conflicts, opinions, checklists, held emails,
roles and memberships changed in the admin); administrators read the whole trail on
the audit page (filters, pages, CSV export); anybody else gets a 404."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from notifications import services as outbox
from notifications.models import OutboundEmail
from reviews import services
from reviews.models import Opinion
from workflows import rules
from workflows.audit import record_event
from workflows.models import AuditEvent
from workflows.states import DossierState as S


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).values_list("event", flat=True))


def test_assignments_conflicts_scorecards_opinions_and_checklists_are_recorded(world, prize_world):
    dossier = prize_world.dossier(S.IN_JURY)
    checklist_log = dossier.transition_logs.get(transition="declare_eligible")
    assert checklist_log.data.get("checklist", []) == []  # the call has no criterion
    services.assign_juror(dossier, prize_world.juror, by=prize_world.administrator)
    services.assign_juror(dossier, prize_world.juror, by=prize_world.administrator)  # no-op
    services.declare_conflict(dossier, prize_world.juror, reason="Je préside l'association.")
    assert events(application=dossier) == [
        "jury.assigned",
        "jury.conflict_declared",
    ]
    assigned = AuditEvent.objects.get(event="jury.assigned")
    assert (assigned.actor, assigned.subject_user, assigned.call) == (
        prize_world.administrator,
        prize_world.juror,
        prize_world.call,
    )
    assert AuditEvent.objects.get(event="jury.conflict_declared").reason == (
        "Je préside l'association."
    )

    consulted = world.dossier(S.IN_CONSULTATION)
    services.record_opinion(
        consulted, world.body, world.governance, Opinion.Verdict.FAVOURABLE, "Projet utile."
    )
    opinion = AuditEvent.objects.get(event="opinion.given")
    assert (opinion.actor, opinion.application, opinion.reason) == (
        world.governance,
        consulted,
        "Projet utile.",
    )


def test_an_edited_or_cancelled_held_email_is_recorded(world):
    dossier = world.dossier(S.SELECTED)
    email = OutboundEmail.objects.create(
        application=dossier,
        event="notify",
        recipient="porteur@example.org",
        subject="Décision",
        body_text="Texte.",
        idempotency_key=f"held-{dossier.pk}",
        status=OutboundEmail.Status.HELD,
    )
    outbox.edit_email(
        email, subject="Décision de la Ville", body_text="Bonjour.", editor=world.administrator
    )
    outbox.cancel_email(email, world.administrator)
    assert events(application=dossier, event__startswith="outbox.") == [
        "outbox.email_edited",
        "outbox.email_cancelled",
    ]
    assert AuditEvent.objects.get(event="outbox.email_edited").data["subject"] == (
        "Décision de la Ville"
    )


def test_roles_and_memberships_changed_in_the_admin_are_recorded(admin_client, world):
    person = world.governance
    url = reverse("admin:accounts_user_change", args=[person.pk])
    instructors = Group.objects.get(name=rules.INSTRUCTORS)
    data = {
        "email": person.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "groups": [instructors.pk],
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-organization": world.organization.pk,
        "memberships-0-user": person.pk,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    role = AuditEvent.objects.get(event="role.changed")
    assert role.subject_user == person
    assert role.data["added"] == [rules.INSTRUCTORS]
    assert role.data["removed"] == [rules.GOVERNANCE_MEMBERS]
    membership = AuditEvent.objects.get(event="membership.changed")
    assert membership.data["change"] == "added"
    assert membership.data["organisation"] == world.organization.name
    assert Membership.objects.filter(user=person, organization=world.organization).exists()


def labels(response):
    assert response.status_code == 200
    return [entry["label"] for entry in response.context["entries"]]


def test_the_audit_page_lists_filters_and_exports_the_trail(client, world):
    dossier = world.dossier(S.SUBMITTED)
    other = world.dossier(S.DRAFT)
    record_event("jury.assigned", actor=world.administrator, application=other, reason="Test.")
    client.force_login(world.administrator)
    url = reverse("staff_audit")

    staff_list = client.get(reverse("staff_dossier_list")).content.decode()
    assert f'href="{url}"' in staff_list
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Submit the dossier" in html and "Juror assigned" in html
    assert dossier.reference in html and other.reference in html

    assert labels(client.get(url, {"dossier": dossier.reference})) == ["Submit the dossier"]
    assert labels(client.get(url, {"event": "jury.assigned"})) == ["Juror assigned"]
    assert labels(client.get(url, {"event": "transition:submit"})) == ["Submit the dossier"]
    assert labels(client.get(url, {"actor": world.applicant.email})) == ["Submit the dossier"]
    assert "Juror assigned" in labels(client.get(url, {"call": world.call.pk}))
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    html = client.get(url, {"since": tomorrow}).content.decode()
    assert "No entry matches these filters." in html
    assert labels(client.get(url, {"until": tomorrow, "since": "2020-01-01"}))
    response = client.get(url, {"since": "31/02/2027", "call": "999999", "event": "nope"})
    assert response.status_code == 200
    assert "Some filters could not be applied" in response.content.decode()

    export = client.get(reverse("staff_audit_export_csv"), {"event": "jury.assigned"})
    assert export.status_code == 200
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].split(";") == ["When", "Event", "Dossier", "Call", "By", "Reason"]
    assert len(lines) == 2
    assert "Juror assigned" in lines[1] and other.reference in lines[1]
    assert world.administrator.email in lines[1]


def test_the_audit_page_is_paginated(client, world):
    dossier = world.dossier(S.DRAFT)
    for _ in range(55):
        record_event("jury.reminder_sent", actor=None, application=dossier)
    client.force_login(world.administrator)
    first = client.get(reverse("staff_audit"))
    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["entries"]) == 50
    second = client.get(reverse("staff_audit"), {"page": 2})
    assert len(second.context["entries"]) == 5
    assert "The system" in second.content.decode()


@pytest.mark.parametrize("role", ["instructor", "governance", "juror", "applicant"])
def test_nobody_but_an_administrator_sees_the_audit_trail(client, world, role):
    client.force_login(world.roles()[role])
    assert client.get(reverse("staff_audit")).status_code == 404
    assert client.get(reverse("staff_audit_export_csv")).status_code == 404


@pytest.mark.django_db
def test_the_audit_page_asks_for_the_login_first(client):
    response = client.get(reverse("staff_audit"))
    assert response.status_code == 302
    assert User.objects.count() == 0
