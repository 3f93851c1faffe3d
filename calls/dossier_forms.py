"""Forms of the sections of a dossier being built, and of its documents.

They parse what was typed and say what is wrong next to the field; the rules (who may
edit, in which state, objectives of the call, budget) are checked again by the
services of ``calls.services`` they feed."""

import re
from decimal import Decimal

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from . import uploads
from .models import District
from .services import budget_errors

# Plain decimal notation, at most two decimals ("1e3" is not an amount a person types).
AMOUNT_RE = re.compile(r"\d+(\.\d{1,2})?")
AMOUNT_LIMIT = Decimal(10) ** 10  # 12 digits, 2 of them decimals
PEOPLE_LIMIT = 2_147_483_647


class AmountField(forms.CharField):
    """An amount in euros as people type it: 12500, 12 500, 12500,50 or 12500.50."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": "30"}
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            places = 0 if value == value.to_integral_value() else 2
            return number_format(value, places)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(text) > 30:
            raise forms.ValidationError(_("The amount is too large."), code="too_large")
        for space in (" ", "\u202f", "\xa0", "€"):
            text = text.replace(space, "")
        text = text.replace(",", ".")
        if text.startswith("-"):
            raise forms.ValidationError(_("The amount cannot be negative."), code="negative")
        if not AMOUNT_RE.fullmatch(text):
            if re.fullmatch(r"\d+\.\d{3,}", text):
                raise forms.ValidationError(
                    _("The amount cannot have more than two decimals."), code="decimals"
                )
            raise forms.ValidationError(
                _("The amount must be a number of euros, for example 12500 or 12500,50."),
                code="invalid",
            )
        amount = Decimal(text)
        if amount >= AMOUNT_LIMIT:
            raise forms.ValidationError(_("The amount is too large."), code="too_large")
        return amount


class SectionForm(forms.Form):
    """A section of the dossier; ``save`` hands its data to the services."""

    def __init__(self, *args, dossier, **kwargs):
        kwargs.setdefault("auto_id", "id_%s")
        self.dossier = dossier
        super().__init__(*args, **kwargs)

    def update_fields(self) -> dict:
        return dict(self.cleaned_data)


class ProjectForm(SectionForm):
    title = forms.CharField(
        label=_("Project title"),
        max_length=200,
        help_text=_("A short title, for example “Legal advice desk in Bordeaux Sud”."),
        error_messages={"required": _("Give the project a title.")},
    )
    summary = forms.CharField(
        label=_("Summary of the project"),
        required=False,
        max_length=5000,
        help_text=_("In a few sentences: what you will do, where, with whom, and why."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    @staticmethod
    def initial_for(dossier):
        return {"title": dossier.title, "summary": dossier.summary}


class ObjectiveChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, objective):
        return _("Objective %(number)s — %(text)s") % {
            "number": objective.number,
            "text": objective.text,
        }


class ObjectivesForm(SectionForm):
    objectives = ObjectiveChoiceField(
        label=_("Objectives of your project"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick the objectives of the scheme your project works towards. Only the "
            "objectives targeted by this call are listed; choose at least one."
        ),
        error_messages={
            "invalid_choice": _("Choose only among the objectives targeted by this call."),
            "invalid_pk_value": _("Choose only among the objectives targeted by this call."),
        },
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        self.fields["objectives"].queryset = dossier.call.objectives.order_by("number")

    @staticmethod
    def initial_for(dossier):
        return {"objectives": [objective.pk for objective in dossier.objectives.all()]}


class DistrictsForm(SectionForm):
    districts = forms.MultipleChoiceField(
        label=_("Districts of Bordeaux concerned"),
        choices=District.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every district where the project takes place or whose people it helps."),
        error_messages={"invalid_choice": _("Choose the districts from the list.")},
    )

    @staticmethod
    def initial_for(dossier):
        return {"districts": list(dossier.districts or [])}


class PeopleForm(SectionForm):
    people_reached = forms.CharField(
        label=_("Who are the people reached?"),
        required=False,
        max_length=5000,
        help_text=_("For example: families of the district, isolated elderly people, students."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    people_count = forms.IntegerField(
        label=_("How many people, approximately?"),
        required=False,
        min_value=0,
        max_value=PEOPLE_LIMIT,
        help_text=_("A whole number, for example 120."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": _("Give a whole number, for example 120."),
            "min_value": _("The number of people cannot be negative."),
            "max_value": _("This number is too large."),
        },
    )

    @staticmethod
    def initial_for(dossier):
        return {"people_reached": dossier.people_reached, "people_count": dossier.people_count}


class BudgetForm(SectionForm):
    total_budget = AmountField(
        label=_("Total budget of the project (EUR)"),
        required=False,
        help_text=_("Everything the project costs, all funding included. For example 25000."),
    )
    requested_amount = AmountField(
        label=_("Amount requested from the City (EUR)"),
        required=False,
        help_text=_("At most the total budget."),
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        max_grant = dossier.call.max_grant
        if max_grant is not None:
            self.fields["requested_amount"].help_text = _(
                "At most the total budget, and at most %(max)s €, the call's maximum grant."
            ) % {"max": number_format(max_grant, 0, force_grouping=True)}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            for field, message in budget_errors(
                self.dossier.call, cleaned.get("total_budget"), cleaned.get("requested_amount")
            ).items():
                self.add_error(field, message)
        return cleaned

    @staticmethod
    def initial_for(dossier):
        return {
            "total_budget": dossier.total_budget,
            "requested_amount": dossier.requested_amount,
        }


class DocumentForm(forms.Form):
    """One file: for a required document, an extra document, or replacing a file.

    The file is checked (size, type from its content) by the service."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("%(formats)s; 10 MB at most.") % {"formats": uploads.FORMATS_TEXT},
        error_messages={
            "required": _("Choose a file."),
            "empty": _("This file is empty; choose another one."),
            "invalid": _("No file was received; choose the file again."),
        },
        widget=forms.FileInput(attrs={"accept": uploads.ACCEPT}),
    )

    def __init__(self, *args, prefix_id, **kwargs):
        kwargs.setdefault("auto_id", f"id_{prefix_id}_%s")
        super().__init__(*args, **kwargs)
        self.prefix_id = prefix_id
