"""Forms of the reception pages (assisted submission). They parse input; the writes are
done by ``calls.reception``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import InvitationForm, OrganizationForm

from . import reception


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, SIRET or RNA number"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class StaffOrganisationForm(OrganizationForm):
    """The profile of an organisation without an account, typed by reception staff from
    the paper dossier: the email is optional, one way to reach it is required."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].help_text = _(
            "Its letters (acknowledgements, decision) are posted to this address when it "
            "has no email address."
        )
        self.fields["contact_email"].help_text = _(
            "Optional. Without it, the City writes to the organisation by post."
        )


class EnterDossierForm(forms.Form):
    call = forms.ModelChoiceField(
        label=_("Call"),
        queryset=reception.receivable_calls().none(),
        empty_label=_("Choose a call"),
        error_messages={
            "invalid_choice": _(
                "Choose a call from the list: the calls you instruct (every call for an "
                "administrator)."
            )
        },
    )
    channel = forms.ChoiceField(
        label=_("How did the dossier reach the City?"),
        choices=reception.ASSISTED_CHANNELS,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the channels of the list.")},
    )
    received_on = forms.DateField(
        label=_("Date of receipt (paper dossier)"),
        required=False,
        help_text=_(
            "The date the paper dossier reached the City (postmark or stamp). A dossier "
            "received by post before the closing date may be entered after it."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date, for example 2027-03-31.")},
    )
    title = forms.CharField(label=_("Title of the project"), max_length=200)

    def __init__(self, *args, user=None, **kwargs):
        kwargs.setdefault("auto_id", "id_enter_%s")
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = reception.receivable_calls(user)


class ClaimForm(InvitationForm):
    """The address the association gives to claim its organisation online."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_claim_%s")
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email address given by the organisation")
