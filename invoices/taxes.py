"""Tax engine for Spanish invoices: lines, IVA, recargo de equivalencia and IRPF.

The rules this module implements (the project's specification):

* Money is ``decimal.Decimal`` rounded ROUND_HALF_UP to the cent, never float.
* Line total = quantity x unit_price x (1 - line discount/100), rounded to cents.
  Negative quantities or prices (credit lines) are allowed.
* ``subtotal`` = sum of line totals.
* Lines are grouped by IVA rate; each rate's base = (sum of its line totals) x
  (1 - invoice discount/100), rounded. ``tax_base`` = sum of the bases and
  ``discount`` = subtotal - tax_base, so the three always add up exactly.
* Per rate: iva = round(base x iva%/100), surcharge = round(base x surcharge%/100);
  the invoice's ``iva`` and ``surcharge`` are the sums of those rows.
* Valid IVA rates: 21, 10, 4, 0 and the temporary 7.5, 5 and 2 of 2021-2024;
  anything else raises :class:`InvalidIvaRate`.
* Under recargo de equivalencia the surcharge follows the IVA rate
  (21 -> 5.20, 10 -> 1.40, 7.5 -> 1.00, 5 -> 0.62, 4 -> 0.50, 2 -> 0.26, 0 -> 0.00),
  otherwise it is 0.00.
* ``irpf`` = round(tax_base x irpf%/100), a withholding that is subtracted.
* ``total`` = tax_base + iva + surcharge - irpf.
* Discounts and IRPF must lie in [0, 100]; otherwise :class:`InvalidPercent`.
* Every line has a tax treatment: ``S1`` (taxed, the default), ``S2`` (reverse charge:
  the recipient pays the IVA), exempt ``E1``-``E6`` (arts. 20, 21, 22, 23-24, 25 LIVA,
  other) or not subject ``N1``/``N2`` (arts. 7, 14 and others; place-of-supply rules).
  Only ``S1`` lines carry IVA and recargo: any other line must have ``iva_percent`` 0,
  otherwise :class:`InvalidTreatment`. Rows are grouped by (treatment, IVA rate): taxed
  rows first by rate descending, then the others in the order above.

Every returned amount or percentage is quantized to exactly two decimals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from types import MappingProxyType

__all__ = [
    "IVA_RATES",
    "SURCHARGE_RATES",
    "TREATMENTS",
    "Breakdown",
    "InvalidIvaRate",
    "InvalidPercent",
    "InvalidTreatment",
    "LineInput",
    "LineResult",
    "TaxRow",
    "compute",
    "money",
    "surcharge_percent_for",
]

CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_ONE = Decimal(1)


class InvalidIvaRate(ValueError):
    """An IVA percentage that Spanish law does not define."""


class InvalidPercent(ValueError):
    """A discount or IRPF percentage outside [0, 100]."""


class InvalidTreatment(ValueError):
    """An unknown tax treatment, or IVA on a line that is not taxed (S1)."""


TAXED = "S1"
REVERSE_CHARGE = "S2"
EXEMPT = ("E1", "E2", "E3", "E4", "E5", "E6")
NOT_SUBJECT = ("N1", "N2")
# The AEAT's codes (CalificacionOperacion / OperacionExenta), in the order rows are shown.
TREATMENTS: tuple[str, ...] = (TAXED, REVERSE_CHARGE, *EXEMPT, *NOT_SUBJECT)
_TREATMENT_ORDER = {code: index for index, code in enumerate(TREATMENTS)}


def _exact_context() -> Context:
    # A fresh context per call: the caller's context (precision, rounding, traps)
    # must not leak into tax amounts, and an unbounded precision keeps every
    # intermediate product exact so the only rounding is the explicit one to cents.
    return Context(
        prec=MAX_PREC,
        rounding=ROUND_HALF_UP,
        Emax=MAX_EMAX,
        Emin=MIN_EMIN,
        traps=[InvalidOperation, DivisionByZero, Overflow],
    )


def _as_decimal(value: object, name: str) -> Decimal:
    # Floats are refused rather than converted: Decimal(0.1) silently carries the
    # binary error into the invoice. Ints are exact, so they are accepted.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}: {value!r}")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value}")
    return result


def _quantize(value: Decimal) -> Decimal:
    result = value.quantize(CENT, rounding=ROUND_HALF_UP)
    # -0.00 would print as "-0.00" on an invoice; a zero amount has no sign.
    return result.copy_abs() if result.is_zero() else result


def money(value: Decimal) -> Decimal:
    """Round ``value`` half-up to the cent (two decimals)."""
    amount = _as_decimal(value, "amount")
    with localcontext(_exact_context()):
        return _quantize(amount)


def _fraction_kept(percent: Decimal) -> Decimal:
    # 1 - percent/100; scaleb divides by 100 exactly, with no division rounding.
    return _ONE - percent.scaleb(-2)


def _percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return _quantize(amount * percent.scaleb(-2))


# A read-only view, built in place, so that nothing can alter the law at run time.
SURCHARGE_RATES: Mapping[Decimal, Decimal] = MappingProxyType(
    {
        Decimal(iva).quantize(CENT): Decimal(surcharge).quantize(CENT)
        for iva, surcharge in (
            ("21", "5.20"),
            ("10", "1.40"),
            ("7.5", "1.00"),
            ("5", "0.62"),
            ("4", "0.50"),
            ("2", "0.26"),
            ("0", "0.00"),
        )
    }
)
IVA_RATES: frozenset[Decimal] = frozenset(SURCHARGE_RATES)


def _validate_iva(value: object) -> Decimal:
    rate = _as_decimal(value, "iva_percent")
    # Decimal equality and hashing are numeric, so 21, 21.0 and 21.00 all match.
    if rate not in IVA_RATES:
        valid = ", ".join(str(r) for r in sorted(IVA_RATES, reverse=True))
        raise InvalidIvaRate(f"Invalid IVA rate {value}%: valid rates are {valid}")
    return rate.quantize(CENT)


def _validate_percent(value: object, name: str) -> Decimal:
    percent = _as_decimal(value, name)
    if not 0 <= percent <= 100:
        raise InvalidPercent(f"{name} must be between 0 and 100, got {value}")
    return percent


def surcharge_percent_for(iva_percent: Decimal, *, equivalence_surcharge: bool) -> Decimal:
    """Recargo de equivalencia percentage for an IVA rate (0.00 without recargo).

    Raises :class:`InvalidIvaRate` for an unknown rate even without recargo, so
    that a bad rate is reported wherever it is first looked at.
    """
    rate = _validate_iva(iva_percent)
    return SURCHARGE_RATES[rate] if equivalence_surcharge else _ZERO


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    iva_percent: Decimal
    discount_percent: Decimal = Decimal("0")
    treatment: str = TAXED


@dataclass(frozen=True)
class LineResult:
    total: Decimal
    surcharge_percent: Decimal


@dataclass(frozen=True)
class TaxRow:
    iva_percent: Decimal
    base: Decimal
    iva: Decimal
    surcharge_percent: Decimal
    surcharge: Decimal
    treatment: str = TAXED


@dataclass(frozen=True)
class Breakdown:
    lines: tuple[LineResult, ...]
    taxes: tuple[TaxRow, ...]
    subtotal: Decimal
    discount: Decimal
    tax_base: Decimal
    iva: Decimal
    surcharge: Decimal
    irpf: Decimal
    total: Decimal


def _validate_treatment(line: LineInput, iva: Decimal, index: int) -> str:
    treatment = line.treatment
    if treatment not in _TREATMENT_ORDER:
        raise InvalidTreatment(
            f"lines[{index}].treatment {treatment!r} is not one of {', '.join(TREATMENTS)}"
        )
    if treatment != TAXED and iva != _ZERO:
        raise InvalidTreatment(
            f"lines[{index}] is {treatment}: only taxed (S1) lines carry IVA, "
            f"iva_percent must be 0, got {line.iva_percent}"
        )
    return treatment


def _line_total(line: LineInput, index: int) -> tuple[tuple[str, Decimal], Decimal]:
    quantity = _as_decimal(line.quantity, f"lines[{index}].quantity")
    unit_price = _as_decimal(line.unit_price, f"lines[{index}].unit_price")
    discount = _validate_percent(line.discount_percent, f"lines[{index}].discount_percent")
    iva = _validate_iva(line.iva_percent)
    treatment = _validate_treatment(line, iva, index)
    # One rounding only, at the end: rounding the gross amount first and then
    # applying the discount could move the line by a cent.
    return (treatment, iva), _quantize(quantity * unit_price * _fraction_kept(discount))


def _row_order(key: tuple[str, Decimal]) -> tuple[int, Decimal]:
    treatment, iva = key
    return _TREATMENT_ORDER[treatment], -iva


def compute(
    lines: Sequence[LineInput],
    *,
    discount_percent: Decimal = Decimal("0"),
    irpf_percent: Decimal = Decimal("0"),
    equivalence_surcharge: bool = False,
) -> Breakdown:
    """Compute the full tax breakdown of an invoice (see the module docstring)."""
    with localcontext(_exact_context()):
        invoice_kept = _fraction_kept(_validate_percent(discount_percent, "discount_percent"))
        irpf_rate = _validate_percent(irpf_percent, "irpf_percent")
        line_results: list[LineResult] = []
        totals_by_row: dict[tuple[str, Decimal], Decimal] = {}
        for index, line in enumerate(lines):
            key, total = _line_total(line, index)
            surcharge_rate = surcharge_percent_for(
                key[1], equivalence_surcharge=equivalence_surcharge and key[0] == TAXED
            )
            line_results.append(LineResult(total=total, surcharge_percent=surcharge_rate))
            totals_by_row[key] = totals_by_row.get(key, _ZERO) + total

        rows: list[TaxRow] = []
        for key in sorted(totals_by_row, key=_row_order):
            treatment, iva_rate = key
            # The invoice discount is applied per row, not to the subtotal, because
            # each rate's base is what gets declared; the discount amount is then
            # derived so that subtotal - discount == tax_base holds to the cent.
            base = _quantize(totals_by_row[key] * invoice_kept)
            surcharge_rate = surcharge_percent_for(
                iva_rate, equivalence_surcharge=equivalence_surcharge and treatment == TAXED
            )
            rows.append(
                TaxRow(
                    iva_percent=iva_rate,
                    base=base,
                    iva=_percent_of(base, iva_rate),
                    surcharge_percent=surcharge_rate,
                    surcharge=_percent_of(base, surcharge_rate),
                    treatment=treatment,
                )
            )

        subtotal = _quantize(sum((r.total for r in line_results), _ZERO))
        tax_base = _quantize(sum((r.base for r in rows), _ZERO))
        iva = _quantize(sum((r.iva for r in rows), _ZERO))
        surcharge = _quantize(sum((r.surcharge for r in rows), _ZERO))
        irpf = _percent_of(tax_base, irpf_rate)
        return Breakdown(
            lines=tuple(line_results),
            taxes=tuple(rows),
            subtotal=subtotal,
            discount=_quantize(subtotal - tax_base),
            tax_base=tax_base,
            iva=iva,
            surcharge=surcharge,
            irpf=irpf,
            total=_quantize(tax_base + iva + surcharge - irpf),
        )
