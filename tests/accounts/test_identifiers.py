"""SIRET and RNA checks of organisations (accounts.validators)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from stdnum import luhn
from stdnum.fr import siret as stdnum_siret

from accounts.models import Organization
from accounts.validators import normalize_rna, normalize_siret, validate_rna, validate_siret

VALID_SIRET = "73282932000074"
BAD_CHECK_DIGIT_SIRET = "73282932000075"
# La Poste (SIREN 356 000 000): its establishments' SIRET fail the Luhn check; their
# digits add up to a multiple of 5 instead.
LA_POSTE_SIRET = "35600000049837"
LA_POSTE_BAD_SIRET = "35600000049838"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def organization(**kwargs):
    fields = {"name": "Les Amis du Quai", "kind": Organization.Kind.ASSOCIATION}
    fields.update(kwargs)
    return Organization(**fields)


def error_of(validator, value):
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


# SIRET ---------------------------------------------------------------------------------


def test_valid_siret():
    validate_siret(VALID_SIRET)
    organization(siret=VALID_SIRET).full_clean()


def test_siret_with_spaces_is_accepted_by_the_validator_and_compacted():
    validate_siret("732 829 320 00074")
    assert normalize_siret("732 829 320 00074") == VALID_SIRET


def test_siret_with_a_wrong_check_digit():
    error = error_of(validate_siret, BAD_CHECK_DIGIT_SIRET)
    assert error.code == "siret_checksum"
    assert "check digit is wrong" in error.messages[0]

    with pytest.raises(ValidationError) as caught:
        organization(siret=BAD_CHECK_DIGIT_SIRET).full_clean()
    assert [e.code for e in caught.value.error_dict["siret"]] == ["siret_checksum"]


def test_la_poste_siret_is_valid_although_the_luhn_check_fails():
    assert not luhn.is_valid(LA_POSTE_SIRET)
    assert stdnum_siret.is_valid(LA_POSTE_SIRET)
    validate_siret(LA_POSTE_SIRET)
    organization(kind=Organization.Kind.INSTITUTIONAL, siret=LA_POSTE_SIRET).full_clean()


def test_la_poste_siret_must_still_pass_its_own_check():
    assert sum(int(digit) for digit in LA_POSTE_BAD_SIRET) % 5 != 0
    assert error_of(validate_siret, LA_POSTE_BAD_SIRET).code == "siret_checksum"


@pytest.mark.parametrize(
    "value", ["7328293200007", "732829320000745", "7328293200007A", "ABCDEFGHIJKLMN", "-"]
)
def test_siret_of_the_wrong_length_or_format(value):
    error = error_of(validate_siret, value)
    assert error.code == "siret_format"
    assert "exactly 14 digits" in error.messages[0]
    assert value in error.messages[0]


def test_siret_format_error_through_the_model():
    with pytest.raises(ValidationError) as caught:
        organization(siret="7328293200007").full_clean()
    assert [e.code for e in caught.value.error_dict["siret"]] == ["siret_format"]


# RNA -----------------------------------------------------------------------------------


def test_valid_rna():
    validate_rna("W332012345")
    org = organization(rna="W332012345")
    org.full_clean()
    assert org.rna == "W332012345"


def test_lowercase_rna_is_accepted_and_normalised_by_full_clean():
    org = organization(rna="w332012345")
    org.full_clean()
    assert org.rna == "W332012345"
    assert normalize_rna("w332012345") == "W332012345"


@pytest.mark.parametrize(
    "value", ["W12345678", "X123456789", "W1234567890", "W33201234A", "332012345"]
)
def test_invalid_rna(value):
    error = error_of(validate_rna, value)
    assert error.code == "rna_format"
    assert "W followed by 9 digits" in error.messages[0]

    with pytest.raises(ValidationError) as caught:
        organization(rna=value).full_clean()
    assert "rna" in caught.value.error_dict


def test_association_without_rna_is_valid():
    """Associations registered in Moselle, Bas-Rhin or Haut-Rhin (local law) have no RNA."""
    org = organization(rna="", siret="")
    org.full_clean()
    assert org.is_association
    assert org.rna == ""


def test_association_without_rna_but_with_siret_is_valid():
    organization(rna="", siret=VALID_SIRET).full_clean()


def test_siret_and_rna_typed_with_spaces_are_normalised():
    organization = Organization(
        name="Association des Chartrons",
        kind=Organization.Kind.ASSOCIATION,
        siret="732 829 320 00074",
        rna=" w332012345 ",
    )
    organization.full_clean()
    assert organization.siret == "73282932000074"
    assert organization.rna == "W332012345"
