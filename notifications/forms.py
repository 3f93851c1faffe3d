from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OutboundEmail


class EmailEditForm(forms.Form):
    """The subject and text of a held email; the HTML body is re-generated from the
    text (``services.edit_email``)."""

    subject = forms.CharField(
        label=_("Subject"), max_length=OutboundEmail._meta.get_field("subject").max_length
    )
    body_text = forms.CharField(
        label=_("Text of the email"),
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "The HTML version of the email is rebuilt from this text when you save "
            "(paragraphs and links, under the City's heading)."
        ),
    )


class CancelForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm: this email will never be sent."),
        error_messages={"required": _("Tick the box to confirm the cancellation.")},
    )


class ResendForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm: this email will be sent again."),
        error_messages={"required": _("Tick the box to confirm that the email is sent again.")},
    )


class ResendAllForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm: every failing email will be sent again."),
        error_messages={"required": _("Tick the box to confirm that the emails are sent again.")},
    )
