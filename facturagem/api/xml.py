"""Rails-convention XML: what `to_xml` writes and `Hash.from_xml` reads.

Out: dasherized element names, `type` on non-strings, `type="array"` collections whose
items are named by the singular, `nil="true"` for None, errors in the Rails shape.
In: the same shape back to a dict, parsed by defusedxml so that DTDs and entity
declarations (billion laughs, external entities) are refused instead of expanded.
"""

import datetime
import re
from decimal import Decimal
from itertools import chain
from typing import Any
from xml.etree.ElementTree import Element, ParseError

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


# -- writing ----------------------------------------------------------------------------------
#
# The document is written as strings, not as an ElementTree that is then serialized: a
# 25-invoice page has 651 elements, and building and walking the tree (with a regex per
# element name) was a third of the request. The bytes are ElementTree's as the service
# always wrote them (tests/api/test_xml_writer.py checks them against that writer):
# `&`, `<` and `>` escaped in text, `<x/>` for an empty element, attributes in double quotes.


_TAGS: dict[str, str] = {}
# Names come from parameters too (a 422 echoes them): the cache stops growing here.
_MAX_TAGS = 4096


def _tag(name: Any) -> str:
    if type(name) is not str:
        return element_name(name)
    tag = _TAGS.get(name)
    if tag is None:
        tag = element_name(name)
        if len(_TAGS) < _MAX_TAGS:
            _TAGS[name] = tag
    return tag


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _string(value: str) -> str:
    """Text as ElementTree wrote it: forbidden characters replaced, then escaped."""
    # Every character XML forbids is unprintable; three scans beat one regex search.
    if value.isprintable() and "&" not in value and "<" not in value and ">" not in value:
        return value
    return _escape(_INVALID_XML_CHARS.sub("\ufffd", value))


def _typed(out: list[str], tag: str, kind: str, text: str) -> None:
    out.append(f'<{tag} type="{kind}">{text}</{tag}>')


def _write(out: list[str], tag: str, name: Any, value: Any) -> None:
    """`value` as the element `tag` (`name` is its key: it names a list's items)."""
    kind = type(value)
    if kind is str:
        out.append(f"<{tag}>{_string(value)}</{tag}>" if value else f"<{tag}/>")
    elif kind is dict:
        _write_dict(out, tag, name, value)
    elif kind is int:
        out.append(f'<{tag} type="integer">{value}</{tag}>')
    elif value is None:
        out.append(f'<{tag} nil="true"/>')
    elif kind is bool:
        out.append(f'<{tag} type="boolean">{"true" if value else "false"}</{tag}>')
    elif kind is Decimal:
        out.append(f'<{tag} type="decimal">{value}</{tag}>')
    elif kind is list or kind is tuple:
        _write_list(out, tag, name, value)
    else:
        _write_other(out, tag, name, value)


def _write_dict(out: list[str], tag: str, name: Any, value: dict) -> None:
    if name == "errors":
        _write_errors(out, tag, value)
        return
    if not value:
        out.append(f"<{tag}/>")
        return
    append = out.append
    append(f"<{tag}>")
    # _write's common cases inline: this loop writes nearly every element of a document.
    for key, item in value.items():
        child = _TAGS.get(key) if type(key) is str else None
        if child is None:
            child = _tag(key)
        kind = type(item)
        if kind is str:
            if not item:
                append(f"<{child}/>")
            elif item.isprintable() and "&" not in item and "<" not in item and ">" not in item:
                append(f"<{child}>{item}</{child}>")
            else:
                append(f"<{child}>{_string(item)}</{child}>")
        elif kind is int:
            append(f'<{child} type="integer">{item}</{child}>')
        elif item is None:
            append(f'<{child} nil="true"/>')
        elif kind is bool:
            append(f'<{child} type="boolean">{"true" if item else "false"}</{child}>')
        elif kind is Decimal:
            append(f'<{child} type="decimal">{item}</{child}>')
        elif kind is datetime.date:
            append(f'<{child} type="date">{item.isoformat()}</{child}>')
        else:
            _write(out, child, key, item)
    append(f"</{tag}>")


def _write_list(out: list[str], tag: str, name: Any, value: list | tuple) -> None:
    if not value:
        out.append(f'<{tag} type="array"/>')
        return
    item_name = "error" if name == "errors" else singularize(name)
    item_tag = _tag(item_name)
    append = out.append
    append(f'<{tag} type="array">')
    if not _write_string_hashes(out, item_tag, value):
        for item in value:
            _write(out, item_tag, item_name, item)
    append(f"</{tag}>")


