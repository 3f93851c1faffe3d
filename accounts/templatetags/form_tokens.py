from django import template
from django.utils.html import format_html

from accounts import form_tokens

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context):
    """The hidden one-time key of a create form (see ``accounts.form_tokens``)."""
    request = context.get("request")
    key = form_tokens.issue(request.user) if request is not None else ""
    if not key:
        return ""
    return format_html('<input type="hidden" name="{}" value="{}">', form_tokens.FIELD, key)
