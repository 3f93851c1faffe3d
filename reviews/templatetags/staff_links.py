"""Links to the back-office from the pages every user sees."""

from django import template
from django.urls import reverse

from reviews import navigation
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
def site_menus(context):
    """The header's menus of the person viewing the page (``reviews.navigation``)."""
    request = context.get("request")
    if request is None:
        return navigation.Menus()
    return navigation.menus(getattr(request, "user", None), request.path, request.get_full_path())
