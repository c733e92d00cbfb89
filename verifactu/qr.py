"""The URL a VERI*FACTU invoice's QR code carries (Orden HAC/1177/2024 arts. 20–21).

AEAT, "Detalle de las especificaciones técnicas del código QR de la factura", v0.5.0
(10/12/2025): §5.1 gives the two addresses of a system that issues verifiable invoices,
§6 the four parameters and their order (nothing else may be added to the QR's URL: not
`formato`, not `idioma`, not the hash), §4 the encoding of their values: "URL encoding",
UTF-8, shown in §4.1 with Java's `URLEncoder.encode(value, "UTF-8")`, so `&` in a number
becomes `%26` and a space `+`. `_encode` is that function, character for character.

The values are the record's literals (the strings its XML carries and its huella hashed):
the AEAT's lookup compares them with what it registered and has no tolerance.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus

BASES = {
    "test": "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR",
    "production": "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR",
}

# Error messages (tests assert them).
UNKNOWN_ENVIRONMENT = "environment must be 'test' or 'production'"
BAD_NIF = "nif must be 9 capital letters or digits"
BAD_NUMBER = "numserie must be 1 to 60 printable ASCII characters"
BAD_DATE = "fecha must be DD-MM-AAAA"
BAD_AMOUNT = "importe must be up to 12 integer digits and 2 decimals, with '.' (Imp12.2)"

_NIF = re.compile("[0-9A-Z]{9}")
_NUMBER = re.compile("[ -~]{1,60}")
_DATE = re.compile(r"\d{2}-\d{2}-\d{4}")
_AMOUNT = re.compile(r"[+-]?\d{1,12}(\.\d{1,2})?")


def _encode(value: str) -> str:
    # java.net.URLEncoder keeps A–Z a–z 0–9 . - * _ and writes a space as "+"; Python's
    # quote_plus keeps ~ too and encodes *: the two differ only there.
    return quote_plus(value, safe="*", encoding="utf-8").replace("~", "%7E")


def qr_url(
    *, environment: str, issuer_nif: str, number: str, issue_date: str, total_amount: str
) -> str:
    """`qr_url(environment="test", issuer_nif="89890001K", number="12345678&G33",
    issue_date="01-01-2024", total_amount="241.40")` →
    `https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=89890001K&numserie=12345678%26G33&fecha=01-01-2024&importe=241.40`
    """
    base = BASES.get(environment)
    if base is None:
        raise ValueError(UNKNOWN_ENVIRONMENT)
    if not _NIF.fullmatch(issuer_nif):
        raise ValueError(BAD_NIF)
    if not _NUMBER.fullmatch(number):
        raise ValueError(BAD_NUMBER)
    if not _DATE.fullmatch(issue_date):
        raise ValueError(BAD_DATE)
    if not _AMOUNT.fullmatch(total_amount):
        raise ValueError(BAD_AMOUNT)
    return (
        f"{base}?nif={_encode(issuer_nif)}&numserie={_encode(number)}"
        f"&fecha={_encode(issue_date)}&importe={_encode(total_amount)}"
    )
