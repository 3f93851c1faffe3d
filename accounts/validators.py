"""Checks of French organisation identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret

RNA_RE = re.compile(r"^W\d{9}$")


def normalize_address(value: str) -> str:
    """A postal address as it is printed on a letter: one line per line of the address,
    each without surrounding spaces, no empty line, and ``\\n`` between lines whatever
    the browser sent (a textarea submits ``\\r\\n``)."""
    lines = (line.strip() for line in (value or "").splitlines())
    return "\n".join(line for line in lines if line)


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


# An organisation's name is shown in the City's emails (invitations): it may carry no
# web address and no email address, which would turn those emails into a relay for
# phishing ("Ville de Bordeaux – https://…").
_LINK_RE = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|\bwww\d?\.|\b(?:https?|ftp)\b\s*:|"
    r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:fr|com|org|net|eu|info|io|co|me|biz|gouv|"
    r"site|online|app|xyz|ly|link|page|top|click|shop|be|ch|de|uk|us|ru|cn|tk)\b)",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"[^\s@]+@[^\s@]+")


def validate_organization_name(value: str) -> None:
    if _EMAIL_RE.search(value or ""):
        raise ValidationError(
            _(
                "The name may not contain an email address: it is shown in the emails the "
                "City sends. Give the contact address in the field below."
            ),
            code="email_in_name",
        )
    if _LINK_RE.search(value or ""):
        raise ValidationError(
            _(
                "The name may not contain a web address: it is shown in the emails the City "
                "sends. Write the name as registered, without a link."
            ),
            code="link_in_name",
        )
