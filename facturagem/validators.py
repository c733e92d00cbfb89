"""Tax ids and bank accounts, checked by python-stdnum rather than by code of our own."""

import re

from django.core.exceptions import ValidationError
from stdnum import iban as stdnum_iban
from stdnum.es import nif as es_nif
from stdnum.eu import vat as eu_vat

from countries.data import EU_MEMBERS

INVALID_SPANISH_TAX_ID = "is not a valid Spanish NIF, NIE or CIF"
INVALID_EU_VAT = "is not a valid EU VAT number for {country}"
INVALID_IBAN = "is not a valid IBAN"
INVALID_DIR3 = "is not a DIR3 code (letters and digits, at most 10, e.g. L01280796)"

_SEPARATORS = re.compile(r"[^0-9A-Za-z]")


def normalize_tax_id(value: str) -> str:
    """Upper case, without spaces, dots, dashes or slashes: `b-12.345.678` → `B12345678`."""
    return _SEPARATORS.sub("", value or "").upper()


def validate_tax_id(tax_id: str, country: str | None) -> None:
    """Spanish ids for ES; an EU VAT number (with or without its prefix) for other EU states.

    Elsewhere a tax id has no checksum we can verify, so any value is kept as given.
    """
    if not tax_id:
        return
    country = (country or "").upper()
    if country == "ES":
        number = tax_id[2:] if tax_id.startswith("ES") else tax_id
        if not es_nif.is_valid(number):
            raise ValidationError(INVALID_SPANISH_TAX_ID, code="invalid_tax_id")
    elif country in EU_MEMBERS:
        prefix = "EL" if country == "GR" else country
        number = tax_id if tax_id.startswith(prefix) else prefix + tax_id
        if not eu_vat.is_valid(number):
            raise ValidationError(
                INVALID_EU_VAT.format(country=country), code="invalid_tax_id"
            )


def normalize_iban(value: str) -> str:
    return stdnum_iban.compact(value or "")


def validate_iban(value: str) -> None:
    if value and not stdnum_iban.is_valid(value):
        raise ValidationError(INVALID_IBAN, code="invalid_iban")


_DIR3 = re.compile(r"[A-Z0-9]{1,10}")


def normalize_dir3(value: str) -> str:
    """`l0128 0796` → `L01280796`: DIR3 codes are upper-case letters and digits."""
    return "".join((value or "").split()).upper()


def validate_dir3(value: str) -> None:
    if value and not _DIR3.fullmatch(value):
        raise ValidationError(INVALID_DIR3, code="invalid_dir3")
