"""Specification tests for the tax engine (``invoices.taxes``).

The worked cases are computed by hand in the comments; expected figures are
compared as strings so that both the value and the two decimal places are checked.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Context, Decimal, localcontext
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoices.taxes import (
    IVA_RATES,
    SURCHARGE_RATES,
    Breakdown,
    InvalidIvaRate,
    InvalidPercent,
    InvalidTreatment,
    LineInput,
    LineResult,
    TaxRow,
    compute,
    money,
    surcharge_percent_for,
)

D = Decimal
FIGURES = ("subtotal", "discount", "tax_base", "iva", "surcharge", "irpf", "total")


def line(quantity: str, price: str, iva: str, discount: str = "0") -> LineInput:
    return LineInput(D(quantity), D(price), D(iva), D(discount))


# --------------------------------------------------------------------------------------
# Worked cases
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    lines: tuple[LineInput, ...]
    line_totals: tuple[str, ...]
    # (iva_percent, base, iva, surcharge_percent, surcharge), highest rate first
    rows: tuple[tuple[str, str, str, str, str], ...]
    # subtotal, discount, tax_base, iva, surcharge, irpf, total
    figures: tuple[str, str, str, str, str, str, str]
    options: dict[str, Any] = field(default_factory=dict)


CASES = [
    pytest.param(
        # 100 x 1.00 = 100.00; IVA 21% of 100.00 = 21.00; total 121.00
        Case(
            lines=(line("100", "1", "21"),),
            line_totals=("100.00",),
            rows=(("21.00", "100.00", "21.00", "0.00", "0.00"),),
            figures=("100.00", "0.00", "100.00", "21.00", "0.00", "0.00", "121.00"),
        ),
        id="single-21",
    ),
    pytest.param(
        # 10 x 50.00 = 500.00 at 21% -> IVA 105.00
        # 2 x 100.00 = 200.00 at 10% -> IVA 20.00
        # IRPF 15% of 700.00 = 105.00; total 700.00 + 125.00 - 105.00 = 720.00
        Case(
            lines=(line("10", "50.00", "21"), line("2", "100.00", "10")),
            line_totals=("500.00", "200.00"),
            rows=(
                ("21.00", "500.00", "105.00", "0.00", "0.00"),
                ("10.00", "200.00", "20.00", "0.00", "0.00"),
            ),
            figures=("700.00", "0.00", "700.00", "125.00", "0.00", "105.00", "720.00"),
            options={"irpf_percent": D("15")},
        ),
        id="two-rates-irpf-15",
    ),
    pytest.param(
        # 3 x 19.99 = 59.97, less 10% -> 53.973 -> 53.97
        # IVA 21% of 53.97 = 11.3337 -> 11.33; total 65.30
        Case(
            lines=(line("3", "19.99", "21", "10"),),
            line_totals=("53.97",),
            rows=(("21.00", "53.97", "11.33", "0.00", "0.00"),),
            figures=("53.97", "0.00", "53.97", "11.33", "0.00", "0.00", "65.30"),
        ),
        id="line-discount",
    ),
    pytest.param(
        # Invoice discount 50% applied per rate:
        #   21%: 10.01 x 0.5 = 5.005 -> 5.01; IVA 1.0521 -> 1.05
        #   10%: 10.01 x 0.5 = 5.005 -> 5.01; IVA 0.501 -> 0.50
        # tax_base = 10.02, so discount = 20.02 - 10.02 = 10.00 exactly
        # (50% of the subtotal would have been 10.01 and the figures would not add up).
        Case(
            lines=(line("1", "10.01", "21"), line("1", "10.01", "10")),
            line_totals=("10.01", "10.01"),
            rows=(
                ("21.00", "5.01", "1.05", "0.00", "0.00"),
                ("10.00", "5.01", "0.50", "0.00", "0.00"),
            ),
            figures=("20.02", "10.00", "10.02", "1.55", "0.00", "0.00", "11.57"),
            options={"discount_percent": D("50")},
        ),
        id="invoice-discount-rounds-per-rate",
    ),
    pytest.param(
        # Recargo de equivalencia on 100.00 at each rate (lines keep input order,
        # rows are sorted by rate descending):
        #   21% -> IVA 21.00, recargo 5.20%  = 5.20
        #   10% -> IVA 10.00, recargo 1.40%  = 1.40
        #    4% -> IVA  4.00, recargo 0.50%  = 0.50
        # total 300.00 + 35.00 + 7.10 = 342.10
        Case(
            lines=(line("1", "100", "4"), line("1", "100", "21"), line("1", "100", "10")),
            line_totals=("100.00", "100.00", "100.00"),
            rows=(
                ("21.00", "100.00", "21.00", "5.20", "5.20"),
                ("10.00", "100.00", "10.00", "1.40", "1.40"),
                ("4.00", "100.00", "4.00", "0.50", "0.50"),
            ),
            figures=("300.00", "0.00", "300.00", "35.00", "7.10", "0.00", "342.10"),
            options={"equivalence_surcharge": True},
        ),
        id="recargo-21-10-4",
    ),
    pytest.param(
        # 33.33 at 21% with recargo: IVA 6.9993 -> 7.00; recargo 5.2% = 1.73316 -> 1.73
        # total 33.33 + 7.00 + 1.73 = 42.06
        Case(
            lines=(line("1", "33.33", "21"),),
            line_totals=("33.33",),
            rows=(("21.00", "33.33", "7.00", "5.20", "1.73"),),
            figures=("33.33", "0.00", "33.33", "7.00", "1.73", "0.00", "42.06"),
            options={"equivalence_surcharge": True},
        ),
        id="recargo-rounding",
    ),
    pytest.param(
        # 1 x 0.0050 = 0.005 -> 0.01 (half up); IVA 0.0021 -> 0.00
        Case(
            lines=(line("1", "0.0050", "21"),),
            line_totals=("0.01",),
            rows=(("21.00", "0.01", "0.00", "0.00", "0.00"),),
            figures=("0.01", "0.00", "0.01", "0.00", "0.00", "0.00", "0.01"),
        ),
        id="half-up-0.005",
    ),
    pytest.param(
        # 1 x 2.675 = 2.675 -> 2.68 (float round(2.675, 2) gives 2.67)
        # IVA 2.68 x 0.21 = 0.5628 -> 0.56; total 3.24
        Case(
            lines=(line("1", "2.675", "21"),),
            line_totals=("2.68",),
            rows=(("21.00", "2.68", "0.56", "0.00", "0.00"),),
            figures=("2.68", "0.00", "2.68", "0.56", "0.00", "0.00", "3.24"),
        ),
        id="half-up-2.675",
    ),
    pytest.param(
        # IVA 21% of 12.50 = 2.625 -> 2.63 (banker's rounding would give 2.62)
        Case(
            lines=(line("1", "12.50", "21"),),
            line_totals=("12.50",),
            rows=(("21.00", "12.50", "2.63", "0.00", "0.00"),),
            figures=("12.50", "0.00", "12.50", "2.63", "0.00", "0.00", "15.13"),
        ),
        id="half-up-iva-2.625",
    ),
    pytest.param(
        # 2.125 x 3.1416 = 6.6759 -> 6.68; IVA 1.4028 -> 1.40; total 8.08
        Case(
            lines=(line("2.125", "3.1416", "21"),),
            line_totals=("6.68",),
            rows=(("21.00", "6.68", "1.40", "0.00", "0.00"),),
            figures=("6.68", "0.00", "6.68", "1.40", "0.00", "0.00", "8.08"),
        ),
        id="qty-3-decimals-x-price-4-decimals",
    ),
    pytest.param(
        # 1.500 x 1.7833 = 2.67495 -> 2.67, rounded once (rounding to 3 decimals
        # first would give 2.675 -> 2.68); IVA 0.5607 -> 0.56; total 3.23
        Case(
            lines=(line("1.500", "1.7833", "21"),),
            line_totals=("2.67",),
            rows=(("21.00", "2.67", "0.56", "0.00", "0.00"),),
            figures=("2.67", "0.00", "2.67", "0.56", "0.00", "0.00", "3.23"),
        ),
        id="single-rounding-no-double-rounding",
    ),
    pytest.param(
        # 0% IVA (exempt), even with recargo: no tax, no surcharge
        Case(
            lines=(line("1", "250", "0"),),
            line_totals=("250.00",),
            rows=(("0.00", "250.00", "0.00", "0.00", "0.00"),),
            figures=("250.00", "0.00", "250.00", "0.00", "0.00", "0.00", "250.00"),
            options={"equivalence_surcharge": True},
        ),
        id="zero-iva",
    ),
    pytest.param(
        # Temporary 2021-2024 rates on 100.00 each, with recargo:
        #   7.5% -> IVA 7.50, recargo 1.00% = 1.00
        #   5%   -> IVA 5.00, recargo 0.62% = 0.62
        #   2%   -> IVA 2.00, recargo 0.26% = 0.26
        # total 300.00 + 14.50 + 1.88 = 316.38
        Case(
            lines=(line("1", "100", "5"), line("1", "100", "2"), line("1", "100", "7.5")),
            line_totals=("100.00", "100.00", "100.00"),
            rows=(
                ("7.50", "100.00", "7.50", "1.00", "1.00"),
                ("5.00", "100.00", "5.00", "0.62", "0.62"),
                ("2.00", "100.00", "2.00", "0.26", "0.26"),
            ),
            figures=("300.00", "0.00", "300.00", "14.50", "1.88", "0.00", "316.38"),
            options={"equivalence_surcharge": True},
        ),
        id="temporary-rates-7.5-5-2",
    ),
    pytest.param(
        # 33.33 at 7.5%: IVA 2.49975 -> 2.50; recargo 1% = 0.3333 -> 0.33
        Case(
            lines=(line("1", "33.33", "7.5"),),
            line_totals=("33.33",),
            rows=(("7.50", "33.33", "2.50", "1.00", "0.33"),),
            figures=("33.33", "0.00", "33.33", "2.50", "0.33", "0.00", "36.16"),
            options={"equivalence_surcharge": True},
        ),
        id="temporary-rate-rounding",
    ),
    pytest.param(
        # Two lines at the same rate share one row: 2 x 10.00 + 1 x 5.50 = 25.50
        # IVA 10% = 2.55
        Case(
            lines=(line("2", "10.00", "10"), line("1", "5.50", "10")),
            line_totals=("20.00", "5.50"),
            rows=(("10.00", "25.50", "2.55", "0.00", "0.00"),),
            figures=("25.50", "0.00", "25.50", "2.55", "0.00", "0.00", "28.05"),
        ),
        id="same-rate-grouped",
    ),
    pytest.param(
        # A credit line inside an invoice: 100.00 - 30.00 = 70.00; IVA 14.70
        Case(
            lines=(line("1", "100", "21"), line("-1", "30", "21")),
            line_totals=("100.00", "-30.00"),
            rows=(("21.00", "70.00", "14.70", "0.00", "0.00"),),
            figures=("70.00", "0.00", "70.00", "14.70", "0.00", "0.00", "84.70"),
        ),
        id="credit-line",
    ),
    pytest.param(
        # Credit note: -2 x 50.00 = -100.00; IVA -21.00; IRPF 15% = -15.00
        # total -100.00 - 21.00 - (-15.00) = -106.00
        Case(
            lines=(line("-2", "50.00", "21"),),
            line_totals=("-100.00",),
            rows=(("21.00", "-100.00", "-21.00", "0.00", "0.00"),),
            figures=("-100.00", "0.00", "-100.00", "-21.00", "0.00", "-15.00", "-106.00"),
            options={"irpf_percent": D("15")},
        ),
        id="credit-note-with-irpf",
    ),
    pytest.param(
        # Negative price: 3 x -0.0050 = -0.015 -> -0.02 (half up is away from zero,
        # mirroring 0.015 -> 0.02); IVA -0.0042 -> 0.00 (no "-0.00")
        Case(
            lines=(line("3", "-0.0050", "21"),),
            line_totals=("-0.02",),
            rows=(("21.00", "-0.02", "0.00", "0.00", "0.00"),),
            figures=("-0.02", "0.00", "-0.02", "0.00", "0.00", "0.00", "-0.02"),
        ),
        id="negative-price-half-up-away-from-zero",
    ),
    pytest.param(
        Case(
            lines=(),
            line_totals=(),
            rows=(),
            figures=("0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"),
            options={
                "discount_percent": D("10"),
                "irpf_percent": D("15"),
                "equivalence_surcharge": True,
            },
        ),
        id="empty-invoice",
    ),
    pytest.param(
        # A 100% invoice discount leaves a zero base; the row is still reported.
        Case(
            lines=(line("1", "100", "21"),),
            line_totals=("100.00",),
            rows=(("21.00", "0.00", "0.00", "0.00", "0.00"),),
            figures=("100.00", "100.00", "0.00", "0.00", "0.00", "0.00", "0.00"),
            options={"discount_percent": D("100")},
        ),
        id="full-invoice-discount",
    ),
    pytest.param(
        # Everything at once (line discount, invoice discount 2.5%, recargo, IRPF 7%):
        #   7 x 12.3456 = 86.4192, less 5% -> 82.09824 -> 82.10  (21%)
        #   3 x 9.99 = 29.97                                     (10%)
        #   subtotal 112.07
        #   21%: base 82.10 x 0.975 = 80.0475 -> 80.05
        #        IVA 16.8105 -> 16.81; recargo 5.2% = 4.1626 -> 4.16
        #   10%: base 29.97 x 0.975 = 29.22075 -> 29.22
        #        IVA 2.922 -> 2.92; recargo 1.4% = 0.40908 -> 0.41
        #   tax_base 109.27, discount 112.07 - 109.27 = 2.80
        #   IRPF 7% of 109.27 = 7.6489 -> 7.65
        #   total 109.27 + 19.73 + 4.57 - 7.65 = 125.92
        Case(
            lines=(line("7", "12.3456", "21", "5"), line("3", "9.99", "10")),
            line_totals=("82.10", "29.97"),
            rows=(
                ("21.00", "80.05", "16.81", "5.20", "4.16"),
                ("10.00", "29.22", "2.92", "1.40", "0.41"),
            ),
            figures=("112.07", "2.80", "109.27", "19.73", "4.57", "7.65", "125.92"),
            options={
                "discount_percent": D("2.5"),
                "irpf_percent": D("7"),
                "equivalence_surcharge": True,
            },
        ),
        id="everything-combined",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_worked_case(case: Case) -> None:
    result = compute(case.lines, **case.options)

    rows = tuple(
        (str(r.iva_percent), str(r.base), str(r.iva), str(r.surcharge_percent), str(r.surcharge))
        for r in result.taxes
    )

    assert tuple(str(r.total) for r in result.lines) == case.line_totals
    assert rows == case.rows
    assert tuple(str(getattr(result, name)) for name in FIGURES) == case.figures


def test_line_results_carry_the_surcharge_rate_of_their_iva_rate() -> None:
    lines = [line("1", "100", "4"), line("1", "100", "21"), line("1", "100", "0")]
    with_recargo = compute(lines, equivalence_surcharge=True)
    without = compute(lines)

    assert [str(r.surcharge_percent) for r in with_recargo.lines] == ["0.50", "5.20", "0.00"]
    assert [str(r.surcharge_percent) for r in without.lines] == ["0.00", "0.00", "0.00"]


def test_float_rounding_is_what_this_engine_avoids() -> None:
    # The reason money is Decimal: the float 2.675 is really 2.67499999...
    assert round(2.675, 2) == 2.67
    assert money(D("2.675")) == D("2.68")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("0.005", "0.01", id="0.005-up"),
        pytest.param("0.004", "0.00", id="0.004-down"),
        pytest.param("2.675", "2.68", id="2.675-up"),
        pytest.param("2.665", "2.67", id="2.665-up-not-bankers"),
        pytest.param("-0.005", "-0.01", id="negative-away-from-zero"),
        pytest.param("-0.004", "0.00", id="no-negative-zero"),
        pytest.param("10", "10.00", id="integer"),
        pytest.param("1.2", "1.20", id="pads-to-two-places"),
        pytest.param(
            "123456789012345678901234567890.125",
            "123456789012345678901234567890.13",
            id="beyond-default-precision",
        ),
    ],
)
def test_money_rounds_half_up_to_the_cent(value: str, expected: str) -> None:
    assert str(money(D(value))) == expected


def test_caller_decimal_context_does_not_leak_in() -> None:
    expected = compute([line("1.500", "1.7833", "21")], irpf_percent=D("15"))
    with localcontext(Context(prec=3, rounding=ROUND_DOWN)):
        assert compute([line("1.500", "1.7833", "21")], irpf_percent=D("15")) == expected


def test_large_amounts_are_exact() -> None:
    # 782414024678.689 x 562926160905.6682 = 440441323151127133989743.8449898 -> .84
    # That product has 31 significant digits; at the default Decimal precision (28)
    # it would be rounded first to ...743.8450 and then, wrongly, to ...743.85.
    # IVA 21% of 440441323151127133989743.84 = 92492677861736698137846.2064 -> .21
    result = compute([line("782414024678.689", "562926160905.6682", "21")])
    assert str(result.subtotal) == "440441323151127133989743.84"
    assert str(result.iva) == "92492677861736698137846.21"
    assert str(result.total) == "532934001012863832127590.05"


def test_integers_are_accepted_as_exact_values() -> None:
    result = compute([LineInput(2, 50, 21)], irpf_percent=15)  # type: ignore[arg-type]
    assert str(result.total) == "106.00"


# --------------------------------------------------------------------------------------
# Constants and helpers
# --------------------------------------------------------------------------------------


def test_iva_rates_are_the_legal_ones_quantized() -> None:
    assert {D(r) for r in ("21", "10", "7.5", "5", "4", "2", "0")} == IVA_RATES
    assert {str(r) for r in IVA_RATES} == {
        "21.00",
        "10.00",
        "7.50",
        "5.00",
        "4.00",
        "2.00",
        "0.00",
    }


def test_surcharge_table() -> None:
    assert {str(k): str(v) for k, v in SURCHARGE_RATES.items()} == {
        "21.00": "5.20",
        "10.00": "1.40",
        "7.50": "1.00",
        "5.00": "0.62",
        "4.00": "0.50",
        "2.00": "0.26",
        "0.00": "0.00",
    }
    with pytest.raises(TypeError):
        SURCHARGE_RATES[D("21")] = D("0")  # type: ignore[index]


@pytest.mark.parametrize(
    ("iva", "expected"),
    [
        ("21", "5.20"),
        ("21.00", "5.20"),
        ("10", "1.40"),
        ("7.5", "1.00"),
        ("7.500", "1.00"),
        ("5", "0.62"),
        ("4", "0.50"),
        ("2", "0.26"),
        ("0", "0.00"),
    ],
)
def test_surcharge_percent_for(iva: str, expected: str) -> None:
    assert str(surcharge_percent_for(D(iva), equivalence_surcharge=True)) == expected
    assert str(surcharge_percent_for(D(iva), equivalence_surcharge=False)) == "0.00"


def test_surcharge_percent_for_rejects_unknown_rates_even_without_recargo() -> None:
    with pytest.raises(InvalidIvaRate, match="22"):
        surcharge_percent_for(D("22"), equivalence_surcharge=False)


def test_results_are_immutable() -> None:
    result = compute([line("1", "1", "21")])
    assert isinstance(result.lines[0], LineResult) and isinstance(result.taxes[0], TaxRow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = D("0")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.taxes[0].iva = D("0")  # type: ignore[misc]


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["22", "16", "7", "21.01", "-21", "100"])
def test_invalid_iva_rate(rate: str) -> None:
    with pytest.raises(InvalidIvaRate, match=rate):
        compute([line("1", "100", rate)])


def test_invalid_iva_rate_is_a_value_error() -> None:
    assert issubclass(InvalidIvaRate, ValueError)
    assert issubclass(InvalidPercent, ValueError)


@pytest.mark.parametrize(
    ("lines", "options", "name"),
    [
        pytest.param([line("1", "1", "21", "101")], {}, "discount_percent", id="line-101"),
        pytest.param([line("1", "1", "21", "-1")], {}, "discount_percent", id="line-neg"),
        pytest.param(
            [line("1", "1", "21")],
            {"discount_percent": D("101")},
            "discount_percent",
            id="invoice-101",
        ),
        pytest.param(
            [line("1", "1", "21")],
            {"discount_percent": D("-1")},
            "discount_percent",
            id="invoice-neg",
        ),
        pytest.param(
            [line("1", "1", "21")],
            {"irpf_percent": D("150")},
            "irpf_percent",
            id="irpf-150",
        ),
        pytest.param(
            [line("1", "1", "21")],
            {"irpf_percent": D("-0.01")},
            "irpf_percent",
            id="irpf-neg",
        ),
        pytest.param([], {"irpf_percent": D("150")}, "irpf_percent", id="irpf-empty"),
    ],
)
def test_invalid_percent(lines: list[LineInput], options: dict[str, Any], name: str) -> None:
    with pytest.raises(InvalidPercent, match=name):
        compute(lines, **options)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(LineInput(D("1"), 1.5, D("21")), id="float-price"),  # type: ignore[arg-type]
        pytest.param(LineInput(0.1, D("1"), D("21")), id="float-quantity"),  # type: ignore[arg-type]
        pytest.param(LineInput(D("1"), D("1"), 21.0), id="float-iva"),  # type: ignore[arg-type]
        pytest.param(LineInput(D("1"), "1", D("21")), id="str-price"),  # type: ignore[arg-type]
    ],
)
def test_floats_are_refused(bad: LineInput) -> None:
    # Decimal(0.1) would silently carry binary error into the invoice.
    with pytest.raises(TypeError, match="Decimal"):
        compute([bad])
    with pytest.raises(TypeError, match="Decimal"):
        compute([line("1", "1", "21")], irpf_percent=15.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_non_finite_values_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        compute([line("1", value, "21")])
    with pytest.raises(ValueError):
        compute([line("1", "1", value)])
    with pytest.raises(ValueError):
        compute([line("1", "1", "21")], irpf_percent=D(value))


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------


def scaled(integer_digits: int, places: int) -> st.SearchStrategy[Decimal]:
    """Exact Decimals with up to ``integer_digits`` digits before the point."""
    bound = 10 ** (integer_digits + places) - 1
    return st.integers(-bound, bound).map(lambda n: D(n).scaleb(-places))


quantities = scaled(12, 3)
prices = scaled(12, 4)
percents = st.integers(0, 10_000).map(lambda n: D(n).scaleb(-2))
rates = st.sampled_from(sorted(IVA_RATES))
lines_strategy = st.lists(
    st.builds(
        LineInput,
        quantity=quantities,
        unit_price=prices,
        iva_percent=rates,
        discount_percent=percents,
    ),
    max_size=30,
)
invoices = st.fixed_dictionaries(
    {
        "discount_percent": percents,
        "irpf_percent": percents,
        "equivalence_surcharge": st.booleans(),
    }
)

FAST = settings(max_examples=200, deadline=None)


def exact() -> Any:
    # The test's own sums can exceed the default 28 digits of precision.
    return localcontext(Context(prec=1000))


def all_decimals(result: Breakdown) -> Iterator[Any]:
    for item in (*result.lines, *result.taxes, result):
        for f in dataclasses.fields(item):
            value = getattr(item, f.name)
            if not isinstance(value, tuple | str):  # a row's treatment is a code
                yield value


@FAST
@given(lines_strategy, invoices)
def test_rows_add_up_to_invoice_figures(lines: list[LineInput], opts: dict[str, Any]) -> None:
    result = compute(lines, **opts)
    with exact():
        assert sum((r.base for r in result.taxes), D(0)) == result.tax_base
        assert sum((r.iva for r in result.taxes), D(0)) == result.iva
        assert sum((r.surcharge for r in result.taxes), D(0)) == result.surcharge
        assert sum((r.total for r in result.lines), D(0)) == result.subtotal


@FAST
@given(lines_strategy, invoices)
def test_subtotal_minus_discount_is_tax_base(lines: list[LineInput], opts: dict[str, Any]) -> None:
    result = compute(lines, **opts)
    with exact():
        assert result.subtotal - result.discount == result.tax_base


@FAST
@given(lines_strategy, invoices)
def test_total_formula(lines: list[LineInput], opts: dict[str, Any]) -> None:
    result = compute(lines, **opts)
    with exact():
        assert result.total == result.tax_base + result.iva + result.surcharge - result.irpf


@FAST
@given(lines_strategy, invoices)
def test_every_figure_is_a_decimal_with_two_places(
    lines: list[LineInput], opts: dict[str, Any]
) -> None:
    result = compute(lines, **opts)
    assert isinstance(result.lines, tuple) and isinstance(result.taxes, tuple)
    assert len(result.lines) == len(lines)
    values = list(all_decimals(result))
    assert len(values) == 2 * len(result.lines) + 5 * len(result.taxes) + len(FIGURES)
    for value in values:
        assert type(value) is Decimal, value  # never a float (nor an int)
        assert value.as_tuple().exponent == -2, value
        assert not (value.is_zero() and value.is_signed()), "negative zero"


@FAST
@given(lines_strategy, invoices)
def test_one_row_per_rate_sorted_descending(lines: list[LineInput], opts: dict[str, Any]) -> None:
    result = compute(lines, **opts)
    row_rates = [r.iva_percent for r in result.taxes]
    assert row_rates == sorted({ln.iva_percent for ln in lines}, reverse=True)
    assert len(set(row_rates)) == len(row_rates)


@FAST
@given(lines_strategy, st.booleans())
def test_without_discount_tax_base_is_subtotal(lines: list[LineInput], recargo: bool) -> None:
    result = compute(lines, equivalence_surcharge=recargo)
    assert result.tax_base == result.subtotal
    assert result.discount == 0


@FAST
@given(lines_strategy, percents, percents)
def test_no_surcharge_without_recargo(
    lines: list[LineInput], discount: Decimal, irpf: Decimal
) -> None:
    result = compute(lines, discount_percent=discount, irpf_percent=irpf)
    assert result.surcharge == 0
    assert all(r.surcharge == 0 and r.surcharge_percent == 0 for r in result.taxes)
    assert all(r.surcharge_percent == 0 for r in result.lines)


@FAST
@given(lines_strategy, percents, percents)
def test_recargo_follows_the_iva_rate(
    lines: list[LineInput], discount: Decimal, irpf: Decimal
) -> None:
    result = compute(
        lines, discount_percent=discount, irpf_percent=irpf, equivalence_surcharge=True
    )
    for row in result.taxes:
        assert row.surcharge_percent == SURCHARGE_RATES[row.iva_percent]
    for given_line, line_result in zip(lines, result.lines, strict=True):
        assert line_result.surcharge_percent == SURCHARGE_RATES[given_line.iva_percent]


@FAST
@given(lines_strategy, invoices)
def test_lines_are_computed_independently_and_in_order(
    lines: list[LineInput], opts: dict[str, Any]
) -> None:
    result = compute(lines, **opts)
    assert result.lines == tuple(compute([ln], **opts).lines[0] for ln in lines)


@FAST
@given(lines_strategy, invoices)
def test_crediting_every_line_negates_every_figure(
    lines: list[LineInput], opts: dict[str, Any]
) -> None:
    # Half up rounds away from zero, so a credit note mirrors its invoice exactly.
    credited = [dataclasses.replace(ln, quantity=-ln.quantity) for ln in lines]
    result, mirror = compute(lines, **opts), compute(credited, **opts)
    for name in FIGURES:
        assert getattr(mirror, name) == -getattr(result, name), name
    assert [r.base for r in mirror.taxes] == [-r.base for r in result.taxes]


def half_up(value: Fraction) -> Fraction:
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    return Fraction(cents if value >= 0 else -cents, 100)


@FAST
@given(lines_strategy, invoices)
def test_matches_an_exact_rational_model(lines: list[LineInput], opts: dict[str, Any]) -> None:
    # An independent re-statement of the specification in exact rationals.
    result = compute(lines, **opts)
    kept = 1 - Fraction(opts["discount_percent"]) / 100
    sums: dict[Decimal, Fraction] = {}
    line_totals = []
    for ln in lines:
        total = half_up(
            Fraction(ln.quantity)
            * Fraction(ln.unit_price)
            * (1 - Fraction(ln.discount_percent) / 100)
        )
        line_totals.append(total)
        sums[ln.iva_percent] = sums.get(ln.iva_percent, Fraction(0)) + total
    bases = {rate: half_up(amount * kept) for rate, amount in sums.items()}
    iva = sum((half_up(b * Fraction(rate) / 100) for rate, b in bases.items()), Fraction(0))
    surcharge = Fraction(0)
    if opts["equivalence_surcharge"]:
        surcharge = sum(
            (half_up(b * Fraction(SURCHARGE_RATES[rate]) / 100) for rate, b in bases.items()),
            Fraction(0),
        )
    tax_base = sum(bases.values(), Fraction(0))
    irpf = half_up(tax_base * Fraction(opts["irpf_percent"]) / 100)

    assert [Fraction(r.total) for r in result.lines] == line_totals
    assert Fraction(result.subtotal) == sum(line_totals, Fraction(0))
    assert Fraction(result.tax_base) == tax_base
    assert Fraction(result.iva) == iva
    assert Fraction(result.surcharge) == surcharge
    assert Fraction(result.irpf) == irpf
    assert Fraction(result.total) == tax_base + iva + surcharge - irpf


# -- tax treatments (reverse charge, exempt, not subject) --------------------------------------


def test_lines_are_taxed_s1_unless_said_otherwise() -> None:
    result = compute([LineInput(D("1"), D("100"), D("21"))])
    assert [row.treatment for row in result.taxes] == ["S1"]


def test_untaxed_lines_make_rows_of_their_own_without_iva_or_recargo() -> None:
    lines = [
        LineInput(D("1"), D("100"), D("21")),
        LineInput(D("1"), D("50"), D("0"), treatment="E1"),
        LineInput(D("2"), D("30"), D("0"), treatment="N2"),
        LineInput(D("1"), D("10"), D("0"), treatment="S2"),
        LineInput(D("1"), D("20"), D("0"), treatment="E1"),
    ]
    result = compute(lines, equivalence_surcharge=True, irpf_percent=D("15"))
    rows = [(r.treatment, r.iva_percent, r.base, r.iva, r.surcharge_percent, r.surcharge)
            for r in result.taxes]
    assert rows == [
        ("S1", D("21.00"), D("100.00"), D("21.00"), D("5.20"), D("5.20")),
        ("S2", D("0.00"), D("10.00"), D("0.00"), D("0.00"), D("0.00")),
        ("E1", D("0.00"), D("70.00"), D("0.00"), D("0.00"), D("0.00")),
        ("N2", D("0.00"), D("60.00"), D("0.00"), D("0.00"), D("0.00")),
    ]
    assert [line.surcharge_percent for line in result.lines] == [
        D("5.20"), D("0.00"), D("0.00"), D("0.00"), D("0.00")
    ]
    # IRPF is withheld on the whole base, whatever the IVA treatment of each part.
    assert result.tax_base == D("240.00")
    assert result.irpf == D("36.00")
    assert result.total == D("240.00") + D("21.00") + D("5.20") - D("36.00")


@pytest.mark.parametrize("treatment", ["S2", "E1", "E5", "N1", "N2"])
def test_untaxed_lines_refuse_an_iva_rate(treatment: str) -> None:
    with pytest.raises(InvalidTreatment, match="iva_percent must be 0"):
        compute([LineInput(D("1"), D("100"), D("21"), treatment=treatment)])


@pytest.mark.parametrize("treatment", ["", "S3", "E7", "n1", "exempt"])
def test_unknown_treatments_are_refused(treatment: str) -> None:
    with pytest.raises(InvalidTreatment, match="is not one of"):
        compute([LineInput(D("1"), D("100"), D("0"), treatment=treatment)])
