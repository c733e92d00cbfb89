"""Correlative invoice numbers: the next one follows the latest of its series and year in the
same pattern.

`2026/0041` → `2026/0042`, `F4-2026` → `F5-2026`, `R2026/0007` → `R2026/0008`: in the
series' own pattern (`first_number`'s) its counter is incremented, whatever its value
(`2026/2026` → `2026/2027`); in a pattern of the user's, the last run of digits that is not
the year. Either keeps its zero padding. A number is also the
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
    return f"{_own_prefix(year, series)}0001"


def _own_prefix(year: int, series: str) -> str:
    separator = "-" if series[-1:].isdigit() else ""
    return f"{series}{separator}{year}/"


def _own_counter(number: str, year: int, series: str) -> str | None:
    """The counter of a number in the series' own pattern (`first_number`'s), else None:
    there the counter is known, whatever its value (the year's own value included)."""
    prefix = _own_prefix(year, series)
    counter = number[len(prefix):]
    if number.startswith(prefix) and counter.isascii() and counter.isdigit():
        return counter
    return None


def increment(number: str, year: int, series: str = "") -> str:
    counter = _own_counter(number, year, series)
    if counter is not None:  # `2026/2026` is the 2026th of 2026, followed by `2026/2027`
        prefix = number[: len(number) - len(counter)]
        return prefix + str(int(counter) + 1).zfill(len(counter))
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
