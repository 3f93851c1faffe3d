"""``{% on_behalf user dossier as name %}``: the user builds the dossier for its
organisation without being a member (reception staff on an assisted dossier): the
pages then lead back to the organisation's reception page, not to "My dossiers"."""

from django import template

from workflows import rules

register = template.Library()


@register.simple_tag
def on_behalf(user, dossier) -> bool:
    return rules.acts_on_behalf(user, dossier) and not rules.is_applicant_of(user, dossier)
