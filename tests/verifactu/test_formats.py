"""The literals of a VERI*FACTU record (`verifactu.formats`): what the XML carries and the
huella hashes, so each one has exactly one spelling."""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifactu import formats

D = Decimal
UTC = datetime.UTC
IMP_12_2 = re.compile(r"(\+|-)?\d{1,12}(\.\d{0,2})?")  # ImporteSgn12.2Type
TIPO_2_2 = re.compile(r"\d{1,3}(\.\d{0,2})?")  # Tipo2.2Type
AEAT_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")

# --------------------------------------------------------------------------------------
# Amounts (Imp12.2)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (D("123.45"), "123.45"),
        (D("-21"), "-21.00"),
        (D("12.3"), "12.30"),
        (D("0"), "0.00"),
        (21, "21.00"),
        (D("1E+2"), "100.00"),
        (D("999999999999.99"), "999999999999.99"),
        (D("-999999999999.99"), "-999999999999.99"),
    ],
)
def test_an_amount_always_has_two_decimals_and_a_sign_only_when_negative(value, literal):
    assert formats.amount(value) == literal


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (D("0.005"), "0.01"),
        (D("-0.005"), "-0.01"),  # half-up is away from zero, for negatives too
        (D("2.675"), "2.68"),  # the classic float trap (2.675 is 2.67499… as a float)
        (D("1.004999"), "1.00"),
        (D("123.445"), "123.45"),
    ],
)
def test_an_amount_is_rounded_half_up_to_the_cent(value, literal):
    assert formats.amount(value) == literal


@pytest.mark.parametrize("value", [D("-0"), D("-0.00"), D("-0.004"), D("-0.0049")])
def test_negative_zero_is_written_as_zero(value):
    assert formats.amount(value) == "0.00"


@pytest.mark.parametrize("value", [1.5, 0.0, True, "12.00", None])
def test_an_amount_that_is_not_a_decimal_or_an_int_is_refused(value):
    with pytest.raises(TypeError, match=re.escape(formats.NOT_DECIMAL)):
        formats.amount(value)


@pytest.mark.parametrize("value", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_an_amount_that_is_not_finite_is_refused(value):
    with pytest.raises(ValueError, match=formats.NOT_FINITE):
        formats.amount(value)


@pytest.mark.parametrize(
    "value", [D("1000000000000"), D("-1000000000000"), D("999999999999.995"), D("1E+40")]
)
def test_an_amount_with_more_than_twelve_integer_digits_is_refused(value):
    with pytest.raises(ValueError, match=re.escape(formats.AMOUNT_TOO_LARGE)):
        formats.amount(value)


@given(
    st.decimals(
        min_value=D("-999999999999.99"),
        max_value=D("999999999999.99"),
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_every_amount_literal_matches_the_schema_and_is_the_value_rounded_half_up(value):
    literal = formats.amount(value)
    assert IMP_12_2.fullmatch(literal)
    assert re.fullmatch(r"-?\d+\.\d\d", literal)
    assert D(literal) == value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------
# Rates (Tipo2.2)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (D("21"), "21.00"),
        (21, "21.00"),
        (D("5.2"), "5.20"),
        (D("7.5"), "7.50"),
        (D("1.75"), "1.75"),
        (D("0.26"), "0.26"),
        (D("0"), "0.00"),
        (D("0.265"), "0.27"),
        (D("999.99"), "999.99"),
    ],
)
def test_a_rate_is_written_with_two_decimals(value, literal):
    assert formats.rate(value) == literal
    assert TIPO_2_2.fullmatch(literal)


def test_a_negative_rate_is_refused():
    with pytest.raises(ValueError, match=re.escape(formats.RATE_NEGATIVE)):
        formats.rate(D("-1"))


def test_a_rate_with_more_than_three_integer_digits_is_refused():
    with pytest.raises(ValueError, match=re.escape(formats.RATE_TOO_LARGE)):
        formats.rate(D("1000"))


def test_a_float_rate_is_refused():
    with pytest.raises(TypeError, match=re.escape(formats.NOT_DECIMAL)):
        formats.rate(21.0)


# --------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (datetime.date(2027, 1, 4), "04-01-2027"),
        (datetime.date(2024, 12, 31), "31-12-2024"),
        (datetime.date(2028, 2, 29), "29-02-2028"),
    ],
)
def test_a_date_is_day_month_year_with_dashes(value, literal):
    assert formats.date(value) == literal


