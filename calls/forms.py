"""Forms of the applicant and staff pages. They parse and validate input; the rules
(permissions, conditions, quotas) are checked by the services they feed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from workflows.exceptions import TransitionError
from workflows.states import DossierState

from . import uploads
from .models import Call


class _ReadOnceIterator(forms.models.ModelChoiceIterator):
    """Choices read from the queryset's cache: a select rendered (and asked for its
    first choice) reads its options in one query, not one per use."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ReadOnceModelChoiceField(forms.ModelChoiceField):
    iterator = _ReadOnceIterator


class DossierFilterForm(forms.Form):
    """The state and call filters of the dashboard (GET parameters)."""

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states")), *DossierState.choices],
    )
    call = ReadOnceModelChoiceField(
        label=_("Call"),
        required=False,
        queryset=Call.objects.none(),
        empty_label=_("All calls"),
        error_messages={
            "invalid_choice": _("This call does not exist or has no dossier you can see.")
        },
    )

    def __init__(self, *args, calls, states=None, **kwargs):
        kwargs.setdefault("auto_id", "id_filter_%s")
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = calls
        if states is not None:
            # Only the states the user may see dossiers in (decisions not yet notified
            # are not disclosed to applicants: calls.selectors.shown_states).
            self.fields["state"].choices = [
                ("", _("All states")),
                *((state.value, state.label) for state in states),
            ]
        self.fields["state"].error_messages["invalid_choice"] = _(
            "This state does not exist; choose one from the list."
        )


class DraftForm(forms.Form):
    """Start a draft dossier: an open call, one of the user's organisations, a title."""

    call = ReadOnceModelChoiceField(
        label=_("Call"),
        queryset=Call.objects.none(),
        empty_label=_("Choose a call"),
        error_messages={"invalid_choice": _("This call is not open; choose an open call.")},
    )
    organization = ReadOnceModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.none(),
        error_messages={
            "invalid_choice": _("Choose one of the organisations you are a member of.")
        },
    )
    title = forms.CharField(
        label=_("Project title"),
        max_length=200,
        help_text=_("A short title; you can change it later."),
    )

    def __init__(self, *args, calls, organizations, **kwargs):
        kwargs.setdefault("auto_id", "id_draft_%s")
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = calls
        self.fields["organization"].queryset = organizations
        if len(self.fields["organization"].queryset) == 1:
            self.fields["organization"].empty_label = None
        else:
            self.fields["organization"].empty_label = _("Choose an organisation")

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the project a title."))
        return title


# What a transition form may send, by name: see workflows.services.TRANSITION_FIELDS.
TRANSITION_FIELD_NAMES = ("reason", "amount", "special_prize", "due_at")

# Wording shown next to the button of the actions that cannot simply be undone.
CONFIRMATIONS = {
    "discard": _("The draft will be discarded for good; it cannot be recovered."),
    "withdraw": _("Withdrawing is final: the dossier will no longer be examined."),
    "declare_ineligible": _(
        "The applicant will be told that the dossier is ineligible, with your reason."
    ),
    "decline": _("The dossier will be refused; the applicant is told when it is notified."),
    "reopen": _("Decision emails that have not been sent yet will be cancelled."),
    "notify": _("The decision email will be sent to the applicant; this cannot be undone."),
}

# The transitions whose reason is mandatory (the flow checks it and says why).
REASON_REQUIRED = {"request_completion", "declare_ineligible", "withdraw", "decline", "reopen"}

REASON_LABELS = {
    "request_completion": _("What must the applicant add or correct?"),
    "declare_ineligible": _("Reason for ineligibility"),
    "withdraw": _("Why do you withdraw the dossier?"),
    "decline": _("Motivation of the refusal"),
    "reopen": _("Reason for reopening the decision"),
    "close_consultation": _("Reason for closing the consultation now"),
    "select": _("Motivation of the decision (optional)"),
}


