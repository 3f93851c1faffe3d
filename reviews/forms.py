"""Forms of the staff side of a dossier: the eligibility checklist, the opening of a
consultation and the opinion of a governance body. They only parse input; the rules
are checked by ``workflows.services.perform`` and ``reviews.services``."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls import uploads
from workflows.exceptions import TransitionError
from workflows.states import DossierState

from .models import EligibilityReview, Opinion

Outcome = EligibilityReview.Outcome

# The transition of each eligibility outcome.
OUTCOME_TRANSITIONS = {
    Outcome.ELIGIBLE: "declare_eligible",
    Outcome.INELIGIBLE: "declare_ineligible",
    Outcome.INCOMPLETE: "request_completion",
}
PASS, FAIL = "pass", "fail"


class EligibilityForm(forms.Form):
    """One answer (met / not met, with a comment) per eligibility criterion of the
    call, and the outcome. Every criterion must be answered to declare the dossier
    eligible or ineligible; a criterion not met on an eligible dossier needs a comment
    that justifies it."""

    expected_state = forms.ChoiceField(choices=DossierState.choices, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Outcome.ELIGIBLE, _("Eligible")),
            (Outcome.INELIGIBLE, _("Ineligible (give the reason)")),
            (Outcome.INCOMPLETE, _("To be completed (say what the applicant must add)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome of the examination.")},
    )
    reason = forms.CharField(
        label=_("Reason for ineligibility, or what the applicant must add or correct"),
        required=False,
        max_length=5000,
        help_text=_(
            "Required for an ineligible dossier or a completion request: the applicant "
            "receives this text by email."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, criteria=(), **kwargs):
        kwargs.setdefault("auto_id", "id_eligibility_%s")
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.ChoiceField(
                label=criterion.label,
                choices=[(PASS, _("Met")), (FAIL, _("Not met"))],
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": criterion.label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["expected_state"].error_messages["invalid_choice"] = _(
            "The form is out of date; reload the page."
        )
        self.fields["expected_state"].error_messages["required"] = _(
            "The form is out of date; reload the page."
        )

    def rows(self):
        """(criterion, answer field, comment field) for the template."""
        return [
            (criterion, self[f"criterion_{criterion.pk}"], self[f"comment_{criterion.pk}"])
            for criterion in self.criteria
        ]

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome in (Outcome.ELIGIBLE, Outcome.INELIGIBLE):
            for criterion in self.criteria:
                if not cleaned.get(f"criterion_{criterion.pk}"):
                    self.add_error(
                        f"criterion_{criterion.pk}",
                        _("Say whether this criterion is met."),
                    )
        if outcome == Outcome.ELIGIBLE:
            for criterion in self.criteria:
                name = f"criterion_{criterion.pk}"
                if cleaned.get(name) == FAIL and not cleaned.get(f"comment_{criterion.pk}", ""):
                    self.add_error(
                        f"comment_{criterion.pk}",
                        _(
                            "This criterion is not met: explain in a comment why the dossier "
                            "is eligible all the same, or choose another outcome."
                        ),
                    )
        return cleaned

    @property
    def transition(self) -> str:
        return OUTCOME_TRANSITIONS[Outcome(self.cleaned_data["outcome"])]

    def checklist(self, pre_checks=()) -> list[dict]:
        """What is stored in the eligibility review: one entry per criterion (label,
        passed: True/False/None, comment), then the automatic pre-checks as they were."""
        entries = []
        for criterion in self.criteria:
            answer = self.cleaned_data.get(f"criterion_{criterion.pk}")
            entries.append(
                {
                    "criterion": criterion.pk,
                    "label": criterion.label,
                    "passed": {PASS: True, FAIL: False}.get(answer),
                    "comment": self.cleaned_data.get(f"comment_{criterion.pk}", "").strip(),
                }
            )
        for check in pre_checks:
            entries.append(
                {
                    "automatic": check.code,
                    "label": str(check.label),
                    "passed": check.passed,
                    "comment": str(check.detail),
                }
            )
        return entries


class ConsultationForm(forms.Form):
    """The date by which the governance bodies give their opinion."""

    due_at = forms.DateField(
        label=_("Opinions due by"),
        help_text=_("The members of the bodies are reminded 3 days and 1 day before."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the date by which opinions are due."),
            "invalid": _("Give a date, for example 2027-03-31."),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_consultation_%s")
        super().__init__(*args, **kwargs)

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if due_at <= timezone.localdate():
            raise forms.ValidationError(
                _("The date by which opinions are due must be after today.")
            )
        return due_at


class OpinionForm(forms.Form):
    """The opinion of one governance body, given by one of its members."""

    body = forms.ModelChoiceField(
        label=_("On behalf of"),
        queryset=None,
        empty_label=None,
        error_messages={
            "invalid_choice": _("Choose one of your bodies consulted on this dossier."),
            "required": _("Choose one of your bodies consulted on this dossier."),
        },
    )
    verdict = forms.ChoiceField(
        label=_("Opinion"),
        choices=Opinion.Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an opinion.")},
    )
    motivation = forms.CharField(
        label=_("Motivation"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Give the motivation of the opinion.")},
    )
    document = forms.FileField(
        label=_("Attached document (optional)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": uploads.ACCEPT}),
    )

    def __init__(self, *args, bodies, **kwargs):
        kwargs.setdefault("auto_id", "id_opinion_%s")
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies
        self.fields["document"].help_text = _(
            "For example the minutes of the meeting. One document of 10 MB at most, in one "
            "of these formats: %(formats)s."
        ) % {"formats": uploads.FORMATS_TEXT}

    def clean_document(self):
        """The file is recognised from its content (``calls.uploads``);
        ``cleaned_data["document"]`` is ``(file, inspected)``."""
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        try:
            inspected = uploads.inspect(upload)
        except TransitionError as error:
            raise forms.ValidationError(error.message) from error
        return upload, inspected
