"""Forms of the organisation pages. They parse and check input; the writes are done by
``accounts.services``."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Organization
from .services import INVITATION_VALID_DAYS
from .validators import (
    normalize_address,
    normalize_rna,
    normalize_siret,
    validate_rna,
    validate_siret,
)

PHONE_RE = re.compile(r"^\+?[\d\s.()-]+$")


class OrganizationForm(forms.ModelForm):
    """The organisation profile. SIRET and RNA may be typed with spaces: they are stored
    without them."""

    siret = forms.CharField(
        label=_("SIRET number"),
        required=False,
        # Longer than 14 so that "732 829 320 00074" can be typed as printed.
        max_length=30,
        help_text=_(
            "14 digits, on the INSEE registration notice (avis de situation SIRENE). "
            "Spaces are allowed."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    rna = forms.CharField(
        label=_("RNA number"),
        required=False,
        max_length=20,
        help_text=_(
            "The letter W followed by 9 digits, on the receipt of the prefecture (for "
            "example W332012345). Associations registered in Moselle, Bas-Rhin or Haut-Rhin "
            "(Alsace-Moselle local law) are entered in the register of the court and have "
            "no RNA number: leave the field empty."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Organization
        fields = ["name", "kind", "siret", "rna", "address", "contact_email", "phone"]
        labels = {
            "name": _("Name of the organisation"),
            "kind": _("Kind of organisation"),
            "address": _("Postal address"),
            "contact_email": _("Contact email address"),
            "phone": _("Phone number"),
        }
        help_texts = {
            "name": _("As registered (statutes, RNA or SIRENE)."),
            "contact_email": _("The address the City may write to about your dossiers."),
            "phone": _("For example 05 56 10 20 30."),
        }
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_org_%s")
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Choose a kind")), *Organization.Kind.choices]

    def clean_address(self):
        return normalize_address(self.cleaned_data["address"])

    def clean_siret(self):
        typed = self.cleaned_data["siret"]
        if normalize_siret(typed):
            validate_siret(typed)  # its message quotes the number as typed
        return normalize_siret(typed)

    def clean_rna(self):
        value = normalize_rna(self.cleaned_data["rna"])
        if value:
            validate_rna(value)
        return value

    def clean_phone(self):
        value = " ".join(self.cleaned_data["phone"].split())
        if value and (not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 6):
            raise ValidationError(
                _("Enter a phone number with digits only, for example 05 56 10 20 30."),
                code="phone",
            )
        return value


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the person to invite"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_invite_%s")
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _(
            "They receive an email with a link to join the organisation, valid for %(days)s days."
        ) % {"days": INVITATION_VALID_DAYS}
