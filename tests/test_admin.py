"""Smoke tests of the Django admin: every registered model can be listed, and the audit
trail, the outbox, decisions, scorecards, assignments, opinions, eligibility reviews and
the dossier state cannot be edited from it: they change through the services only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization, User
from calls.models import Application, Call, EligibilityCriterion, RequiredDocument, ScoringCriterion
from notifications.models import OutboundEmail
from reviews.models import (
    ConflictOfInterest,
    Decision,
    EligibilityReview,
    GovernanceBody,
    JurorAssignment,
    Jury,
    Opinion,
    Score,
    Scorecard,
)
from workflows.models import AuditEvent, TransitionLog

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
# Engine-owned data: written by the services only, shown read-only in the admin.
READ_ONLY_MODELS = [
    TransitionLog,
    AuditEvent,
    OutboundEmail,
    Decision,
    Scorecard,
    Score,
    JurorAssignment,
    ConflictOfInterest,
    Opinion,
    EligibilityReview,
]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(email="admin@example.org", password="not-a-real-secret")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def dossier(superuser):
    """One row in every table that has an admin, around a submitted dossier."""
    juror = User.objects.create_user(email="juror@example.org", password="x")
    organization = Organization.objects.create(
        name="Les Amis du Quai",
        kind=Organization.Kind.ASSOCIATION,
        siret="73282932000074",
        rna="W332012345",
    )
    Membership.objects.create(user=superuser, organization=organization)
    now = timezone.now()
    call = Call.objects.create(
        kind=Call.Kind.AMI,
        title="Accès aux droits 2027",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        jury_scores=True,
    )
    RequiredDocument.objects.create(call=call, label="Budget prévisionnel")
    EligibilityCriterion.objects.create(call=call, label="Siège à Bordeaux")
    criterion = ScoringCriterion.objects.create(call=call, label="Pertinence")
    application = Application.objects.create(
        reference="AMI-2027-0001",
        call=call,
        organization=organization,
        created_by=superuser,
        title="Permanences d'accès aux droits",
        requested_amount=Decimal("5000"),
    )
    log = TransitionLog.objects.create(
        application=application,
        transition="submit",
        from_state="draft",
        to_state="submitted",
        actor=superuser,
    )
    OutboundEmail.objects.create(
        application=application,
        transition_log=log,
        event="submitted",
        recipient="contact@amis-du-quai.example",
        subject="Dossier reçu",
        body_text="Votre dossier AMI-2027-0001 a bien été reçu.",
        idempotency_key="submitted:AMI-2027-0001",
    )
    body = GovernanceBody.objects.create(name="Conseil des solidarités")
    body.members.add(superuser)
    jury = Jury.objects.create(call=call, name="Jury AMI 2027")
    jury.members.add(juror)
    JurorAssignment.objects.create(application=application, juror=juror)
    ConflictOfInterest.objects.create(application=application, juror=superuser)
    scorecard = Scorecard.objects.create(application=application, juror=juror)
    Score.objects.create(scorecard=scorecard, criterion=criterion, value=4)
    EligibilityReview.objects.create(
        application=application, reviewer=superuser, outcome=EligibilityReview.Outcome.ELIGIBLE
    )
    Opinion.objects.create(
        application=application,
        body=body,
        author=superuser,
        verdict=Opinion.Verdict.FAVOURABLE,
        motivation="Projet utile.",
    )
    Decision.objects.create(
        application=application,
        outcome=Decision.Outcome.SELECTED,
        amount=Decimal("4000"),
        decided_by=superuser,
    )
    AuditEvent.objects.create(event="jury.assigned", actor=superuser, application=application)
    return application


def test_our_models_are_registered():
    for model in [
        User,
        Organization,
        Call,
        Application,
        GovernanceBody,
        Jury,
        Decision,
        ScoringCriterion,
        TransitionLog,
        OutboundEmail,
    ]:
        assert admin.site.is_registered(model), model


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model, model_admin", REGISTERED, ids=[model._meta.label for model, _ in REGISTERED]
)
def test_changelist_add_and_change_pages(admin_client, superuser, dossier, model, model_admin):
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200

    request = RequestFactory().get("/")
    request.user = superuser
    can_add = model_admin.has_add_permission(request)
    response = admin_client.get(admin_url(model, "add"))
    assert response.status_code == (200 if can_add else 403)

    obj = model._default_manager.first()
    if obj is not None:
        response = admin_client.get(admin_url(model, "change", obj.pk))
        assert response.status_code == 200


@pytest.mark.django_db
def test_dossiers_are_not_created_from_the_admin(admin_client):
    assert admin_client.get(admin_url(Application, "add")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda model: model._meta.label)
def test_engine_owned_data_is_read_only_for_a_superuser(admin_client, dossier, model):
    obj = model.objects.get()

    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.post(admin_url(model, "add"), {}).status_code == 403

    response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="_save"' not in content
    assert 'name="_continue"' not in content
    assert admin_client.post(admin_url(model, "change", obj.pk), {}).status_code == 403

    assert admin_client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert admin_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    response = admin_client.get(admin_url(model, "changelist"))
    assert "delete_selected" not in response.content.decode()
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.django_db
def test_transition_log_list_filters_and_search(admin_client, dossier):
    url = admin_url(TransitionLog, "changelist")
    assert admin_client.get(url, {"q": "AMI-2027-0001"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": "AMI-2027-9999"}).context["cl"].result_count == 0
    assert admin_client.get(url, {"transition": "submit"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"to_state": "selected"}).context["cl"].result_count == 0


@pytest.mark.django_db
def test_outbox_list_filters_and_search(admin_client, dossier):
    url = admin_url(OutboundEmail, "changelist")
    assert admin_client.get(url, {"q": "amis-du-quai"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": "AMI-2027-0001"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": "nobody@"}).context["cl"].result_count == 0
    assert admin_client.get(url, {"status": "pending"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"status": "sent"}).context["cl"].result_count == 0
    assert admin_client.get(url, {"event": "submitted"}).context["cl"].result_count == 1


@pytest.mark.django_db
def test_dossier_state_is_read_only(admin_client, dossier):
    url = admin_url(Application, "change", dossier.pk)
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="state"' not in response.content.decode()
    assert "state" in response.context["adminform"].readonly_fields

    data = {
        "organization": dossier.organization_id,
        "title": "Permanences d'accès aux droits, quartier Bastide",
        "summary": "",
        "requested_amount": "5000",
        "total_budget": "",
        "state": "selected",
        "reference": "AMI-2027-9999",
    }
    for prefix in ("attachments", "messages", "transition_logs"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    stored = Application.objects.get(pk=dossier.pk)
    assert stored.title == "Permanences d'accès aux droits, quartier Bastide"
    assert stored.state == "draft"
    assert stored.reference == "AMI-2027-0001"


@pytest.mark.django_db
def test_user_admin_is_keyed_on_email(admin_client):
    response = admin_client.get(admin_url(User, "add"))
    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
    assert 'name="username"' not in response.content.decode()

    response = admin_client.post(
        admin_url(User, "add"),
        {
            "email": "Instructrice@Bordeaux.example",
            "usable_password": "true",
            "password1": "Solidarites-2027!",
            "password2": "Solidarites-2027!",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="instructrice@bordeaux.example")
    assert user.check_password("Solidarites-2027!")

    response = admin_client.get(admin_url(User, "changelist"), {"q": "instructrice"})
    assert response.context["cl"].result_count == 1
