"""The literals of a VERI*FACTU record, written once.

The huella is computed over the strings the XML carries, so every amount, rate, date and
timestamp is turned into text here and only here; the record keeps the exact strings it
hashed (`BuiltRecord`), and nothing ever re-formats them.

- Amounts (`ImporteSgn12.2Type`, "Imp12.2"): `123.45`, `-21.00`, `0.00`: always two
  decimals, rounded half-up, never a float, never a sign on positive values nor on zero.
- Rates (`Tipo2.2Type`): `21.00`, `5.20`, `7.50`, `1.75`. The schema accepts `21`, `21.0` and
  `21.00` alike and rates are not hashed, so the choice is ours: two decimals always,
  because the AEAT's record design gives the rate as Decimal (3,2), because rates such as
  1.75 and 0.26 need two decimals anyway (one fixed width is one spelling per rate, which
  a reader or a diff can compare), and because it matches the tax engine's own rates.
- Dates (`fecha`): `dd-mm-yyyy`.
- FechaHoraHusoGenRegistro: `YYYY-MM-DDThh:mm:ss±hh:mm` in Europe/Madrid, whole seconds.
  The schema's xs:dateTime accepts fractions, `Z` and `+02:00:00`-style offsets; the AEAT
  rejects fractions and odd offsets (error 1244), so only this shape is ever written.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

MADRID = ZoneInfo("Europe/Madrid")

_CENT = Decimal("0.01")
_AMOUNT_LIMIT = Decimal("1000000000000")  # 10^12: Imp12.2 has at most 12 integer digits
_RATE_LIMIT = Decimal("1000")  # Tipo2.2: at most 3 integer digits, never negative

# Error messages (tests assert them).
NOT_DECIMAL = "must be a Decimal or an int, never a float"
NOT_FINITE = "must be a finite number"
AMOUNT_TOO_LARGE = "has more than 12 integer digits (Imp12.2)"
RATE_NEGATIVE = "a rate cannot be negative (Tipo2.2)"
RATE_TOO_LARGE = "a rate has at most 3 integer digits (Tipo2.2)"
NOT_A_DATE = "must be a datetime.date (not a datetime)"
NAIVE_DATETIME = "must be an aware datetime (a naive one has no offset to write)"


def _decimal(value: Decimal | int) -> Decimal:
    # bool is an int; a True amount is a bug, not a one.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(NOT_DECIMAL)
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(NOT_FINITE)
    return number


def _two_decimals(number: Decimal, limit: Decimal, too_large: str) -> str:
    # Compared before rounding too: quantize() of a huge number would overflow the context.
    if not -limit < number < limit:
        raise ValueError(too_large)
    rounded = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    if not -limit < rounded < limit:  # 999999999999.995 rounds up to 10^12
        raise ValueError(too_large)
    # -0.004 rounds to -0.00, and Decimal keeps the sign of zero: the AEAT gets 0.00.
    return f"{rounded:f}" if rounded else "0.00"


def amount(value: Decimal | int) -> str:
    """`Decimal("-21") → "-21.00"`; half-up to the cent; at most 12 integer digits."""
    return _two_decimals(_decimal(value), _AMOUNT_LIMIT, AMOUNT_TOO_LARGE)


def rate(value: Decimal | int) -> str:
    """`Decimal("5.2") → "5.20"`; half-up to two decimals; 0 ≤ rate < 1000."""
    text = _two_decimals(_decimal(value), _RATE_LIMIT, RATE_TOO_LARGE)
    if text.startswith("-"):
        raise ValueError(RATE_NEGATIVE)
    return text


def date(value: datetime.date) -> str:
    """`date(2027, 1, 4) → "04-01-2027"`."""
    # A datetime is a date too, but which day it is depends on a zone: refuse to guess.
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise TypeError(NOT_A_DATE)
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"


def timestamp(value: datetime.datetime) -> str:
    """An aware datetime as the Madrid wall clock: `"2027-01-04T10:15:00+01:00"`.

    Fractions of a second are dropped (truncated, so a record is never stamped later than
    it was generated)."""
    if not isinstance(value, datetime.datetime):
        raise TypeError(NAIVE_DATETIME)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(NAIVE_DATETIME)
    local = value.astimezone(MADRID).replace(microsecond=0)
    # isoformat() of a whole-minute offset is "+01:00"; Madrid's offsets always are.
    return local.isoformat()
