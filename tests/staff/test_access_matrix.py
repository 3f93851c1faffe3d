"""Access-control matrix of the back-office: every staff URL, every role, the exact
answer each one gets.

The URLs are read from the URL resolver: everything under ``/gestion/``, every URL of
``notifications/urls.py`` (outbox pages, decision letters, webhooks) and the files of
a dossier. A URL without its row in ``TABLE`` fails ``test_every_staff_url_has_its_row``,
so that a new page cannot ship without saying who may open it.

Roles (columns): anonymous; the applicant of the dossier's organisation; an applicant
of another organisation; an instructor of another call; a governance member of a body
not consulted on the call; a juror of the call not assigned to the dossier; an
administrator; and, as extra columns, the instructor of the call, a member of the body
consulted, a juror assigned to the dossier, and a juror assigned to it who has not
confirmed having no conflict of interest yet.

The juror still to confirm gets what the no-conflict gate allows and nothing more: the
page asking them to confirm (the dossier's title, organisation and call), their queues,
the confirmation and the declaration of a conflict; every other URL of the dossier, its
files, exports, scores and notes answer 404. No 200 answer they get shows any of the
dossier's content (``UNCONFIRMED_MUST_NOT_SEE``).

Answers: an anonymous visitor is sent to the login page (and comes back after); a
forbidden object or page answers 404 (ids leak nothing); an allowed page answers 200,
an allowed action (POST with minimal valid data) its redirect or its report page. A
POST-only URL answers 405 to a GET (before any access check when the view checks the
method first: that answer is the same for every id, so it leaks nothing either). Pages
that list things (calls, dossiers, exports, queues, outbox) are also read: the dossier
or call of the test is named exactly for the roles that may see it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Organization
from calls import nominations, uploads
from calls import services as dossier_services
from notifications.models import Letter, OutboundEmail
from reviews import services as review_services
from reviews.models import GovernanceBody, JurorAssignment
from tests.dossiers.test_assisted_submission import assisted
from tests.factories import (
    CallFactory,
    MembershipFactory,
    OrganizationFactory,
    PrizeFactory,
    UserFactory,
    assign_confirmed,
    verified_email,
)
from tests.web import page
from workflows import rules
from workflows.services import perform
from workflows.states import DossierState as S

# ----------------------------------------------------------------------- roles

ANONYMOUS = "anonymous"
APPLICANT = "applicant"  # member of the dossier's organisation
OTHER_APPLICANT = "other_applicant"  # member of another organisation
OTHER_INSTRUCTOR = "other_instructor"  # instructs another call only
OTHER_GOVERNANCE = "other_governance"  # member of a body not consulted on the call
JUROR = "juror"  # member of the call's jury, not assigned to the dossier
ADMINISTRATOR = "administrator"
INSTRUCTOR = "instructor"  # instructs the dossier's call
GOVERNANCE = "governance"  # member of the body consulted on the call
ASSIGNED_JUROR = "assigned_juror"  # juror assigned to the dossier
UNCONFIRMED_JUROR = "unconfirmed_juror"  # assigned, no-conflict not confirmed yet

ROLES = [
    ANONYMOUS,
    APPLICANT,
    OTHER_APPLICANT,
    OTHER_INSTRUCTOR,
    OTHER_GOVERNANCE,
    JUROR,
    ADMINISTRATOR,
    INSTRUCTOR,
    GOVERNANCE,
    ASSIGNED_JUROR,
    UNCONFIRMED_JUROR,
]

LOGIN = "login"  # expected answer: 302 to the login page, coming back to the URL

# URLs outside /gestion/ and notifications/urls.py that serve a dossier's files.
FILE_URLS = {"dossier_attachment", "dossier_message_attachment"}
STAFF_PREFIX = "gestion/"
NOTIFICATIONS_URLCONF = "notifications.urls"

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_upload(name="document.pdf"):
    """A PDF checked as the forms check it: ``(file, inspected)``."""
    upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    return upload, uploads.inspect(upload)


# ----------------------------------------------------------------------- data


class Scene:
    """The ``world`` of the test, with the people of the extra columns: an instructor
    of another call, a body consulted on that other call only, a juror assigned to
    the dossiers built here."""

    def __init__(self, world, settings):
        self.world = world
        self.settings = settings
        self.other_call = CallFactory(opinions_required=True)
        self.other_call.instructors.add(world.other_instructor)
        self.other_body = GovernanceBody.objects.create(name="Conseil citoyen de la Bastide")
        self.other_governance = UserFactory(
            email="instance-bastide@example.org", roles=[rules.GOVERNANCE_MEMBERS]
        )
        self.other_body.members.add(self.other_governance)
        self.other_call.governance_bodies.add(self.other_body)
        self.assigned_juror = UserFactory(email="jure-affecte@example.org", roles=[rules.JURORS])
        world.jury.members.add(self.assigned_juror)
        self.unconfirmed_juror = UserFactory(
            email="jure-a-confirmer@example.org", roles=[rules.JURORS]
        )
        world.jury.members.add(self.unconfirmed_juror)
        self.users = {
            ANONYMOUS: None,
            APPLICANT: world.applicant,
            OTHER_APPLICANT: world.other_applicant,
            OTHER_INSTRUCTOR: world.other_instructor,
            OTHER_GOVERNANCE: self.other_governance,
            JUROR: world.juror,
            ADMINISTRATOR: world.administrator,
            INSTRUCTOR: world.instructor,
            GOVERNANCE: world.governance,
            ASSIGNED_JUROR: self.assigned_juror,
            UNCONFIRMED_JUROR: self.unconfirmed_juror,
        }

    def dossier(self, state):
        """A dossier of ``world.organization`` in ``state``, the assigned juror assigned
        to it and confirmed, the unconfirmed juror assigned to it only (``in_jury``:
        the call's jury scores its dossiers). After
        ``in_consultation``, the body consulted has given its opinion (with a
        document), which closed the consultation by itself."""
        world = self.world
        if state == S.IN_JURY:
            world.call.jury_scores = True
            world.call.save(update_fields=["jury_scores"])
        if state in (S.SUBMITTED, S.ELIGIBLE, S.IN_CONSULTATION, S.IN_JURY):
            dossier = world.dossier(state)
            assign_confirmed(dossier, self.assigned_juror, world.administrator)
            review_services.assign_juror(dossier, self.unconfirmed_juror, world.administrator)
            return dossier
        dossier = self.dossier(S.IN_CONSULTATION)
        review_services.record_opinion(
            dossier,
            world.body,
            world.governance,
            "favourable",
            "Projet utile au quartier, porté par une équipe solide.",
            document=pdf_upload("avis.pdf"),
        )
        assert dossier.state == S.AWAITING_DECISION
        if state == S.AWAITING_DECISION:
            return dossier
        perform(
            dossier,
            "select",
            world.administrator,
            amount="12000",
            reason="Projet ancré dans le quartier.",
        )
        if state == S.SELECTED:
            return dossier
        assert state == S.NOTIFIED
        perform(dossier, "notify", world.administrator)
        return dossier


@dataclass
class Target:
    url: str
    data: dict | None = None  # what a POST sends
    mention: str = ""  # text that a 200 answer shows exactly to the roles of Entry.sees
    goes_to: str = ""  # where an allowed POST redirects


@dataclass(frozen=True)
class Entry:
    """The expected answers of one URL. Roles not named: 404 (or ``get_others``)."""

    build: Callable[[Scene, str], Target]
    get: dict = field(default_factory=dict)
    post: dict | None = None  # None: the URL's POST is not exercised
    get_others: int = 404
    sees: frozenset | None = None  # roles whose 200 answer names Target.mention (None:
    # every role that gets a 200)


def _dossier_url(state, **extra):
    def build(scene, name):
        dossier = scene.dossier(state)
        return Target(reverse(name, args=[dossier.pk]), mention=dossier.reference, **extra)

    return build


def _call_url(scene, name):
    return Target(reverse(name, args=[scene.world.call.pk]))


def _no_args(mention_state=None):
    def build(scene, name):
        mention = scene.dossier(mention_state).reference if mention_state else ""
        return Target(reverse(name), mention=mention)

    return build


def _calls_list(scene, name):
    return Target(reverse(name), mention=scene.world.call.title)


def _publish(scene, name):
    call = scene.world.call
    call.is_published = False
    call.save(update_fields=["is_published"])
    return Target(
        reverse(name, args=[call.pk]),
        data={},
        goes_to=reverse("staff_call_detail", args=[call.pk]),
    )


def _close(scene, name):
    call = scene.world.call
    return Target(
        reverse(name, args=[call.pk]),
        data={"reason": "Enveloppe épuisée."},
        goes_to=reverse("staff_call_detail", args=[call.pk]),
    )


def _clone(scene, name):
    call = scene.world.call
    opens = timezone.localtime() + timedelta(days=60)
    return Target(
        reverse(name, args=[call.pk]),
        data={
            "title": "AMI Accès aux droits, nouvelle édition",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        },
    )


def _decisions(scene, name):
    dossier = scene.dossier(S.AWAITING_DECISION)
    call = scene.world.call
    return Target(
        f"{reverse(name)}?call={call.pk}",
        data={
            "call": call.pk,
            "action": "decline",
            "dossier": dossier.pk,
            f"state-{dossier.pk}": dossier.state,
            "decline_reason": "Le projet ne répond pas au besoin identifié.",
        },
        mention=dossier.reference,
    )


def _transition(scene, name):
    dossier = scene.dossier(S.AWAITING_DECISION)
    return Target(
        reverse(name, args=[dossier.pk, "decline"]),
        data={"expected_state": dossier.state, "reason": "Le projet ne répond pas au besoin."},
        goes_to=reverse("staff_dossier_detail", args=[dossier.pk]),
    )


def _due_date() -> str:
    return (timezone.localdate() + timedelta(days=15)).isoformat()


def _consult(scene, name):
    dossier = scene.dossier(S.ELIGIBLE)
    return Target(
        reverse(name, args=[dossier.pk]),
        data={"expected_state": dossier.state, "due_at": _due_date()},
        goes_to=reverse("staff_dossier_detail", args=[dossier.pk]),
    )


def _consultations(scene, name):
    dossier = scene.dossier(S.ELIGIBLE)
    call = scene.world.call
    return Target(
        f"{reverse(name)}?call={call.pk}",
        data={
            "call": call.pk,
            "dossier": dossier.pk,
            f"state-{dossier.pk}": dossier.state,
            "due_at": _due_date(),
        },
        mention=dossier.reference,
    )


def _message(scene, name):
    dossier = scene.dossier(S.IN_CONSULTATION)
    return Target(
        reverse(name, args=[dossier.pk]),
        data={"body": "Budget vérifié avec le service financier.", "internal": "on"},
        goes_to=reverse("staff_dossier_detail", args=[dossier.pk]),
    )


def _eligibility(scene, name):
    dossier = scene.dossier(S.SUBMITTED)
    data = {"expected_state": dossier.state, "outcome": "eligible"}
    for criterion in dossier.call.eligibility_criteria.all():
        data[f"criterion_{criterion.pk}"] = "pass"
    return Target(
        reverse(name, args=[dossier.pk]),
        data=data,
        goes_to=reverse("staff_dossier_detail", args=[dossier.pk]),
    )


def _opinion(scene, name):
    dossier = scene.dossier(S.IN_CONSULTATION)
    return Target(
        reverse(name, args=[dossier.pk]),
        data={
            "body": scene.world.body.pk,
            "verdict": "favourable",
            "motivation": "Un projet attendu dans le quartier.",
        },
        goes_to=reverse("staff_opinion_queue"),
    )


def _opinion_document(scene, name):
    dossier = scene.dossier(S.AWAITING_DECISION)
    opinion = dossier.opinions.get()
    return Target(reverse(name, args=[dossier.pk, opinion.pk]))


def _held_email(scene):
    dossier = scene.dossier(S.SELECTED)
    email = OutboundEmail.objects.filter(
        application=dossier, status=OutboundEmail.Status.HELD
    ).first()
    assert email is not None, "a selected dossier has its decision email held for review"
    return dossier, email


def _outbox_detail(scene, name):
    _dossier, email = _held_email(scene)
    return Target(reverse(name, args=[email.pk]), mention=email.subject)


def _outbox_resend(scene, name):
    dossier = scene.dossier(S.SUBMITTED)
    email = OutboundEmail.objects.filter(application=dossier).first()
    OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundEmail.Status.FAILED)
    return Target(
        reverse(name, args=[email.pk]),
        data={"confirm": "on"},
        goes_to=reverse("outbox_detail", args=[email.pk]),
    )


def _outbox_resend_all(scene, name):
    dossier = scene.dossier(S.SUBMITTED)
    OutboundEmail.objects.filter(application=dossier).update(status=OutboundEmail.Status.FAILED)
    return Target(reverse(name), data={"confirm": "on"}, goes_to=reverse("outbox_list"))


def _outbox_edit(scene, name):
    _dossier, email = _held_email(scene)
    return Target(
        reverse(name, args=[email.pk]),
        data={"subject": "Votre dossier", "body_text": "Madame, Monsieur,\n\nBonne nouvelle."},
        goes_to=reverse("outbox_detail", args=[email.pk]),
    )


def _outbox_cancel(scene, name):
    _dossier, email = _held_email(scene)
    return Target(
        reverse(name, args=[email.pk]),
        data={"confirm": "on"},
        goes_to=reverse("outbox_list"),
    )


def _outbox_send(scene, name):
    dossier, _email = _held_email(scene)
    return Target(
        reverse(name, args=[dossier.pk]),
        data={f"state-{dossier.pk}": dossier.state},
        goes_to=reverse("outbox_list"),
    )


def _outbox_send_all(scene, name):
    dossier, _email = _held_email(scene)
    return Target(
        reverse(name),
        data={"dossier": dossier.pk, f"state-{dossier.pk}": dossier.state},
        mention=dossier.reference,
    )


def _outbox_list(scene, name):
    dossier, _email = _held_email(scene)
    return Target(reverse(name), mention=dossier.reference)


def _assign_juror(scene, name):
    dossier = scene.dossier(S.IN_CONSULTATION)
    return Target(
        reverse(name, args=[dossier.pk]),
        data={"juror": scene.world.juror.pk},
        goes_to=reverse("staff_dossier_detail", args=[dossier.pk]),
    )


def _scorecard(scene, name):
    dossier = scene.dossier(S.IN_JURY)
    return Target(
        reverse(name, args=[dossier.pk]),
        data={"comment": "Action utile.", "action": "save"},
        mention=dossier.reference,
        goes_to=reverse(name, args=[dossier.pk]),
    )


def _conflict(scene, name):
    dossier = scene.dossier(S.IN_JURY)
    return Target(
        reverse(name, args=[dossier.pk]),
        data={"reason": "Je siège au bureau de cette association."},
        goes_to=reverse("dashboard"),
    )


def _confirm_no_conflict(scene, name):
    dossier = scene.dossier(S.IN_JURY)
    # Assigned, not confirmed yet: the confirmation is what the POST records.
    JurorAssignment.objects.filter(application=dossier).update(confirmed_at=None)
    return Target(
        reverse(name, args=[dossier.pk]),
        data={},
        goes_to=reverse("staff_scorecard", args=[dossier.pk]),
    )


def _interests(scene, name):
    organization = scene.world.organization
    return Target(
        reverse(name),
        data={"q": organization.name, "organization": organization.pk, "nature": "member"},
        goes_to=reverse(name),
    )


def _interest_withdraw(scene, name):
    interest = review_services.declare_interest(
        scene.assigned_juror, scene.world.organization, "board"
    )
    return Target(reverse(name, args=[interest.pk]), data={}, goes_to=reverse("staff_interests"))


def _webhook(scene, name):
    # Configured, so that the view answers; the request carries no credentials.
    scene.settings.ANYMAIL = {"WEBHOOK_SECRET": "fournisseur:secret-du-webhook"}
    return Target(reverse(name), data={})


def _attachment(scene, name):
    dossier = scene.dossier(S.SUBMITTED)
    attachment = dossier.attachments.first()
    return Target(reverse(name, args=[dossier.pk, attachment.pk]))


def _message_attachment(scene, name):
    """The file of an internal note: staff who may see the dossier, never the applicant."""
    dossier = scene.dossier(S.IN_CONSULTATION)
    note = dossier_services.post_message(
        dossier,
        scene.world.instructor,
        "Relevé d'identité bancaire vérifié.",
        internal=True,
        attachment=pdf_upload("rib.pdf"),
    )
    return Target(reverse(name, args=[dossier.pk, note.pk]))


def _jury_call(scene, name, **extra):
    dossier = scene.dossier(S.IN_JURY)
    return Target(reverse(name, args=[scene.world.call.pk]), mention=dossier.reference, **extra)


def _jury_conflicts(scene, name):
    scene.dossier(S.IN_JURY)
    return Target(reverse(name, args=[scene.world.call.pk]))


def _juries(scene, name):
    scene.dossier(S.IN_JURY)  # the call's jury scores its dossiers
    return Target(reverse(name), mention=scene.world.call.title)


def _jury_settings(scene, name):
    return _jury_call(
        scene,
        name,
        data={"score_visibility": "always"},
        goes_to=reverse("staff_jury_progress", args=[scene.world.call.pk]),
    )


def _jury_remind(scene, name):
    scene.dossier(S.IN_JURY)  # the assigned juror has not scored it: late
    return Target(reverse(name, args=[scene.world.call.pk]), data={})


def _jury_assign(scene, name):
    dossier = scene.dossier(S.IN_JURY)
    juror = UserFactory(email="jure-en-renfort@example.org", roles=[rules.JURORS])
    scene.world.jury.members.add(juror)
    return Target(
        reverse(name, args=[scene.world.call.pk]),
        data={"k": 2, "seed": 7, "pair": [f"{dossier.pk}:{juror.pk}"], "confirm": "1"},
    )


def _jury_send(scene, name):
    scene.world.call.jury_scores = True  # the call's jury scores its dossiers
    scene.world.call.save(update_fields=["jury_scores"])
    dossier = scene.dossier(S.ELIGIBLE)
    return Target(
        reverse(name, args=[scene.world.call.pk]),
        data={"dossier": [dossier.pk], f"state-{dossier.pk}": S.ELIGIBLE},
        mention=dossier.reference,
    )


def _jury_close(scene, name):
    dossier = scene.dossier(S.IN_JURY)
    return Target(
        reverse(name, args=[scene.world.call.pk]),
        data={"dossier": [dossier.pk], f"state-{dossier.pk}": S.IN_JURY, "acknowledge": "1"},
        mention=dossier.reference,
    )


def _jury_replace(scene, name):
    dossier = scene.dossier(S.IN_JURY)
    review_services.declare_conflict(dossier, scene.assigned_juror, "Membre du bureau.")
    juror = UserFactory(email="jure-remplacant@example.org", roles=[rules.JURORS])
    scene.world.jury.members.add(juror)
    return Target(
        reverse(name, args=[scene.world.call.pk]),
        data={"dossier": dossier.pk, "juror": juror.pk},
        goes_to=reverse("staff_jury_progress", args=[scene.world.call.pk]) + "#replacements",
    )


def _jury_bulk_report(scene, name):
    scene.dossier(S.IN_JURY)
    return Target(reverse(name, args=[scene.world.call.pk, "0" * 32]))


def _ranking(scene, name):
    dossier = scene.dossier(S.AWAITING_DECISION)
    return Target(reverse(name, args=[scene.world.call.pk]), mention=dossier.reference)


def _ranking_row(scene, name):
    dossier = scene.dossier(S.AWAITING_DECISION)
    return Target(reverse(name, args=[scene.world.call.pk, dossier.pk]), mention=dossier.reference)


def _deliberation(scene, name):
    from reviews.deliberation_selectors import call_deliberation

    dossier = scene.dossier(S.AWAITING_DECISION)
    call = scene.world.call
    dossier.refresh_from_db()
    return Target(
        reverse(name, args=[call.pk]),
        data={
            "token": call_deliberation(call).token,
            "action": "select",
            "dossier": dossier.pk,
            f"state-{dossier.pk}": dossier.state,
            f"version-{dossier.pk}": dossier.version,
            f"amount-{dossier.pk}": "1000",
        },
        mention=dossier.reference,
    )


MINUTES = {
    "meeting_date": "2026-11-20",
    "members_present": "Mme Dupont\nM. Martin",
    "quorum_note": "Quorum atteint.",
    "notes": "",
}


def _minutes(scene, name):
    call = scene.world.call
    return Target(
        reverse(name, args=[call.pk]),
        data=MINUTES,
        goes_to=reverse("staff_minutes", args=[call.pk]),
    )


def _minutes_pdf(scene, name):
    from datetime import date

    from reviews.deliberation_services import record_minutes

    call = scene.world.call
    record_minutes(
        call,
        scene.world.administrator,
        meeting_date=date(2026, 11, 20),
        members_present="Mme Dupont",
        quorum_note="",
        notes="",
    )
    return Target(reverse(name, args=[call.pk]))


def _decided(scene, name):
    dossier = scene.dossier(S.SELECTED)
    return Target(reverse(name, args=[scene.world.call.pk]), mention=dossier.reference)


def _laureates(scene, name):
    # An AMI has no laureates: the publication is refused (400), nothing changes.
    return Target(
        reverse(name, args=[scene.world.call.pk]), data={"action": "publish", "confirm": "on"}
    )


def _assisted_dossier(scene):
    """A dossier entered by an administrator for an organisation without an account,
    submitted: its acknowledgement is a letter to post."""
    return assisted(scene.world, staff=scene.world.administrator, state="submitted")


def _reception_home(scene, name):
    return Target(reverse(name), mention=_assisted_dossier(scene).reference)


def _reception_create(scene, name):
    return Target(
        reverse(name),
        data={"name": "Collectif des Chartrons", "kind": "association", "phone": "05 56 00 00 00"},
    )


def _reception_organisation(scene, name):
    dossier = _assisted_dossier(scene)
    return Target(reverse(name, args=[dossier.organization_id]), mention=dossier.reference)


def _reception_enter(scene, name):
    dossier = _assisted_dossier(scene)
    return Target(
        reverse(name, args=[dossier.organization_id]),
        data={"call": scene.world.call.pk, "channel": "counter", "title": "Repair café"},
    )


def _reception_claim(scene, name):
    for role in (ADMINISTRATOR, INSTRUCTOR, OTHER_INSTRUCTOR):
        verified_email(scene.users[role])
    dossier = _assisted_dossier(scene)
    return Target(
        reverse(name, args=[dossier.organization_id]),
        data={"email": "contact@chartrons.example.org"},
        goes_to=reverse("reception_organisation", args=[dossier.organization_id]),
    )


def _letter(scene):
    return Letter.objects.get(application=_assisted_dossier(scene))


def _letter_queue(scene, name):
    return Target(reverse(name), mention=_letter(scene).application.reference)


def _letter_pdf(scene, name):
    return Target(reverse(name, args=[_letter(scene).pk]))


def _letter_posted(scene, name):
    return Target(reverse(name, args=[_letter(scene).pk]), data={}, goes_to=reverse("letter_queue"))


# ---------------------------------------------------------------- the table


def _nomination(scene, *, closed=False):
    """A nomination of an action of ``world.organization`` by a City service, on a
    prize edition the call's instructor instructs (closed and examining unaccepted
    nominations when ``closed``)."""
    world = scene.world
    prize = PrizeFactory(examine_unaccepted_nominations=closed)
    prize.instructors.add(world.instructor)
    service = OrganizationFactory(
        name="Direction de l'action sociale", kind=Organization.Kind.CITY_SERVICE, siret=""
    )
    agent = MembershipFactory(organization=service, user__email="agent@example.org").user
    nomination = nominations.nominate(
        call=prize,
        user=agent,
        title="Maraude solidaire des Capucins",
        summary="Une maraude chaque soir.",
        motivation="Elle touche les personnes les plus isolées.",
        nominating_organization=service,
        organization=world.organization,
    )
    if closed:
        prize.closes_at = timezone.now() - timedelta(minutes=1)
        prize.save(update_fields=["closes_at"])
    return nomination


def _staff_nominations(scene, name):
    nomination = _nomination(scene)
    return Target(reverse(name, args=[nomination.call_id]), mention=nomination.title)


def _nomination_examine(scene, name):
    nomination = _nomination(scene, closed=True)
    return Target(reverse(name, args=[nomination.pk]), data={})


def _nomination_answer(scene, name):
    nomination = _nomination(scene)
    return Target(
        reverse(name, args=[nomination.pk]), data={"answer": "decline", "channel": "phone"}
    )


ADMIN_AND_INSTRUCTOR = frozenset({ADMINISTRATOR, INSTRUCTOR})
# Staff who may see a dossier of the call once its consultation is open.
STAFF_OF_CONSULTED = {ADMINISTRATOR: 200, INSTRUCTOR: 200, GOVERNANCE: 200, ASSIGNED_JUROR: 200}
BACK_OFFICE = {ADMINISTRATOR: 200, INSTRUCTOR: 200, OTHER_INSTRUCTOR: 200}
CALL_STAFF = frozenset({ADMINISTRATOR, INSTRUCTOR})  # the instructors of the call, admins
ADMIN = {ADMINISTRATOR: 200}
# POST-only views that check the method before anything else (after the login).
METHOD_FIRST = 405
STAFF_ROLES = dict.fromkeys(
    (
        ADMINISTRATOR,
        INSTRUCTOR,
        OTHER_INSTRUCTOR,
        GOVERNANCE,
        OTHER_GOVERNANCE,
        JUROR,
        ASSIGNED_JUROR,
        UNCONFIRMED_JUROR,
    ),
    200,
)
# The webhooks answer every role as the anonymous visitor: a session opens nothing,
# a post without the provider's credentials is rejected.
WEBHOOK_GET = dict.fromkeys(ROLES, 405)
WEBHOOK_POST = dict.fromkeys(ROLES, 400)

TABLE = {
    # The staff's work queue: every staff role; the submitted dossier for those who
    # instruct it and the juror assigned to it (to score).
    "staff_home": Entry(
        _no_args(S.SUBMITTED),
        get=dict.fromkeys(
            (
                ADMINISTRATOR,
                INSTRUCTOR,
                OTHER_INSTRUCTOR,
                GOVERNANCE,
                OTHER_GOVERNANCE,
                JUROR,
                ASSIGNED_JUROR,
                UNCONFIRMED_JUROR,
            ),
            200,
        ),
        # The juror still to confirm sees the dossier listed (reference, title and
        # organisation: what the gate shows), nothing of its content.
        sees=frozenset({ADMINISTRATOR, INSTRUCTOR, ASSIGNED_JUROR, UNCONFIRMED_JUROR}),
    ),
    # Assisted submission: reception staff (instructors and administrators); the dossiers
    # entered on a call are seen and entered by its instructors and the administrators
    # only (an instructor of another call is refused the call: 400, nothing entered).
    "reception_home": Entry(_reception_home, get=BACK_OFFICE, sees=CALL_STAFF),
    "reception_organisation_create": Entry(
        _reception_create, get=BACK_OFFICE, post={r: 302 for r in BACK_OFFICE}
    ),
    "reception_organisation": Entry(_reception_organisation, get=BACK_OFFICE, sees=CALL_STAFF),
    "reception_enter": Entry(
        _reception_enter,
        get=BACK_OFFICE,
        post={ADMINISTRATOR: 302, INSTRUCTOR: 302, OTHER_INSTRUCTOR: 400},
    ),
    "reception_claim": Entry(
        _reception_claim, get_others=METHOD_FIRST, post={r: 302 for r in BACK_OFFICE}
    ),
    # Every reception member has the queue; a letter is for the staff of its call.
    "letter_queue": Entry(_letter_queue, get=BACK_OFFICE, sees=ADMIN_AND_INSTRUCTOR),
    "letter_pdf": Entry(_letter_pdf, get={ADMINISTRATOR: 200, INSTRUCTOR: 200}),
    "letter_mark_posted": Entry(
        _letter_posted,
        get=dict.fromkeys(BACK_OFFICE, 405),
        post={ADMINISTRATOR: 302, INSTRUCTOR: 302},
    ),
    # Calls (B1).
    "staff_call_list": Entry(_calls_list, get=BACK_OFFICE, sees=ADMIN_AND_INSTRUCTOR),
    "staff_call_create": Entry(_no_args(), get=ADMIN),
    "staff_call_detail": Entry(_call_url, get={ADMINISTRATOR: 200, INSTRUCTOR: 200}),
    "staff_call_edit": Entry(_call_url, get=ADMIN),
    "staff_call_publish": Entry(_publish, post={ADMINISTRATOR: 302}, get_others=METHOD_FIRST),
    "staff_call_close": Entry(_close, get=ADMIN, post={ADMINISTRATOR: 302}),
    "staff_call_clone": Entry(_clone, get=ADMIN, post={ADMINISTRATOR: 302}),
    # Nominations by a third party of a prize edition: its staff.
    "staff_nominations": Entry(
        _staff_nominations, get={ADMINISTRATOR: 200, INSTRUCTOR: 200}, sees=ADMIN_AND_INSTRUCTOR
    ),
    "staff_nomination_examine": Entry(
        _nomination_examine,
        post={ADMINISTRATOR: 302, INSTRUCTOR: 302},
        get_others=METHOD_FIRST,
    ),
    # Record the answer a carrier gave by post or phone: the edition's reception staff.
    "staff_nomination_answer": Entry(
        _nomination_answer,
        post={ADMINISTRATOR: 302, INSTRUCTOR: 302},
        get_others=METHOD_FIRST,
    ),
    # Staff list and exports (B1).
    "staff_dossier_list": Entry(_no_args(S.SUBMITTED), get=BACK_OFFICE, sees=ADMIN_AND_INSTRUCTOR),
    "staff_dossier_export_csv": Entry(
        _no_args(S.SUBMITTED), get=BACK_OFFICE, sees=ADMIN_AND_INSTRUCTOR
    ),
    "staff_dossier_export_xlsx": Entry(
        _no_args(S.SUBMITTED), get=BACK_OFFICE, sees=ADMIN_AND_INSTRUCTOR
    ),
    # Observatory: the back office's readers (the figures of the calls they read).
    "staff_observatory": Entry(_no_args(), get=BACK_OFFICE),
    # Audit trail.
    "staff_audit": Entry(_no_args(S.SUBMITTED), get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "staff_audit_export_csv": Entry(
        _no_args(S.SUBMITTED), get=ADMIN, sees=frozenset({ADMINISTRATOR})
    ),
    # Decisions in bulk (B2).
    "staff_decisions": Entry(
        _decisions, get=ADMIN, post={ADMINISTRATOR: 200}, sees=frozenset({ADMINISTRATOR})
    ),
    # Ranking, deliberation, minutes, laureates.
    "staff_ranking": Entry(_ranking, get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "staff_ranking_export_csv": Entry(_ranking, get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "staff_ranking_export_xlsx": Entry(_ranking, get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "staff_ranking_row": Entry(_ranking_row, get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "staff_deliberation": Entry(
        _deliberation, get=ADMIN, post={ADMINISTRATOR: 200}, sees=frozenset({ADMINISTRATOR})
    ),
    "staff_minutes": Entry(_minutes, get=ADMIN, post={ADMINISTRATOR: 302}),
    "staff_minutes_pdf": Entry(_minutes_pdf, get=ADMIN),
    "staff_decisions_export_csv": Entry(_decided, get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "staff_decisions_export_xlsx": Entry(_decided, get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "staff_laureates": Entry(_laureates, get=ADMIN, post={ADMINISTRATOR: 400}),
    # Staff page of a dossier, its actions, eligibility (B3).
    "staff_dossier_detail": Entry(_dossier_url(S.IN_CONSULTATION), get=STAFF_OF_CONSULTED),
    "staff_dossier_transition": Entry(
        _transition,
        # Who may see the dossier but not decide it: refused as such (nothing leaks).
        post={ADMINISTRATOR: 302, INSTRUCTOR: 403, GOVERNANCE: 403, ASSIGNED_JUROR: 403},
        get_others=METHOD_FIRST,
    ),
    "staff_dossier_consult": Entry(
        _consult,
        # An eligible dossier is not shown to the governance bodies yet.
        post={ADMINISTRATOR: 302, INSTRUCTOR: 403, ASSIGNED_JUROR: 403},
        get_others=METHOD_FIRST,
    ),
    "staff_dossier_message": Entry(
        _message, post={ADMINISTRATOR: 302, INSTRUCTOR: 302}, get_others=METHOD_FIRST
    ),
    "staff_eligibility": Entry(_eligibility, get={INSTRUCTOR: 200}, post={INSTRUCTOR: 302}),
    "staff_opinion_document": Entry(_opinion_document, get=STAFF_OF_CONSULTED),
    # Governance-body opinions (B3).
    "staff_consultations": Entry(
        _consultations, get=ADMIN, post={ADMINISTRATOR: 200}, sees=frozenset({ADMINISTRATOR})
    ),
    "staff_opinion_queue": Entry(
        _no_args(S.IN_CONSULTATION),
        get={GOVERNANCE: 200, OTHER_GOVERNANCE: 200},
        sees=frozenset({GOVERNANCE}),
    ),
    "staff_opinion": Entry(_opinion, get={GOVERNANCE: 200}, post={GOVERNANCE: 302}),
    # The jury on a dossier (B3).
    "staff_dossier_assign_juror": Entry(
        _assign_juror, post={ADMINISTRATOR: 302}, get_others=METHOD_FIRST
    ),
    # The juror still to confirm gets the confirmation page instead of the grid (200,
    # title, organisation and call only) and cannot score (403, nothing saved).
    "staff_scorecard": Entry(
        _scorecard,
        get={ASSIGNED_JUROR: 200, UNCONFIRMED_JUROR: 200},
        post={ASSIGNED_JUROR: 302, UNCONFIRMED_JUROR: 403},
    ),
    "staff_conflict": Entry(
        _conflict,
        post={ASSIGNED_JUROR: 302, UNCONFIRMED_JUROR: 302},
        get_others=METHOD_FIRST,
    ),
    # The gate before a dossier's content: only its jurors confirm (both are set back
    # to "to confirm" by the builder; more in tests/reviews/test_declared_interests.py).
    "staff_confirm_no_conflict": Entry(
        _confirm_no_conflict,
        post={ASSIGNED_JUROR: 302, UNCONFIRMED_JUROR: 302},
        get_others=METHOD_FIRST,
    ),
    # A staff member's declared interests: every staff role, each their own list.
    "staff_interests": Entry(_interests, get=STAFF_ROLES, post=dict.fromkeys(STAFF_ROLES, 302)),
    # Withdrawing one's interest: the page saying what it changes, then the confirmation;
    # anybody else's (or a withdrawn one): 404.
    "staff_interest_withdraw": Entry(
        _interest_withdraw, get={ASSIGNED_JUROR: 200}, post={ASSIGNED_JUROR: 302}
    ),
    # Running the jury: the juror's queue, the call's progress (administrators and the
    # jury's president, tested in tests/reviews/test_jury_running.py).
    "staff_jury_queue": Entry(
        _no_args(S.IN_JURY),
        get={JUROR: 200, ASSIGNED_JUROR: 200, UNCONFIRMED_JUROR: 200},
        sees=frozenset({ASSIGNED_JUROR, UNCONFIRMED_JUROR}),
    ),
    "staff_juries": Entry(_juries, get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "staff_jury_progress": Entry(_jury_call, get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "staff_jury_settings": Entry(
        _jury_settings, post={ADMINISTRATOR: 302}, get_others=METHOD_FIRST
    ),
    "staff_jury_remind": Entry(_jury_remind, get=ADMIN, post={ADMINISTRATOR: 200}),
    # Bulk assignment of a call's jurors: administrators only (the jury's president too
    # gets a 404: tests/reviews/test_bulk_assignment.py).
    "staff_jury_assign": Entry(_jury_assign, get=ADMIN, post={ADMINISTRATOR: 200}),
    # Sending to the jury and closing it in bulk, and their report: administrators only
    # (the jury's president too gets a 404: tests/reviews/test_jury_bulk_transitions.py).
    "staff_jury_send": Entry(
        _jury_send, get=ADMIN, post={ADMINISTRATOR: 302}, sees=frozenset({ADMINISTRATOR})
    ),
    "staff_jury_close": Entry(
        _jury_close, get=ADMIN, post={ADMINISTRATOR: 302}, sees=frozenset({ADMINISTRATOR})
    ),
    "staff_jury_bulk_report": Entry(_jury_bulk_report, get=ADMIN),
    # A replacement juror after a late conflict: administrators only (the president too
    # gets a 404: tests/reviews/test_jury_replacement.py).
    "staff_jury_replace": Entry(_jury_replace, post={ADMINISTRATOR: 302}, get_others=METHOD_FIRST),
    # The conflicts of interest of a call and their exports: administrators only (the
    # jury's president included in the 404s: tests/reviews/test_jury_running.py).
    "staff_jury_conflicts": Entry(_jury_conflicts, get=ADMIN),
    "staff_jury_conflicts_csv": Entry(_jury_conflicts, get=ADMIN),
    "staff_jury_conflicts_xlsx": Entry(_jury_conflicts, get=ADMIN),
    # Outbox and letters (B2).
    "outbox_list": Entry(_outbox_list, get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "outbox_sent": Entry(_no_args(), get=ADMIN),
    "outbox_detail": Entry(_outbox_detail, get=ADMIN, sees=frozenset({ADMINISTRATOR})),
    "outbox_edit": Entry(_outbox_edit, get={ADMINISTRATOR: 405}, post={ADMINISTRATOR: 302}),
    "outbox_cancel": Entry(_outbox_cancel, get={ADMINISTRATOR: 405}, post={ADMINISTRATOR: 302}),
    "outbox_resend": Entry(_outbox_resend, get={ADMINISTRATOR: 405}, post={ADMINISTRATOR: 302}),
    "outbox_resend_all": Entry(
        _outbox_resend_all, get={ADMINISTRATOR: 405}, post={ADMINISTRATOR: 302}
    ),
    "outbox_send": Entry(_outbox_send, get={ADMINISTRATOR: 405}, post={ADMINISTRATOR: 302}),
    "outbox_send_all": Entry(
        _outbox_send_all,
        get={ADMINISTRATOR: 405},
        post={ADMINISTRATOR: 200},
        sees=frozenset({ADMINISTRATOR}),
    ),
    "outbox_letter_preview": Entry(_dossier_url(S.SELECTED), get=ADMIN),
    "outbox_decision_letter": Entry(
        _dossier_url(S.NOTIFIED), get={APPLICANT: 200, **STAFF_OF_CONSULTED}
    ),
    # The provider's webhooks: its credentials, not a session, open them.
    "outbox_webhook_brevo": Entry(_webhook, get=WEBHOOK_GET, post=WEBHOOK_POST),
    "outbox_webhook_mailjet": Entry(_webhook, get=WEBHOOK_GET, post=WEBHOOK_POST),
    # Files of a dossier.
    "dossier_attachment": Entry(
        _attachment,
        get={APPLICANT: 200, ADMINISTRATOR: 200, INSTRUCTOR: 200, ASSIGNED_JUROR: 200},
    ),
    "dossier_message_attachment": Entry(_message_attachment, get=STAFF_OF_CONSULTED),
}


# ------------------------------------------------------------- enumeration


def staff_urls() -> dict[str, str]:
    """Every staff URL the resolver knows: name (or route, when unnamed) → route."""
    found = {}

    def walk(patterns, prefix, module):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                urlconf = pattern.urlconf_name
                walk(pattern.url_patterns, route, getattr(urlconf, "__name__", urlconf))
            elif (
                route.startswith(STAFF_PREFIX)
                or module == NOTIFICATIONS_URLCONF
                or pattern.name in FILE_URLS
            ):
                found[pattern.name or route] = route

    walk(get_resolver().url_patterns, "", settings.ROOT_URLCONF)
    return found


def test_every_staff_url_has_its_row():
    urls = staff_urls()
    unlisted = [
        f"unlisted staff URL: {name} (/{route})"
        for name, route in sorted(urls.items())
        if name not in TABLE
    ]
    assert not unlisted, "\n".join(unlisted)
    gone = sorted(set(TABLE) - set(urls))
    assert not gone, f"rows of URLs that no longer exist: {gone}"


def test_the_enumeration_finds_the_staff_areas():
    """The walk of the resolver sees the back-office, the outbox and the files (a
    broken walk would find nothing and let every URL through)."""
    urls = staff_urls()
    assert urls["staff_dossier_list"] == "gestion/dossiers/"
    assert urls["outbox_list"] == "gestion/courriels/"
    assert "outbox_decision_letter" in urls and "outbox_webhook_brevo" in urls
    assert "dossier_attachment" in urls
    assert "dossier_detail" not in urls and "dashboard" not in urls


# ------------------------------------------------------------------ the matrix


def _text(response) -> str | None:
    """What an answer shows: the page, the CSV, or the cells of the XLSX (None for a
    PDF, checked to be one)."""
    if response.streaming:
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        workbook = load_workbook(BytesIO(content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if response["Content-Type"].startswith("application/pdf"):
        assert content.startswith(b"%PDF"), "a PDF answer that is not a PDF"
        return None
    return content.decode(errors="replace")


def unconfirmed_must_not_see() -> list[str]:
    """What of a dossier the juror still to confirm must never read: the summaries of
    the dossiers, the links to their files, the internal notes and the jurors'
    comments (as written and as a page escapes them)."""
    from django.utils.html import escape

    from calls.models import Application, Attachment, Message
    from reviews.models import Scorecard

    texts = set(Application.objects.exclude(summary="").values_list("summary", flat=True))
    texts |= set(Message.objects.filter(internal=True).values_list("body", flat=True))
    texts |= set(Scorecard.objects.exclude(comment="").values_list("comment", flat=True))
    texts |= {
        reverse("dossier_attachment", args=[application_id, pk])
        for pk, application_id in Attachment.objects.values_list("pk", "application_id")
    }
    return sorted({variant for text in texts for variant in (text, escape(text))})


def _expected(table: dict, role: str, others):
    if role in table:
        return table[role]
    if role == ANONYMOUS:
        return LOGIN
    return others


def _check(response, expected, url, target, role, entry, method):
    where = f"{method} {url} as {role}"
    if expected == LOGIN:
        login = reverse(settings.LOGIN_URL)
        assert (response.status_code, response.get("Location", "")) == (
            302,
            f"{login}?next={quote(url, safe='/')}",
        ), f"{where}: expected the login page, got {response.status_code}"
        return
    assert response.status_code == expected, (
        f"{where}: got {response.status_code}, expected {expected}"
    )
    if expected == 302 and target.goes_to:
        assert response["Location"] == target.goes_to, where
    text = _text(response) if expected in (200, 403) else None
    if text is not None and role == UNCONFIRMED_JUROR:
        shown = [marker for marker in unconfirmed_must_not_see() if marker in text]
        assert not shown, f"{where}: the juror still to confirm reads {shown}"
    if text is not None and expected == 200 and target.mention:
        sees = entry.sees if entry.sees is not None else {role}
        shown = target.mention in text
        assert shown == (role in sees), (
            f"{where}: {target.mention!r} {'shown' if shown else 'not shown'}"
        )


def fingerprint() -> tuple:
    """What an action may change: calls, dossiers, their history, notes and opinions,
    juries, decisions and emails."""
    from calls.models import Application, Call, Message
    from reviews.models import (
        ConflictOfInterest,
        Decision,
        DeliberationMinutes,
        JurorAssignment,
        Jury,
        Opinion,
        Scorecard,
    )
    from workflows.models import AuditEvent, TransitionLog

    counted = (
        TransitionLog,
        Message,
        Opinion,
        Scorecard,
        ConflictOfInterest,
        JurorAssignment,
        DeliberationMinutes,
        AuditEvent,
    )
    return (
        tuple(model.objects.count() for model in (*counted, Decision)),
        list(
            Call.objects.order_by("pk").values_list(
                "pk", "is_published", "closes_at", "title", "laureates_published"
            )
        ),
        list(Application.objects.order_by("pk").values_list("pk", "state")),
        list(OutboundEmail.objects.order_by("pk").values_list("pk", "status", "subject")),
        list(
            Jury.objects.order_by("pk").values_list(
                "pk", "scoring_deadline", "score_visibility", "show_juror_identities"
            )
        ),
    )


SUCCESS = {200, 302}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(TABLE))
def test_access(name, role, world, client, settings):
    entry = TABLE[name]
    scene = Scene(world, settings)
    target = entry.build(scene, name)
    user = scene.users[role]
    if user is not None:
        client.force_login(user)

    before = fingerprint()
    expected = _expected(entry.get, role, entry.get_others)
    _check(client.get(target.url), expected, target.url, target, role, entry, "GET")
    assert fingerprint() == before, f"GET {target.url} as {role} changed data"
    if entry.post is not None:
        url = target.url.split("?")[0]
        expected = _expected(entry.post, role, 404)
        _check(client.post(url, target.data or {}), expected, url, target, role, entry, "POST")
        changed = fingerprint() != before
        if expected in SUCCESS:
            assert changed, f"allowed POST {url} as {role} changed nothing"
        else:
            assert not changed, f"refused POST {url} as {role} changed data"


def test_a_decision_letter_is_not_served_before_the_notification(world, client, settings):
    """Before its notification a decision is not disclosed: its letter is only the
    administrators' preview, not the letter the applicant downloads."""
    scene = Scene(world, settings)
    dossier = scene.dossier(S.SELECTED)
    letter = reverse("outbox_decision_letter", args=[dossier.pk])
    for role in (APPLICANT, ADMINISTRATOR, INSTRUCTOR):
        client.force_login(scene.users[role])
        assert client.get(letter).status_code == 404, role
    client.force_login(world.administrator)
    preview = client.get(reverse("outbox_letter_preview", args=[dossier.pk]))
    assert preview.status_code == 200
    assert preview.content.startswith(b"%PDF")


