"""Forms of the back-office's call pages: a call with its three lists (required
documents, eligibility criteria, scoring criteria: inline formsets with blank rows to
add more), the clone form and the early closing form. They parse what was typed; the
rules are checked by ``calls.backoffice.services``, whose messages are shown next to the
fields they concern."""

from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import fields_for_model, inlineformset_factory, model_to_dict
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from calls.models import (
    Call,
    EligibilityCriterion,
    Objective,
    RequiredDocument,
    ScoringCriterion,
)
from reviews.models import GovernanceBody, Score
from workflows import rules

from . import services

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class EuroField(forms.DecimalField):
    """An amount in euros as people type it: 12500, 12 500, 12500,50 or 12500.50."""

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        kwargs.setdefault("min_value", None)
        super().__init__(**kwargs)
        self.widget.attrs.update(inputmode="decimal", autocomplete="off")
        self.error_messages["invalid"] = _(
            "The amount must be a number of euros, for example 12500 or 12500,50."
        )

    def to_python(self, value):
        if isinstance(value, str):
            for space in (" ", "\u202f", "\xa0", "€"):
                value = value.replace(space, "")
            if "," in value and "." not in value:
                value = value.replace(",", ".")  # a decimal comma, in English pages too
            if value.startswith("-"):
                raise forms.ValidationError(_("The amount cannot be negative."), code="negative")
        return super().to_python(value)


class DateTimeLocalField(forms.DateTimeField):
    """A day and a time, in the site's time zone (Paris), from the browser's picker."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


class ObjectiveChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number}. {Truncator(obj.text).chars(110)}"


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


def _users_of(group):
    return get_user_model().objects.filter(groups__name=group, is_active=True).order_by("email")


class CallForm(forms.Form):
    """A call's own fields and its set-up (objectives, bodies, instructors, jurors)."""

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            initial = model_to_dict(instance, fields=services.CALL_FIELDS)
            initial.update(
                objectives=list(instance.objectives.all()),
                governance_bodies=list(instance.governance_bodies.all()),
                instructors=list(instance.instructors.all()),
                jurors=list(instance.jury.members.all()) if hasattr(instance, "jury") else [],
            )
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                Call,
                fields=services.CALL_FIELDS,
                field_classes={
                    "opens_at": DateTimeLocalField,
                    "closes_at": DateTimeLocalField,
                    "budget": EuroField,
                    "max_grant": EuroField,
                    "special_prize_amount": EuroField,
                },
                widgets={
                    "description": forms.Textarea(attrs={"rows": 6}),
                    "eligible_applicants": forms.Textarea(attrs={"rows": 3}),
                },
            )
        )
        # Declared order: what the call is, its dates and money, the prize, the review.
        self.fields["objectives"] = ObjectiveChoiceField(
            label=_("Targeted objectives"),
            queryset=Objective.objects.order_by("number"),
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": _("Choose at least one objective the call targets.")},
        )
        self.fields["governance_bodies"] = forms.ModelMultipleChoiceField(
            label=_("Governance bodies consulted"),
            queryset=GovernanceBody.objects.order_by("name"),
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
        self.fields["instructors"] = UserChoiceField(
            label=_("Instructors"),
            queryset=_users_of(rules.INSTRUCTORS),
            widget=forms.CheckboxSelectMultiple,
            required=False,
            help_text=_("They see the call's dossiers and check their eligibility."),
        )
        self.fields["jurors"] = UserChoiceField(
            label=_("Jury members"),
            queryset=_users_of(rules.JURORS),
            widget=forms.CheckboxSelectMultiple,
            required=False,
            help_text=_("When a jury scores the dossiers."),
        )
        self.fields["opens_at"].help_text = _("Day and time, Paris time.")
        self.fields["closes_at"].help_text = _("Day and time, Paris time.")
        self.fields["title"].error_messages["required"] = _("Give the call a title.")
        self.fields["opens_at"].error_messages["required"] = _("Give the opening date.")
        self.fields["closes_at"].error_messages["required"] = _("Give the closing date.")
        for name in ("opens_at", "closes_at"):
            self.fields[name].error_messages["invalid"] = _(
                "Enter a date and a time, for example 2027-03-01 09:00."
            )

    def clean(self):
        cleaned = super().clean()
        candidate = Call(
            pk=self.instance.pk if self.instance else None,
            **{name: cleaned.get(name) for name in services.CALL_FIELDS if name in cleaned},
        )
        for name in services.CALL_FIELDS:
            if name not in cleaned:  # already wrong: its own message is shown
                setattr(candidate, name, getattr(Call(), name, None))
        for name, messages in services.call_errors(candidate).items():
            if name in self.fields:
                if name in cleaned and name not in self.errors:
                    for message in messages:
                        self.add_error(name, message)
            elif not self.errors:
                self.add_error(None, messages)
        return cleaned

    def call_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.CALL_FIELDS}

    def grouped(self, *names):
        return [self[name] for name in names]


class ScoringCriterionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            if (
                self.can_delete
                and self._should_delete_form(form)
                and form.instance.pk
                and Score.objects.filter(criterion=form.instance).exists()
            ):
                raise forms.ValidationError(
                    _("“%(label)s” already has jurors' scores: it cannot be removed.")
                    % {"label": form.instance.label}
                )


def _formset(model, fields, labels, formset=forms.BaseInlineFormSet, **kwargs):
    return inlineformset_factory(
        Call,
        model,
        formset=formset,
        fields=fields,
        labels=labels,
        extra=3,
        can_delete=True,
        **kwargs,
    )


DocumentFormSet = _formset(
    RequiredDocument,
    ("label", "help_text", "mandatory"),
    {"label": _("Document"), "help_text": _("Help for the applicant")},
)
EligibilityFormSet = _formset(
    EligibilityCriterion, ("label",), {"label": _("Eligibility criterion")}
)
ScoringFormSet = _formset(
    ScoringCriterion,
    ("label", "weight", "max_score"),
    {"label": _("Scoring criterion")},
    formset=ScoringCriterionFormSet,
    localized_fields=("weight",),
)

# The three lists of a call, by the name of their field in CallSetup.
FORMSETS = {
    "required_documents": (DocumentFormSet, _("Required documents")),
    "eligibility_criteria": (EligibilityFormSet, _("Eligibility criteria")),
    "scoring_criteria": (ScoringFormSet, _("Scoring criteria and weights")),
}


def formsets_for(call, data=None) -> dict:
    """{name: formset} of the three lists of ``call`` (a new call when ``None``)."""
    instance = call if call is not None else Call()
    return {
        name: formset_class(data, instance=instance, prefix=name)
        for name, (formset_class, _legend) in FORMSETS.items()
    }


def rows(formset) -> list[dict]:
    """The rows a formset keeps, in order: blank extra rows and deleted rows left out."""
    kept = []
    for form in formset.forms:
        if not form.has_changed() and form.instance.pk is None:
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        row = {name: form.cleaned_data[name] for name in form._meta.fields}
        row["pk"] = form.instance.pk
        kept.append(row)
    return kept


def setup_from(form, formsets) -> services.CallSetup:
    data = form.cleaned_data
    return services.CallSetup(
        objectives=list(data["objectives"]),
        governance_bodies=list(data["governance_bodies"]),
        instructors=list(data["instructors"]),
        jurors=list(data["jurors"]),
        **{name: rows(formset) for name, formset in formsets.items()},
    )


class CloneForm(forms.Form):
    title = forms.CharField(label=_("Title of the new edition"), max_length=200)
    opens_at = DateTimeLocalField(label=_("Opening"), help_text=_("Day and time, Paris time."))
    closes_at = DateTimeLocalField(label=_("Closing"), help_text=_("Day and time, Paris time."))
    year = forms.IntegerField(
        label=_("Year of the edition"), min_value=2000, max_value=2100, required=False
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["title"].initial = services.clone_title(call)
        if call.kind == Call.Kind.PRIZE:
            self.fields["year"].required = True
            self.fields["year"].initial = call.year + 1 if call.year else None
        else:
            del self.fields["year"]
        for name in ("opens_at", "closes_at"):
            self.fields[name].error_messages["invalid"] = _(
                "Enter a date and a time, for example 2027-03-01 09:00."
            )

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The closing date must be after the opening date."))
        return cleaned


class CloseEarlyForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, kept in the call's history)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
