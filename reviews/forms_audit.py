"""The filters of the administrators' audit page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from calls.models import Call
from workflows.trail import TrailFilters, event_choices


class AuditFilterForm(forms.Form):
    dossier = forms.CharField(
        label=_("Dossier reference"), required=False, max_length=40, strip=True
    )
    call = forms.ModelChoiceField(
        label=_("Call"),
        queryset=Call.objects.order_by("-opens_at", "title"),
        required=False,
        empty_label=_("All calls"),
        error_messages={"invalid_choice": _("Choose a call of the list.")},
    )
    actor = forms.CharField(
        label=_("By (email address)"), required=False, max_length=254, strip=True
    )
    event = forms.ChoiceField(label=_("Event"), required=False)
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date, for example 2027-03-31.")},
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date, for example 2027-03-31.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_audit_%s")
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [("", _("All events")), *event_choices()]
        self.fields["event"].error_messages["invalid_choice"] = _("Choose an event of the list.")

    def filters(self) -> TrailFilters:
        """The filters that are valid (a wrong one is ignored and shown as an error)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        call = data.get("call")
        return TrailFilters(
            dossier=data.get("dossier") or "",
            call_id=call.pk if call else None,
            actor=data.get("actor") or "",
            event=data.get("event") or "",
            since=data.get("since"),
            until=data.get("until"),
        )
