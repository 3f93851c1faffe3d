"""The shortest path of transitions to each state, with who performs each step.

Used by the demo data and the tests to bring dossiers to a state through the real
transitions (never by writing the state)."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from calls.models import Attachment

from .services import perform
from .states import DossierState as S

BASE = ["submit", "declare_eligible"]
PATHS = {
    S.DRAFT: [],
    S.DISCARDED: ["discard"],
    S.SUBMITTED: ["submit"],
    S.INCOMPLETE: ["submit", "request_completion"],
    S.WITHDRAWN: ["submit", "withdraw"],
    S.ELIGIBLE: BASE,
    S.INELIGIBLE: ["submit", "declare_ineligible"],
    S.IN_CONSULTATION: [*BASE, "open_consultation"],
    S.IN_JURY: [*BASE, "open_jury"],
    S.AWAITING_DECISION: [*BASE, "to_decision"],
    S.SELECTED: [*BASE, "to_decision", "select"],
    S.NOT_SELECTED: [*BASE, "to_decision", "decline"],
    S.NOTIFIED: [*BASE, "to_decision", "select", "notify"],
}

ACTOR_ROLE = {
    "submit": "applicant",
    "discard": "applicant",
    "resubmit": "applicant",
    "withdraw": "applicant",
    "request_completion": "instructor",
    "declare_eligible": "instructor",
    "declare_ineligible": "instructor",
}  # every other transition: "administrator"

DEFAULT_DATA = {
    "request_completion": {"reason": "Merci de joindre le budget prévisionnel signé."},
    "declare_ineligible": {"reason": "Le porteur n'a pas son siège à Bordeaux."},
    "withdraw": {"reason": "Le projet est reporté à l'an prochain."},
    "decline": {"reason": "Le projet ne répond pas assez précisément au besoin identifié."},
    "reopen": {"reason": "Un élément nouveau a été porté à la connaissance de la Ville."},
    "close_consultation": {"reason": "Clôture à la date prévue."},
    "select": {"amount": "10000", "reason": "Projet innovant et bien ancré dans le quartier."},
}


def default_data(dossier, transition: str) -> dict:
    """What a staff form would send with ``transition`` on ``dossier``: the defaults
    above, a due date two weeks ahead for a consultation, and an eligibility checklist
    answering every criterion of the call."""

    data = dict(DEFAULT_DATA.get(transition, {}))
    if transition == "select" and dossier.call.is_prize:
        data.pop("amount", None)  # an AMI grant; prize amounts only when given
    if transition == "open_consultation":
        data["due_at"] = timezone.localdate() + timedelta(days=14)
    if transition in ("declare_eligible", "declare_ineligible"):
        passed = transition == "declare_eligible"
        data["checklist"] = [
            {"criterion": pk, "label": label, "passed": passed, "comment": ""}
            for pk, label in dossier.call.eligibility_criteria.values_list("pk", "label")
        ]
    return data


def actor_role(transition: str) -> str:
    return ACTOR_ROLE.get(transition, "administrator")


def attach_required_documents(dossier, user=None):
    """Give the dossier one small PDF per mandatory document it lacks."""
    for document in dossier.call.required_documents.filter(mandatory=True).exclude(
        attachments__application=dossier
    ):
        attachment = Attachment(
            application=dossier,
            required_document=document,
            original_name=f"{document.label}.pdf",
            content_type="application/pdf",
            uploaded_by=user,
        )
        content = b"%PDF-1.4\n% document\n%%EOF\n"
        attachment.file.save(
            f"{dossier.reference}-{document.pk}.pdf", ContentFile(content), save=False
        )
        attachment.size = len(content)
        attachment.save()


def advance(dossier, target, actors: dict, data: dict | None = None):
    """Bring a draft dossier to ``target`` through the real transitions.

    ``actors`` maps a role (applicant, instructor, administrator) to a user;
    ``data`` overrides the data sent with some transitions."""
    data = data or {}
    for transition in PATHS[S(target)]:
        if transition == "submit":
            attach_required_documents(dossier, actors.get("applicant"))
        payload = {**default_data(dossier, transition), **data.get(transition, {})}
        perform(dossier, transition, actors[actor_role(transition)], **payload)
    return dossier
