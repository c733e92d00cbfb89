"""Inputs that opt in (`plain_inputs`: an invoice, its lines, a correction, a void, a
payment) validate plain values straight through their fields; whatever an input holds, the
result (or the errors) must be DRF's own, as InputSerializer's reading gives them."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from invoices.serializers import (
    CorrectionInput,
    InvoiceInput,
    LineInput,
    PaymentInput,
    VoidInput,
)

line_values = st.one_of(
    st.none(), st.just(""), st.booleans(), st.integers(-10**14, 10**14),
    st.sampled_from(["3", "19.99", "0", "-1", "21", "10", "4", "5", "0.0001", "1e3", "NaN",
                     "Infinity", " 2 ", "12345678901234", "1.23456", "101", "abc", "exempt",
                     "taxed", "Servicio\\n", "a\x00b", "x" * 2001, "\ud800", "  "]),
    st.text(max_size=12),
    # plain numbers around every field's digits and decimal places
    st.from_regex(r"[0-9]{1,14}(\.[0-9]{1,5})?", fullmatch=True),
    st.decimals(allow_nan=True, places=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
line_keys = st.sampled_from(["description", "quantity", "unit_price", "discount_percent",
                             "iva_percent", "treatment", "other"])
lines = st.one_of(st.dictionaries(line_keys, line_values, max_size=7), line_values)


def drf(data, serializer_class=LineInput, **options):
    """DRF's path: Serializer.run_validation (InputSerializer's reading, then DRF's loop)."""
    serializer = serializer_class(**options)
    try:
        return "ok", serializers.Serializer.run_validation(serializer, data)
    except Exception as error:  # the kind and the detail are compared
        return "error", type(error), getattr(error, "detail", None)


def fast(data, serializer_class=LineInput, **options):
    try:
        return "ok", serializer_class(**options).run_validation(data)
    except Exception as error:
        return "error", type(error), getattr(error, "detail", None)


def same(a, b):
    # Decimal("NaN") != itself: compare the representations.
    return repr(a) == repr(b)


@settings(max_examples=800, deadline=None)
@given(lines)
def test_a_line_validates_as_drf_validates_it(line):
    assert same(fast(line), drf(line))


@settings(max_examples=400, deadline=None)
@given(st.lists(lines, max_size=3), st.booleans())
def test_an_invoice_with_such_lines_validates_as_it_did(items, partial):
    """Created, or updated (partial: a line's absent fields are skipped, as DRF skips them)."""
    serializer = InvoiceInput(data={"lines": items}, partial=partial)
    valid = serializer.is_valid()
    reference = InvoiceInput(data={"lines": items}, partial=partial)
    reference.plain_inputs = False
    reference.fields["lines"].child.plain_inputs = False
    assert valid == reference.is_valid()
    assert same(serializer.errors, reference.errors)
    if valid:
        assert same(serializer.validated_data, reference.validated_data)


def test_a_plain_line():
    line = {"description": " Concepto ", "quantity": "3", "unit_price": "19.99",
            "iva_percent": "21"}
    assert LineInput().run_validation(line) == {
        "description": "Concepto", "quantity": Decimal("3.000"),
        "unit_price": Decimal("19.9900"), "discount_percent": Decimal("0"),
        "iva_percent": Decimal("21.00"),
    }


# The top level of each input that opts in: its own fields, known or not, with any value.
invoice_keys = st.sampled_from([
    "number", "series", "status", "draft", "simplified", "description", "issue_date",
    "operation_date", "due_date", "client_id", "discount_percent", "irpf_percent", "notes",
    "footer", "paid", "reason", "correction_type", "method", "amount", "date", "other",
])
top_values = st.one_of(
    line_values,
    st.sampled_from(["2026-11-27", "2026-02-30", "issued", "draft", "R1", "R4", "A-7",
                     "transfer", "cash", "1", "true", "false", "12.50", "0.001"]),
    st.lists(lines, max_size=3),
)
inputs = st.dictionaries(invoice_keys, top_values, max_size=6)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from([InvoiceInput, CorrectionInput, VoidInput, PaymentInput]), inputs,
       st.booleans())
def test_every_input_validates_as_drf_validates_it(serializer_class, data, partial):
    assert same(fast(data, serializer_class, partial=partial),
                drf(data, serializer_class, partial=partial))


def test_a_plain_invoice_takes_the_plain_path():
    assert InvoiceInput._plain_plan() is not None
    data = {"client_id": 5, "lines": [{"description": "Concepto", "quantity": "3",
                                       "unit_price": "19.99", "iva_percent": "21"}]}
    assert InvoiceInput().run_validation(data) == {
        "client_id": 5,
        "lines": [{"description": "Concepto", "quantity": Decimal("3.000"),
                   "unit_price": Decimal("19.9900"), "discount_percent": Decimal("0"),
                   "iva_percent": Decimal("21.00")}],
    }
