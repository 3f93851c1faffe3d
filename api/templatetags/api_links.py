"""The menu's link to the API tokens page, for the accounts that may hold tokens."""

from django import template
from django.urls import reverse

from accounts.mfa import requires_mfa

register = template.Library()


@register.simple_tag(takes_context=True)
def api_tokens_url(context):
    """The URL of the API tokens page for staff accounts, else an empty string."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return reverse("api_tokens") if requires_mfa(user) else ""