def _write_string_hashes(out: list[str], tag: str, value: list | tuple) -> bool:
    """A list of hashes that all share their keys and hold only non-empty strings that need
    no escaping (an invoice's `links`), written in one format call; False (and nothing
    written) for any other list. Every test here runs in C over the whole list: per hash,
    writing them one by one costs five times as much."""
    if set(map(type, value)) != {dict}:
        return False
    shapes = set(map(tuple, value))
    if len(shapes) != 1:
        return False
    texts = list(chain.from_iterable(map(dict.values, value)))
    # Strings (not a str enum: written by its own rules), none empty (`<rel/>`).
    if set(map(type, texts)) != {str} or not all(texts):
        return False
    joined = "".join(texts)
    if not joined.isprintable() or "&" in joined or "<" in joined or ">" in joined:
        return False
    template = _strings_template(tag, shapes.pop())
    if template is None:
        return False
    out.append((template * len(value)).format(*texts))
    return True


_TEMPLATES: dict[tuple[str, tuple[Any, ...]], str | None] = {}


def _strings_template(tag: str, keys: tuple[Any, ...]) -> str | None:
    """`<tag><k1>{}</k1><k2>{}</k2></tag>`: a hash of these keys whose values are non-empty
    strings that need no escaping, as _write_dict writes it. None: not for these keys."""
    shape = (tag, keys)
    template = _TEMPLATES.get(shape, False)
    if template is False:
        template = None
        if keys and all(type(key) is str for key in keys):
            # Element names never hold braces (element_name makes them "-"): format-safe.
            children = "".join(f"<{child}>{{}}</{child}>" for child in map(_tag, keys))
            template = f"<{tag}>{children}</{tag}>"
        if len(_TEMPLATES) < _MAX_TAGS:
            _TEMPLATES[shape] = template
    return template


def _write_errors(out: list[str], tag: str, errors: dict) -> None:
    messages = [
        f"<error>{_string(full_message(field, str(message)))}</error>"
        if full_message(field, str(message)) else "<error/>"
        for field, field_messages in errors.items()
        for message in field_messages
    ]
    out.append(f"<{tag}>{''.join(messages)}</{tag}>" if messages else f"<{tag}/>")


def _write_other(out: list[str], tag: str, name: Any, value: Any) -> None:
    """Subclasses of the types above (an IntEnum, a str enum) and the rarer types."""
    if isinstance(value, bool):
        _write(out, tag, name, bool(value))
    elif isinstance(value, int):
        _typed(out, tag, "integer", str(value))
    elif isinstance(value, Decimal):
        _typed(out, tag, "decimal", str(value))
    elif isinstance(value, float):
        _typed(out, tag, "float", repr(value))
    elif isinstance(value, datetime.datetime):
        _typed(out, tag, "datetime", format_datetime(value))
    elif isinstance(value, datetime.date):
        _typed(out, tag, "date", value.isoformat())
    elif isinstance(value, dict):
        _write_dict(out, tag, name, value)
    elif isinstance(value, list | tuple):
        _write_list(out, tag, name, value)
    else:
        text = str(value)
        out.append(f"<{tag}>{_string(text)}</{tag}>" if text else f"<{tag}/>")


def errors_document(errors: dict[str, list[str]], allowed_params: list[str] | None = None):
    """The whole body of an XML 422 (CONTRACT §3): `<errors><error>Name can't be blank</error>
    …</errors>`, the only shape ActiveResource and pyactiveresource read; for unexpected
    parameters the same root also holds `<allowed-params type="array">`."""
    out: list[str] = []
    _write_errors(out, "errors", errors)
    if allowed_params is not None:
        inner: list[str] = []
        _write_list(inner, "allowed-params", "allowed_params", list(allowed_params))
        head = out[0][: -len("</errors>")] if out[0].endswith("</errors>") else "<errors>"
        out = [head, *inner, "</errors>"]
    return XML_DECLARATION + "".join(out).encode("utf-8")


def format_datetime(value: datetime.datetime) -> str:
    """ISO 8601 with the offset of the service's time zone (Europe/Madrid)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.isoformat()


def to_xml(root: str, data: Any) -> bytes:
    """`data` as a Rails `to_xml` document whose root element is `root`."""
    out: list[str] = []
    _write(out, _tag(root), root, data)
    return XML_DECLARATION + "".join(out).encode("utf-8")


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
