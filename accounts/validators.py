"""Checks of French organisation identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret

RNA_RE = re.compile(r"^W\d{9}$")


def normalize_siret(value: str) -> str:
    return siret.compact(value or "")


def validate_siret(value: str) -> None:
    """A SIRET is 14 digits with a Luhn check digit (La Poste's establishments excepted).

    python-stdnum implements both the Luhn check and La Poste's exception (SIREN
    356 000 000, whose establishments use a digit sum divisible by 5)."""
    try:
        siret.validate(value)
    except StdnumError as error:
        compact = normalize_siret(value)
        if not compact.isdigit() or len(compact) != 14:
            raise ValidationError(
                _("A SIRET number has exactly 14 digits (you entered “%(value)s”)."),
                code="siret_format",
                params={"value": value},
            ) from error
        raise ValidationError(
            _(
                "This SIRET number is not valid: its check digit is wrong. Check it on your "
                "INSEE registration notice."
            ),
            code="siret_checksum",
        ) from error


def normalize_rna(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_rna(value: str) -> None:
    """An RNA number is the letter W followed by 9 digits (e.g. W332012345)."""
    if not RNA_RE.match(normalize_rna(value)):
        raise ValidationError(
            _("An RNA number is the letter W followed by 9 digits, for example W332012345."),
            code="rna_format",
        )
