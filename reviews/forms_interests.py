"""Declaring an interest in an organisation. Only parses input;
``reviews.services.declare_interest`` writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

from .models import DeclaredInterest


class DeclaredInterestForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.all(),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose an organisation among the results of the search."),
            "invalid_choice": _(
                "This organisation no longer exists: search for it again and choose it."
            ),
        },
    )
    nature = forms.ChoiceField(
        label=_("Nature of the link"),
        choices=[("", _("Choose…")), *DeclaredInterest.Nature.choices],
        error_messages={
            "required": _("Choose the nature of the link."),
            "invalid_choice": _("Choose the nature of the link."),
        },
    )
    details = forms.CharField(
        label=_("Details (required for “other link”)"),
        required=False,
        max_length=300,
        help_text=_("For example: treasurer since 2024, my sister runs it."),
        error_messages={"max_length": _("Keep the details under %(limit_value)s characters.")},
    )

    def __init__(self, *args, results=None, **kwargs):
        kwargs.setdefault("auto_id", "id_interest_%s")
        super().__init__(*args, **kwargs)
        # Offer the results of the search; any existing organisation is accepted.
        self.fields["organization"].widget.choices = [
            (organization.pk, self._label(organization)) for organization in results or ()
        ]

    @staticmethod
    def _label(organization):
        return (
            f"{organization.name} (SIRET {organization.siret})"
            if organization.siret
            else (organization.name)
        )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("nature") == DeclaredInterest.Nature.OTHER
            and not (cleaned.get("details") or "").strip()
        ):
            self.add_error("details", _("Describe the link in a few words (nature “other”)."))
        return cleaned
