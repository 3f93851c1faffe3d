"""Reads of the interests a person declares (``DeclaredInterest``): their own list,
and the organisations they may choose from."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.validators import normalize_siret
from workflows import rules
from workflows.states import DossierState

from .models import ConflictOfInterest, DeclaredInterest

SEARCH_LIMIT = 20


def declared_interests(user):
    """The interests ``user`` declared, by organisation name."""
    return (
        DeclaredInterest.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def organisation_search(query: str):
    """At most ``SEARCH_LIMIT`` organisations whose name contains ``query`` or whose
    SIRET or RNA number is ``query`` (spaces ignored), by name. Nothing for an empty
    query."""
    query = (query or "").strip()
    if not query:
        return Organization.objects.none()
    clause = Q(name__icontains=query)
    compact = normalize_siret(query)
    if compact.isdigit() and len(compact) >= 9:
        clause |= Q(siret__startswith=compact)
    if compact.upper().startswith("W"):
        clause |= Q(rna__iexact=compact)
    return Organization.objects.filter(clause).order_by("name", "pk")[:SEARCH_LIMIT]


def declared_interest(user, pk):
    """One of ``user``'s declared interests, or ``None`` (not theirs, withdrawn)."""
    return declared_interests(user).filter(pk=pk).first()


@dataclass
class WithdrawalEffect:
    """What withdrawing an interest does to one of the juror's conflicts of interest on
    a dossier of that organisation: lifted (``assigned_back``: to confirm again) or
    kept, with why."""

    dossier: object
    lifted: bool
    assigned_back: bool = False
    why_kept: str = ""


def withdrawal_effects(user, interest) -> list[WithdrawalEffect]:
    """The juror's conflicts of interest on the dossiers of the interest's organisation,
    each with what withdrawing the interest does to it (``rules.may_lift_conflict``, the
    rule ``reviews.services.withdraw_interest`` applies), lifted ones first, by
    reference. Two queries and one per distinct call."""
    conflicts = (
        ConflictOfInterest.objects.filter(
            juror=user, application__organization=interest.organization_id
        )
        .select_related("application__call", "application__organization")
        .order_by("application__reference", "pk")
    )
    effects = []
    for conflict in conflicts:
        dossier = conflict.application
        if rules.may_lift_conflict(user, conflict, dossier):
            effects.append(
                WithdrawalEffect(
                    dossier, True, assigned_back=rules.is_juror_of_call(user, dossier.call)
                )
            )
            continue
        if conflict.declared_interest_id != interest.pk:
            why = _("declared on the dossier itself, not because of this interest: it stays")
        elif rules.is_own_organisation(user, dossier):
            why = _("you are a member of this organisation: the conflict stays")
        elif dossier.state == DossierState.NOTIFIED:
            why = _("the decision is notified: the conflict stays on record")
        else:
            why = _("the jury on this dossier is closed: the conflict stays on record")
        effects.append(WithdrawalEffect(dossier, False, why_kept=why))
    effects.sort(key=lambda effect: not effect.lifted)
    return effects
