"""Forms of the nominations by a third party (``calls.nominations``): they parse what
was typed; the rules are checked by the service, whose messages are shown next to the
fields they concern."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.validators import normalize_rna, normalize_siret, validate_rna, validate_siret


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        identifier = obj.siret or obj.rna
        return f"{obj.name} ({identifier})" if identifier else obj.name


class NominationForm(forms.Form):
    nominating_organization = OrganizationChoiceField(
        label=_("On behalf of"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("The organisation that nominates the action."),
    )
    organization = OrganizationChoiceField(
        label=_("Organisation that carries the action"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— Not in the list: I name it below —"),
        help_text=_("Choose it if it already has its page here; otherwise name it below."),
    )
    new_name = forms.CharField(
        label=_("Name of the organisation"),
        max_length=200,
        required=False,
        help_text=_("As registered, for example Association Les Jardins de la Bastide."),
    )
    new_kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=Organization.Kind.choices,
        initial=Organization.Kind.ASSOCIATION,
        required=False,
    )
    new_siret = forms.CharField(
        label=_("SIRET (if known)"),
        max_length=20,
        required=False,
        help_text=_("14 digits. An organisation already known with this SIRET is used."),
    )
    new_rna = forms.CharField(
        label=_("RNA number (if known)"),
        max_length=12,
        required=False,
        help_text=_("W followed by 9 digits."),
    )
    new_contact_email = forms.EmailField(
        label=_("Contact email of the organisation (if known)"),
        required=False,
        help_text=_("It is told of the nomination at this address."),
        error_messages={"invalid": _("Give an email address, for example contact@example.org.")},
    )
    new_address = forms.CharField(
        label=_("Postal address of the organisation (if known)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        required=False,
        help_text=_("Without an email address, the City tells it of the nomination by post."),
    )
    new_phone = forms.CharField(
        label=_("Phone number of the organisation (if known)"),
        max_length=30,
        required=False,
    )
    title = forms.CharField(
        label=_("Title of the action"),
        max_length=200,
        error_messages={"required": _("Give the title of the action.")},
    )
    summary = forms.CharField(
        label=_("The action in a few lines"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": _("Describe the action in a few lines.")},
    )
    motivation = forms.CharField(
        label=_("Why you nominate it"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_("Shown to the carrying organisation and to the jury."),
        error_messages={"required": _("Say why you nominate this action.")},
    )

    NEW_FIELDS = (
        "new_name",
        "new_siret",
        "new_rna",
        "new_contact_email",
        "new_address",
        "new_phone",
    )

    def __init__(self, *args, nominating, carriers, staff=False, **kwargs):
        kwargs.setdefault("auto_id", "id_nomination_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["nominating_organization"]
        field.queryset = nominating
        if staff:
            field.empty_label = _("The City services (no organisation)")
        else:
            field.required = True
            field.empty_label = None
            field.error_messages["required"] = _(
                "Choose the organisation on whose behalf you nominate."
            )
        self.fields["organization"].queryset = carriers

    def clean_new_siret(self):
        value = normalize_siret(self.cleaned_data.get("new_siret", ""))
        if value:
            validate_siret(value)
        return value

    def clean_new_rna(self):
        value = normalize_rna(self.cleaned_data.get("new_rna", ""))
        if value:
            validate_rna(value)
        return value

    def clean(self):
        data = super().clean()
        named = any(data.get(name) for name in self.NEW_FIELDS)
        if data.get("organization") is not None and named:
            self.add_error(
                "new_name",
                _(
                    "You chose an organisation in the list: leave these fields empty, or choose "
                    "“Not in the list”."
                ),
            )
        elif (
            data.get("organization") is None
            and not self.has_error("organization")
            and not named
            and not self.errors.keys() & set(self.NEW_FIELDS)
        ):
            self.add_error(
                "organization",
                _("Choose the organisation that carries the action, or name it below."),
            )
        return data


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you decline (optional)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text=_("The person who nominated the action and the City services will read it."),
    )


class StaffAnswerForm(forms.Form):
    """The answer a carrying organisation gave the City by post, by phone or at the
    counter, recorded by staff on its behalf."""

    ACCEPT, DECLINE = "accept", "decline"

    answer = forms.ChoiceField(
        label=_("The organisation's answer"),
        choices=[(ACCEPT, _("It accepts the nomination")), (DECLINE, _("It declines it"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say whether the organisation accepts or declines."),
            "invalid_choice": _("Say whether the organisation accepts or declines."),
        },
    )
    channel = forms.ChoiceField(
        label=_("How did the answer reach the City?"),
        choices=[],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how the answer reached the City."),
            "invalid_choice": _("Choose one of the channels of the list."),
        },
    )
    reason = forms.CharField(
        label=_("Reason given for declining (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("Only for a refusal. The person who nominated the action will read it."),
    )

    def __init__(self, *args, channels=(), **kwargs):
        kwargs.setdefault("auto_id", "id_answer_%s")
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = list(channels)