# ------------------------------------------- acting on behalf of an organisation


def _paper_draft(scene):
    """A paper dossier entered by an administrator on the world's call for an
    organisation without an account, complete but for nothing: ready to submit."""
    world = scene.world
    dossier = assisted(world, staff=world.administrator, state="draft")
    dossier_services.add_attachment(
        dossier,
        world.administrator,
        pdf_upload("statuts-scan.pdf")[0],
        required_document=world.call.required_documents.get(),
    )
    return dossier


# The applicant's pages of an assisted dossier, used by staff acting on its behalf:
# (name, method, section or None, data, what an allowed POST changes). Only the
# instructors of the dossier's call and the administrators act on it; anybody else,
# an instructor of another call included, gets a 404 and changes nothing.
ON_BEHALF = [
    ("dossier_detail", "GET", None, None),
    ("dossier_edit", "GET", "projet", None),
    ("dossier_edit", "POST", "projet", {"title": "Repair café", "summary": "Un atelier."}),
    ("dossier_attachment_add", "POST", None, "file"),
    ("dossier_check", "GET", None, None),
    ("dossier_submit", "POST", None, {"expected_state": "draft"}),
]
ON_BEHALF_ALLOWED = {ADMINISTRATOR, INSTRUCTOR}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "section", "data"),
    ON_BEHALF,
    ids=[f"{name}-{method}" for name, method, *_rest in ON_BEHALF],
)
def test_acting_on_behalf(name, method, section, data, role, world, client, settings):
    scene = Scene(world, settings)
    dossier = _paper_draft(scene)
    user = scene.users[role]
    if user is not None:
        client.force_login(user)
    args = [dossier.pk] if section is None else [dossier.pk, section]
    url = reverse(name, args=args)
    if data == "file":
        data = {"file": SimpleUploadedFile("budget.pdf", PDF, content_type="application/pdf")}
    data = {**data, "action": "continue"} if name == "dossier_edit" and data else data

    def state():
        dossier.refresh_from_db()
        return (dossier.state, dossier.title, dossier.attachments.count(), fingerprint())

    before = state()
    response = client.get(url) if method == "GET" else client.post(url, data)
    allowed = role in ON_BEHALF_ALLOWED
    if role == ANONYMOUS:
        expected = LOGIN
    elif not allowed:
        expected = 404
    else:
        expected = 200 if method == "GET" else 302
    _check(response, expected, url, Target(url), role, Entry(lambda *_: None), method)
    if method == "POST" and allowed:
        assert state() != before, f"allowed POST {url} as {role} changed nothing"
    else:
        assert state() == before, f"{method} {url} as {role} changed data"


@pytest.mark.parametrize("role", [INSTRUCTOR, OTHER_INSTRUCTOR, ADMINISTRATOR])
def test_entering_a_dossier_on_a_call_is_for_its_staff(role, world, client, settings):
    """The call list of the enter form holds the calls the person may enter dossiers on;
    a call of somebody else is refused with the reason, nothing entered."""
    scene = Scene(world, settings)
    organization = _paper_draft(scene).organization
    client.force_login(scene.users[role])
    url = reverse("reception_enter", args=[organization.pk])
    form = client.get(url)
    offered = {int(option["value"]) for option in page(form).all("option") if option["value"]}
    expected = {
        INSTRUCTOR: {world.call.pk},
        OTHER_INSTRUCTOR: {scene.other_call.pk},
        ADMINISTRATOR: {world.call.pk, scene.other_call.pk},
    }[role]
    assert offered == expected
    count = organization.applications.count()
    response = client.post(url, {"call": world.call.pk, "channel": "phone", "title": "Café"})
    if role == OTHER_INSTRUCTOR:
        assert response.status_code == 400
        assert "the calls you instruct" in page(response).text("error")
        assert organization.applications.count() == count
    else:
        assert response.status_code == 302
        assert organization.applications.count() == count + 1
