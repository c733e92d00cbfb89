"""The XML writer (facturagem.api.xml) writes strings; it must write the very bytes the
ElementTree writer it replaced wrote. That writer is kept here, verbatim, as the oracle, and
property tests compare the two on any document: odd Unicode, characters XML 1.0 forbids
(replaced by U+FFFD), names that are not XML names, empty lists and hashes, nil, booleans,
integers (and their subclasses), decimals, floats, dates, times, and errors."""

import datetime
import enum
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from facturagem.api import xml
from facturagem.api.messages import full_message

# -- the oracle: facturagem/api/xml.py's writer before it wrote strings --------------------


def _old_append(parent: Element, name: str, value: Any) -> None:
    element = SubElement(parent, xml.element_name(name))
    _old_fill(element, name, value)


def _old_fill(element: Element, name: str, value: Any) -> None:
    if value is None:
        element.set("nil", "true")
    elif isinstance(value, bool):
        element.set("type", "boolean")
        element.text = "true" if value else "false"
    elif isinstance(value, int):
        element.set("type", "integer")
        element.text = str(value)
    elif isinstance(value, Decimal):
        element.set("type", "decimal")
        element.text = str(value)
    elif isinstance(value, float):
        element.set("type", "float")
        element.text = repr(value)
    elif isinstance(value, datetime.datetime):
        element.set("type", "datetime")
        element.text = xml.format_datetime(value)
    elif isinstance(value, datetime.date):
        element.set("type", "date")
        element.text = value.isoformat()
    elif isinstance(value, dict):
        if name == "errors":
            _old_fill_errors(element, value)
            return
        for key, item in value.items():
            _old_append(element, key, item)
    elif isinstance(value, list | tuple):
        element.set("type", "array")
        item_name = xml.singularize(name)
        if name == "errors":
            item_name = "error"
        for item in value:
            _old_append(element, item_name, item)
    else:
        element.text = xml._text(str(value))


def _old_fill_errors(element: Element, errors: dict[str, list[str]]) -> None:
    for field, messages in errors.items():
        for message in messages:
            SubElement(element, "error").text = xml._text(full_message(field, str(message)))


def old_errors_document(errors, allowed_params=None) -> bytes:
    element = Element("errors")
    _old_fill_errors(element, errors)
    if allowed_params is not None:
        _old_append(element, "allowed_params", list(allowed_params))
    text = tostring(element, encoding="unicode").replace(" />", "/>")
    return xml.XML_DECLARATION + text.encode("utf-8")


def old_to_xml(root: str, data: Any) -> bytes:
    element = Element(xml.element_name(root))
    _old_fill(element, root, data)
    text = tostring(element, encoding="unicode").replace(" />", "/>")
    return xml.XML_DECLARATION + text.encode("utf-8")


# -- documents ------------------------------------------------------------------------------


class Level(enum.IntEnum):
    LOW = 1


class Kind(enum.StrEnum):
    ISSUED = "issued"


class OldKind(str, enum.Enum):  # noqa: UP042 - str() is "OldKind.ISSUED", not its value
    ISSUED = "issued"


FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1f\ud800\udfff\ufffe\uffff"
texts = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec=None)),  # lone surrogates included
    st.text(alphabet=st.sampled_from(f"a &<>\"'\t\r\n/ />ñ€😀{FORBIDDEN}")),
)
names = st.one_of(
    st.sampled_from(["id", "tax_id", "lines", "taxes", "errors", "allowed_params", "countries",
                     "addresses", "links", "invoice", "1st", "foo bar", "a:b", "ñandú", "x-y",
                     ""]),
    st.text(min_size=0, max_size=12),
)
zones = st.sampled_from([datetime.UTC, ZoneInfo("Europe/Madrid"), ZoneInfo("America/Lima")])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([Level.LOW, Kind.ISSUED, OldKind.ISSUED]),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(),  # NaN and Infinity are Decimals too
    st.floats(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=zones),
    texts,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(names, inner, max_size=4),
        st.dictionaries(names, st.lists(texts, max_size=3), max_size=3).map(
            lambda errors: {"errors": errors}
        ),
    ),
    max_leaves=30,
)


# Hashes of strings only (an invoice's links): the writer formats those in one call.
string_hashes = st.lists(
    st.dictionaries(
        names,
        st.one_of(texts, st.sampled_from(["self", "http://x/a?b=1", Kind.ISSUED]), st.none()),
        max_size=3,
    ),
    max_size=4,
)
# Lists of hashes that share their keys (every invoice's links): written in one call.
link_values = st.one_of(texts, st.sampled_from(["self", "http://x/a?b=1", Kind.ISSUED, ""]))
shared_shapes = st.lists(names, min_size=1, max_size=3, unique=True).flatmap(
    lambda keys: st.lists(st.fixed_dictionaries({key: link_values for key in keys}),
                          min_size=1, max_size=5)
)


def outcome(write, *args) -> tuple[str, Any]:
    """The bytes, or the kind of error (a hash named `errors` whose messages are not a list
    raised before; it must still raise, not write something else)."""
    try:
        return "document", write(*args)
    except (TypeError, AttributeError) as error:
        return "error", type(error)


@settings(max_examples=600, deadline=None)
@given(names, values)
def test_the_writer_writes_the_bytes_the_element_tree_writer_wrote(root, value):
    assert outcome(xml.to_xml, root, value) == outcome(old_to_xml, root, value)


@settings(max_examples=400, deadline=None)
@given(names, st.one_of(string_hashes, shared_shapes,
                        st.dictionaries(names, st.one_of(string_hashes, shared_shapes),
                                        max_size=3)))
def test_hashes_of_strings_are_written_as_the_element_tree_writer_wrote_them(root, value):
    assert outcome(xml.to_xml, root, value) == outcome(old_to_xml, root, value)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(names, st.lists(texts, max_size=3), max_size=4),
    st.none() | st.lists(texts, max_size=4),
)
def test_an_errors_document_is_the_bytes_it_was(errors, allowed_params):
    assert xml.errors_document(errors, allowed_params) == old_errors_document(
        errors, allowed_params
    )


def test_the_writers_agree_on_a_representation_with_every_kind_of_value():
    value = {
        "id": 7, "number": "2026/0001 & <co>", "paid": False, "total": Decimal("12.30"),
        "ratio": 0.5, "issue_date": datetime.date(2026, 1, 2),
        "created_at": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        "due_date": None, "notes": "", "lines": [], "taxes": [{"iva": Decimal("2.10")}],
        "links": [{"rel": "self", "uri": "http://x/a?b=1&c=2"}], "extra": {},
        "bad": "a\x00b\ud800c\ufffe", "errors": {"base": ["Whole.", ""], "tax_id": []},
    }
    for root in ("invoice", "invoices"):
        assert xml.to_xml(root, value) == old_to_xml(root, value)
        assert xml.to_xml(root, [value, value]) == old_to_xml(root, [value, value])