@pytest.mark.parametrize(
    "value", [datetime.datetime(2027, 1, 4, 23, 30, tzinfo=UTC), "2027-01-04", None]
)
def test_a_date_must_be_a_date_and_not_a_datetime(value):
    with pytest.raises(TypeError, match=re.escape(formats.NOT_A_DATE)):
        formats.date(value)


# --------------------------------------------------------------------------------------
# FechaHoraHusoGenRegistro
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "literal"),
    [
        # Winter: CET, +01:00.
        (datetime.datetime(2027, 1, 4, 9, 15, tzinfo=UTC), "2027-01-04T10:15:00+01:00"),
        # Summer: CEST, +02:00.
        (datetime.datetime(2027, 7, 1, 8, 0, 5, tzinfo=UTC), "2027-07-01T10:00:05+02:00"),
        # Spring forward (28 March 2027, 01:00 UTC): the last second of +01:00, then +02:00.
        (datetime.datetime(2027, 3, 28, 0, 59, 59, tzinfo=UTC), "2027-03-28T01:59:59+01:00"),
        (datetime.datetime(2027, 3, 28, 1, 0, 0, tzinfo=UTC), "2027-03-28T03:00:00+02:00"),
        # Fall back (31 October 2027): 02:30 happens twice, and the offset tells which.
        (datetime.datetime(2027, 10, 31, 0, 30, tzinfo=UTC), "2027-10-31T02:30:00+02:00"),
        (datetime.datetime(2027, 10, 31, 1, 30, tzinfo=UTC), "2027-10-31T02:30:00+01:00"),
        # New Year's Eve in UTC is already the new year in Madrid.
        (datetime.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "2027-01-01T00:30:00+01:00"),
    ],
)
def test_the_generation_time_is_written_as_madrid_wall_clock_with_its_offset(moment, literal):
    assert formats.timestamp(moment) == literal


def test_a_generation_time_in_another_zone_is_converted_to_madrid():
    in_new_york = datetime.datetime(2027, 1, 4, 4, 15, tzinfo=ZoneInfo("America/New_York"))
    assert formats.timestamp(in_new_york) == "2027-01-04T10:15:00+01:00"
    in_madrid = datetime.datetime(2027, 1, 4, 10, 15, tzinfo=ZoneInfo("Europe/Madrid"))
    assert formats.timestamp(in_madrid) == "2027-01-04T10:15:00+01:00"


def test_fractions_of_a_second_are_dropped_never_rounded_up():
    moment = datetime.datetime(2027, 1, 4, 9, 15, 59, 999_999, tzinfo=UTC)
    assert formats.timestamp(moment) == "2027-01-04T10:15:59+01:00"


def test_a_naive_generation_time_is_refused():
    with pytest.raises(ValueError, match=re.escape(formats.NAIVE_DATETIME)):
        formats.timestamp(datetime.datetime(2027, 1, 4, 10, 15))


def test_a_generation_time_must_be_a_datetime():
    with pytest.raises(TypeError, match=re.escape(formats.NAIVE_DATETIME)):
        formats.timestamp(datetime.date(2027, 1, 4))


@given(
    st.datetimes(
        min_value=datetime.datetime(2024, 10, 28),
        max_value=datetime.datetime(2099, 12, 31),
        timezones=st.just(UTC),
    )
)
def test_every_generation_time_has_the_shape_the_aeat_accepts_and_the_same_instant(moment):
    literal = formats.timestamp(moment)
    assert AEAT_TIMESTAMP.fullmatch(literal)
    assert literal[-6:] in ("+01:00", "+02:00")
    assert datetime.datetime.fromisoformat(literal) == moment.replace(microsecond=0)
