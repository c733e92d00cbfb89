"""Rails-convention XML: what `to_xml` writes and `Hash.from_xml` reads.

Out: dasherized element names, `type` on non-strings, `type="array"` collections whose
items are named by the singular, `nil="true"` for None, errors in the Rails shape.
In: the same shape back to a dict, parsed by defusedxml so that DTDs and entity
declarations (billion laughs, external entities) are refused instead of expanded.
"""

import datetime
import re
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils import timezone

from facturagem.api.messages import full_message

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# Characters XML 1.0 cannot carry at all (lone surrogates, which a JSON body can smuggle in
# as "\ud800", included); replaced rather than producing a broken document.
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# XML 1.0 names, without ":" (a namespace prefix). Element names come from parameter names
# too (a 422 echoes what was sent), and `foo bar` or `1st` must not break the document.
_NAME_START = (
    r"A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
    r"\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NOT_A_NAME_CHAR = re.compile(rf"[^{_NAME_START}\-.0-9\u00b7\u0300-\u036f\u203f\u2040]")
_NAME_START_CHAR = re.compile(rf"[{_NAME_START}]")

_IRREGULAR_SINGULARS = {
    "taxes": "tax",
    "allowed_params": "allowed-param",
    "countries": "country",
    "addresses": "address",
}


class XMLParseError(ValueError):
    pass


def dasherize(name: str) -> str:
    return name.replace("_", "-")


def element_name(name: str) -> str:
    """`tax_id` → `tax-id`; anything that is not an XML name is made into one."""
    name = _NOT_A_NAME_CHAR.sub("-", dasherize(str(name)))
    return name if _NAME_START_CHAR.match(name) else f"_{name}"


def underscore(name: str) -> str:
    return name.replace("-", "_")


def singularize(name: str) -> str:
    if name in _IRREGULAR_SINGULARS:
        return _IRREGULAR_SINGULARS[name]
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s"):
        return name[:-1]
    return name


def _text(value: str) -> str:
    return _INVALID_XML_CHARS.sub("\ufffd", value)


def _append(parent: Element, name: str, value: Any) -> None:
    element = SubElement(parent, element_name(name))
    _fill(element, name, value)


def _fill(element: Element, name: str, value: Any) -> None:
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
        element.text = format_datetime(value)
    elif isinstance(value, datetime.date):
        element.set("type", "date")
        element.text = value.isoformat()
    elif isinstance(value, dict):
        if name == "errors":
            _fill_errors(element, value)
            return
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list | tuple):
        element.set("type", "array")
        item_name = singularize(name)
        if name == "errors":
            item_name = "error"
        for item in value:
            _append(element, item_name, item)
    else:
        element.text = _text(str(value))


def _fill_errors(element: Element, errors: dict[str, list[str]]) -> None:
    """Rails' `errors.to_xml`: one `<error>` per full message, no attributes."""
    for field, messages in errors.items():
        for message in messages:
            SubElement(element, "error").text = _text(full_message(field, str(message)))


def errors_document(errors: dict[str, list[str]], allowed_params: list[str] | None = None):
    """The whole body of an XML 422 (CONTRACT §3): `<errors><error>Name can't be blank</error>
    …</errors>`, the only shape ActiveResource and pyactiveresource read; for unexpected
    parameters the same root also holds `<allowed-params type="array">`."""
    element = Element("errors")
    _fill_errors(element, errors)
    if allowed_params is not None:
        _append(element, "allowed_params", list(allowed_params))
    text = tostring(element, encoding="unicode").replace(" />", "/>")
    return XML_DECLARATION + text.encode("utf-8")


def format_datetime(value: datetime.datetime) -> str:
    """ISO 8601 with the offset of the service's time zone (Europe/Madrid)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.isoformat()


def to_xml(root: str, data: Any) -> bytes:
    element = Element(element_name(root))
    _fill(element, root, data)
    # ElementTree writes empty elements as `<x />`; Rails' Builder as `<x/>` (the contract's
    # `<clients type="array"/>`). Text and attributes have `>` escaped, so " />" can only be
    # the end of an empty element.
    text = tostring(element, encoding="unicode").replace(" />", "/>")
    return XML_DECLARATION + text.encode("utf-8")


MAX_DEPTH = 16


def _to_value(element: Element, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise XMLParseError(f"XML nested deeper than {MAX_DEPTH} levels")
    if element.get("nil") == "true":
        return None
    children = list(element)
    if element.get("type") == "array" or _is_untyped_array(element, children):
        return [_to_value(child, depth + 1) for child in children]
    if children:
        # A repeated element is a list, as Hash.from_xml reads it.
        grouped: dict[str, list[Any]] = {}
        for child in children:
            grouped.setdefault(underscore(child.tag), []).append(_to_value(child, depth + 1))
        return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}
    text = element.text or ""
    # An empty element without a type is nil, as in Rails.
    return text if text.strip() or element.get("type") == "string" else None


def _is_untyped_array(element: Element, children: list[Element]) -> bool:
    """`<lines><line>…</line></lines>` without `type="array"` (hand-written XML): a container
    whose children are all named by its singular is read as the list it obviously is."""
    if not children:
        return False
    item = element_name(singularize(underscore(element.tag)))
    return item != element.tag and all(child.tag == item for child in children)


def from_xml(body: bytes) -> tuple[str, Any]:
    """(root element name, its value). Raises XMLParseError on anything malformed or unsafe."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise XMLParseError(
            "XML with DTDs or entity declarations is not accepted"
        ) from error
    except (ParseError, ValueError) as error:
        raise XMLParseError(f"Malformed XML: {error}") from error
    except LookupError as error:  # encoding="bogus" in the declaration
        raise XMLParseError(f"Malformed XML: {error}") from error
    return underscore(root.tag), _to_value(root)
