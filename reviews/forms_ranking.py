"""The filters of the ranking page and of its exports (GET parameters)."""

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from calls.models import District

from .ranking_selectors import PAGE_SIZES, RankingFilters

SORT_CHOICES = [
    ("rank", _("Rank (score, then the tie-break)")),
    ("normalised", _("Normalised score")),
    ("dispersion", _("Dispersion, largest first")),
    ("reference", _("Reference")),
]


class RankingFilterForm(forms.Form):
    """Objective, district, organisation kind, disagreement, sort and page size. A wrong
    value is explained next to its field and that filter alone is left out."""

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
    disagreement = forms.BooleanField(label=_("Strong disagreement only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)
    size = forms.TypedChoiceField(
        label=_("Rows per page"),
        required=False,
        coerce=int,
        empty_value=PAGE_SIZES[0],
        choices=[(size, str(size)) for size in PAGE_SIZES],
    )

    def __init__(self, *args, objectives=(), **kwargs):
        kwargs.setdefault("auto_id", "id_ranking_%s")
        super().__init__(*args, **kwargs)
        self.fields["objective"].choices = [
            ("", _("All objectives")),
            *((number, _("Objective %(number)s") % {"number": number}) for number in objectives),
        ]
        for name in ("objective", "district", "kind", "sort", "size"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "This value is not in the list; choose one from the list."
            )

    def _valid(self, name, default=None):
        if not self.is_bound:
            return default
        self.is_valid()
        if name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def filters(self) -> RankingFilters:
        """The filters that are valid (the others are left out)."""
        return RankingFilters(
            objective=self._valid("objective"),
            district=self._valid("district"),
            kind=self._valid("kind"),
            disagreement=bool(self._valid("disagreement", False)),
            sort=self._valid("sort", "rank"),
        )

    @property
    def page_size(self) -> int:
        return self._valid("size", PAGE_SIZES[0])

    def query(self, **changes) -> str:
        """The query string of the valid filters, with ``changes`` (None: left out)."""
        params = {}
        if self.is_bound:
            self.is_valid()
            for name in self.fields:
                value = self.data.get(name)
                if name in self.errors or value in (None, ""):
                    continue
                params[name] = value
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})
