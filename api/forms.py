from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import ApiToken
from .services import LIFETIMES


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the token"),
        max_length=100,
        help_text=_("What it is for, e.g. “Finance system export”."),
        error_messages={"required": _("Give the token a name, to recognise it later.")},
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text=_(
            "Read only: the token reads what you may read. Read and write: it may also act "
            "on dossiers as you would."
        ),
    )
    lifetime = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        choices=[
            (days, ngettext_lazy("%(days)d day", "%(days)d days", days) % {"days": days})
            for days in LIFETIMES
        ],
        initial=90,
    )
