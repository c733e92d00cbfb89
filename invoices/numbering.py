"""Correlative invoice numbers: the next one follows the latest of its series and year in the
same pattern.

`2026/0041` → `2026/0042`, `F4-2026` → `F5-2026`, `R2026/0007` → `R2026/0008`: the last run
of digits that is not the year is incremented, keeping its zero padding. A number is also the
record's NumSerieFactura (printable ASCII without `" ' < > =`). Pure functions; the service
holds the lock.
"""

import re

from django.core.exceptions import ValidationError

MAX_LENGTH = 40  # the column that stores it (NumSerieFactura allows 60)
SERIES_MAX_LENGTH = 10

INVALID_NUMBER = "is invalid (use printable ASCII characters, without \" ' < > =)"
INVALID_SERIES = "is invalid (use letters, digits and - _ / . only)"

_DIGITS = re.compile(r"[0-9]+")
# NumSerieFactura: ASCII 32-126 except " ' < > = (AEAT validations 1130, 1287).
_NUMBER = re.compile(r"[ !#-&(-;?-~]+")
_SERIES = re.compile(r"[A-Za-z0-9_./-]*")


def first_number(year: int, series: str = "") -> str:
    """`2026/0001`; in series `R`, `R2026/0001` (a dash when the series ends in a digit)."""
    separator = "-" if series[-1:].isdigit() else ""
    return f"{series}{separator}{year}/0001"


def increment(number: str, year: int) -> str:
    runs = [match for match in _DIGITS.finditer(number) if match.group() != str(year)]
    if not runs:
        return f"{number}-2" if number else first_number(year)
    run = runs[-1]
    digits = run.group()
    following = str(int(digits) + 1).zfill(len(digits))
    return f"{number[:run.start()]}{following}{number[run.end():]}"


def validate_number(number: str) -> None:
    if not _NUMBER.fullmatch(number) or number != number.strip():
        raise ValidationError(INVALID_NUMBER, code="invalid")


def validate_series(series: str) -> None:
    if not _SERIES.fullmatch(series):
        raise ValidationError(INVALID_SERIES, code="invalid")
