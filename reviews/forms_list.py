"""The filters of the staff list of dossiers and of its exports (GET parameters)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from calls.backoffice.forms import EuroField
from calls.backoffice.selectors import call_choices
from calls.models import District, Objective

from . import staff_selectors


class DossierListForm(forms.Form):
    """Call, state, objective, district, organisation kind, requested amount range,
    a search on reference, title and organisation, and the sort. A wrong value is
    explained next to its field and that filter alone is left out."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Reference, project title or organisation name."),
    )
    call = forms.TypedChoiceField(label=_("Call"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=_("State"), required=False)
    objective = forms.TypedChoiceField(
        label=_("Objective"), required=False, coerce=int, empty_value=None
    )
    district = forms.ChoiceField(
        label=_("District"), required=False, choices=[("", _("All districts")), *District.choices]
    )
    kind = forms.ChoiceField(
        label=_("Organisation kind"),
        required=False,
        choices=[("", _("All kinds")), *Organization.Kind.choices],
    )
    amount_min = EuroField(label=_("Requested amount from (EUR)"), required=False)
    amount_max = EuroField(label=_("Requested amount up to (EUR)"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("auto_id", "id_filter_%s")
        super().__init__(*args, **kwargs)
        self.fields["call"].choices = [
            ("", _("All calls")),
            *((pk, title) for pk, title in call_choices(user)),
        ]
        self.fields["state"].choices = [
            ("", _("All states")),
            *((state.value, state.label) for state in staff_selectors.LISTED_STATES),
        ]
        self.fields["objective"].choices = [
            ("", _("All objectives")),
            *(
                (pk, _("Objective %(number)s") % {"number": number})
                for pk, number in Objective.objects.order_by("number").values_list("pk", "number")
            ),
        ]
        self.fields["call"].error_messages["invalid_choice"] = _(
            "This call does not exist or is not one of yours."
        )
        for name in ("state", "objective", "district", "kind"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "This value is not in the list; choose one from the list."
            )

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def clean_sort(self):
        sort = self.cleaned_data["sort"]
        return sort if sort in staff_selectors.sort_choices() else staff_selectors.DEFAULT_SORT

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("amount_min"), cleaned.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The upper bound is below the lower bound."))
        return cleaned

    def filters(self) -> staff_selectors.DossierFilters:
        """The filters that are valid (the others are left out)."""
        if not self.is_bound:
            return staff_selectors.DossierFilters()
        self.is_valid()
        data = self.cleaned_data
        return staff_selectors.DossierFilters(
            call_id=data.get("call"),
            state=data.get("state") or None,
            objective_id=data.get("objective"),
            district=data.get("district") or None,
            organization_kind=data.get("kind") or None,
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
            search=data.get("q") or "",
            sort=data.get("sort") or staff_selectors.DEFAULT_SORT,
        )