class TransitionForm(forms.Form):
    """One action on a dossier. ``expected_state`` is the state the page showed: if
    the dossier changed meanwhile, the transition service refuses the action."""

    expected_state = forms.ChoiceField(choices=DossierState.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    amount = forms.CharField(
        label=_("Amount (EUR)"),
        required=False,
        max_length=30,
        help_text=_("In euros, for example 12500 or 12 500,50."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    special_prize = forms.BooleanField(label=_("Award a special prize"), required=False)
    due_at = forms.DateField(
        label=_("Opinions due by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date, for example 2027-03-31.")},
    )

    def __init__(self, *args, transition, needs=(), **kwargs):
        # Several action forms share a page: distinct ids, plain field names.
        kwargs.setdefault("auto_id", f"id_{transition}_%s")
        super().__init__(*args, **kwargs)
        self.transition = transition
        self.needs = tuple(needs)
        for name in TRANSITION_FIELD_NAMES:
            if name not in self.needs:
                del self.fields[name]
        if "reason" in self.fields:
            self.fields["reason"].label = REASON_LABELS.get(transition, _("Reason"))
            if transition in REASON_REQUIRED:
                self._mark_required("reason")
        if transition == "select" and "special_prize" in self.fields:
            self.fields["amount"].label = _("Special prize amount (EUR)")
            self.fields["amount"].help_text = _(
                "Only for a special prize; leave empty to use the edition's amount."
            )
        elif "amount" in self.fields:
            self.fields["amount"].label = _("Granted amount (EUR)")
            self._mark_required("amount")
        if "due_at" in self.fields:
            self._mark_required("due_at")
        self.fields["expected_state"].error_messages["invalid_choice"] = _(
            "The form is out of date; reload the page."
        )
        self.fields["expected_state"].error_messages["required"] = _(
            "The form is out of date; reload the page."
        )

    def _mark_required(self, name):
        """Shown as required, but checked by the transition service, whose message
        says what is expected (“Give the motivation of the refusal.”)."""
        field = self.fields[name]
        field.shown_required = True
        field.widget.attrs["aria-required"] = "true"

    @property
    def confirmation(self):
        return CONFIRMATIONS.get(self.transition)

    def transition_data(self) -> dict:
        """What the form sends to ``workflows.services.perform``."""
        return {name: self.cleaned_data[name] for name in self.needs if name in self.cleaned_data}


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachment = forms.FileField(
        label=_("Attach a file (optional)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": uploads.ACCEPT}),
    )
    internal = forms.BooleanField(
        label=_("Internal note (never shown to the applicant)"), required=False
    )

    def __init__(self, *args, allow_internal=False, **kwargs):
        kwargs.setdefault("auto_id", "id_message_%s")
        super().__init__(*args, **kwargs)
        if not allow_internal:
            del self.fields["internal"]
        self.fields["attachment"].help_text = _(
            "One document of 10 MB at most, in one of these formats: %(formats)s."
        ) % {"formats": uploads.FORMATS_TEXT}

    def clean_attachment(self):
        """The file is recognised from its content and given a safe name
        (``calls.uploads``); ``cleaned_data["attachment"]`` is ``(file, inspected)``."""
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        try:
            inspected = uploads.inspect(upload)
        except TransitionError as error:
            raise forms.ValidationError(error.message) from error
        return upload, inspected


class ObservatoryFilterForm(forms.Form):
    """The filters of the observatory's pages: a call, a year, a kind of call, among the
    calls the reader may read. A value that is not one of the choices is ignored (its
    default applies: everything) and named in ``ignored``."""

    call = forms.TypedChoiceField(label=_("Call"), required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind of call"), required=False)

    def __init__(self, calls, data=None):
        query = {key: data[key] for key in self.base_fields if data and data.get(key)}
        super().__init__(query or None)
        self.fields["call"].choices = [("", _("All calls")), *((c.pk, c.title) for c in calls)]
        years = sorted({c.reference_year for c in calls}, reverse=True)
        self.fields["year"].choices = [("", _("All years")), *((y, str(y)) for y in years)]
        self.fields["kind"].choices = [("", _("All kinds")), *Call.Kind.choices]
        self.filters, self.ignored, self.ignored_names = {}, [], []
        if self.is_bound:
            self.is_valid()
            self.ignored_names = list(self.errors)
            self.ignored = [str(self.fields[name].label) for name in self.errors]
            self.filters = {
                name: value for name, value in self.cleaned_data.items() if value not in (None, "")
            }
