"""Reads of the interests a person declares (``DeclaredInterest``): their own list,
and the organisations they may choose from."""

from django.db.models import Q

from accounts.models import Organization
from accounts.validators import normalize_siret

from .models import DeclaredInterest

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
