"""LineInput validates a line of plain values straight through its fields; whatever a line
holds, the result (or the errors) must be DRF's own, as InputSerializer gives them."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from facturagem.api.serializers import InputSerializer
from invoices.serializers import InvoiceInput, LineInput

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


def drf(data):
    """DRF's path: the InputSerializer step, then Serializer.run_validation."""
    serializer = LineInput()
    try:
        return "ok", InputSerializer.run_validation(serializer, data)
    except Exception as error:  # the kind and the detail are compared
        return "error", type(error), getattr(error, "detail", None)


def fast(data):
    try:
        return "ok", LineInput().run_validation(data)
    except Exception as error:
        return "error", type(error), getattr(error, "detail", None)


def same(a, b):
    # Decimal("NaN") != itself: compare the representations.
    return repr(a) == repr(b)


@settings(max_examples=800, deadline=None)
@given(lines)
def test_a_line_validates_as_drf_validates_it(line):
    assert same(fast(line), drf(line))


@settings(max_examples=200, deadline=None)
@given(st.lists(lines, max_size=3))
def test_an_invoice_with_such_lines_validates_as_it_did(items):
    serializer = InvoiceInput(data={"lines": items})
    valid = serializer.is_valid()
    reference = InvoiceInput(data={"lines": items})
    reference.fields["lines"].child.run_validation = (
        lambda data: InputSerializer.run_validation(reference.fields["lines"].child, data)
    )
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
