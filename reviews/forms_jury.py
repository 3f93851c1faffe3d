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


class BulkAssignmentForm(forms.Form):
    """How many jurors on each dossier with the jury, and the seed of the draw."""

    k = forms.IntegerField(
        label=_("Jurors on each dossier"),
        min_value=1,
        max_value=50,
        error_messages={
            "required": _("Give the number of jurors for each dossier."),
            "invalid": _("Give a whole number of jurors, for example 3."),
            "min_value": _("Give at least one juror per dossier."),
            "max_value": _("Give at most %(limit_value)s jurors per dossier."),
        },
    )
    seed = forms.IntegerField(
        label=_("Draw number"),
        min_value=0,
        max_value=2**31 - 1,
        help_text=_(
            "The same number gives the same distribution (to reproduce it or explain it); "
            "another number, another balanced distribution."
        ),
        error_messages={
            "required": _("Give a draw number, for example 2027."),
            "invalid": _("Give a whole number, for example 2027."),
            "min_value": _("Give a number between 0 and 2147483647."),
            "max_value": _("Give a number between 0 and 2147483647."),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_assign_%s")
        super().__init__(*args, **kwargs)
