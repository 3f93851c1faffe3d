"""Links to the back-office from the pages every user sees."""

from django import template
from django.urls import reverse

from workflows import rules

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_dossier_url(context, dossier) -> str:
    """The staff page of the dossier for staff who may see it; "" for anybody else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if dossier is None or not rules.can_see_internal(user, dossier):
        return ""
    return reverse("staff_dossier_detail", args=[dossier.pk])


@register.simple_tag(takes_context=True)
def opinion_queue_url(context) -> str:
    """The queue of the governance bodies' members, for them only ("" otherwise)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.is_active):
        return ""
    if rules.GOVERNANCE_MEMBERS not in rules.roles(user):
        return ""
    return reverse("staff_opinion_queue")


@register.simple_tag(takes_context=True)
def jury_queue_url(context) -> str:
    """The queue of the jurors, for them only ("" otherwise)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.is_active):
        return ""
    if rules.JURORS not in rules.roles(user):
        return ""
    return reverse("staff_jury_queue")
