"""The jury's settings on a call: scoring deadline and what a juror sees of the others'
scores. Only parses input; ``reviews.services.update_jury_settings`` writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Jury


class JurySettingsForm(forms.Form):
    scoring_deadline = forms.DateField(
        label=_("Scoring deadline"),
        required=False,
        help_text=_("Jurors with scorecards not submitted are reminded 3 days and 1 day before."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date, for example 2027-03-31.")},
    )
    score_visibility = forms.ChoiceField(
        label=_("A juror sees the other scores and the average"),
        choices=Jury.ScoreVisibility.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose when a juror sees the other scores."),
            "invalid_choice": _("Choose when a juror sees the other scores."),
        },
    )
    show_juror_identities = forms.BooleanField(
        label=_("Jurors see each other's names beside the scores"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_jury_%s")
        super().__init__(*args, **kwargs)
