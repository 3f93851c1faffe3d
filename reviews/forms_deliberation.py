"""Forms of the deliberation: the minutes of the meeting, the publication of laureates."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DeliberationMinutes


class MinutesForm(forms.ModelForm):
    class Meta:
        model = DeliberationMinutes
        fields = ["meeting_date", "members_present", "quorum_note", "notes"]
        widgets = {
            "meeting_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "members_present": forms.Textarea(attrs={"rows": 6}),
            "quorum_note": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting_date"].error_messages["invalid"] = _(
            "Enter the date of the meeting, e.g. 24/11/2026."
        )
        self.fields["members_present"].error_messages["required"] = _(
            "Name the members present at the meeting, one per line."
        )
        self.fields["meeting_date"].error_messages["required"] = _("Give the date of the meeting.")

    def clean_meeting_date(self):
        date = self.cleaned_data["meeting_date"]
        if date > timezone.localdate():
            raise forms.ValidationError(
                _("The meeting cannot be in the future: record the minutes after it.")
            )
        return date

    def clean_members_present(self):
        text = self.cleaned_data["members_present"]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError(_("Name the members present at the meeting, one per line."))
        return "\n".join(lines)


class LaureatesForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("publish", _("Publish")), ("unpublish", _("Unpublish"))],
        widget=forms.HiddenInput,
    )
    confirm = forms.BooleanField(
        label=_("I confirm"),
        error_messages={"required": _("Tick the box to confirm.")},
    )
