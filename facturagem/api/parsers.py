"""Request bodies: JSON and Rails XML. Anything malformed is a ParseError (400), never a 500."""

import json
from decimal import Decimal
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from facturagem.api import xml

MALFORMED_JSON = "Malformed JSON: {error}"
BODY_TOO_LARGE = "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."


class JSONParser(parsers.JSONParser):
    """Numbers are read as Decimal so that a price never passes through a float."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            raise ParseError(MALFORMED_JSON.format(error=error)) from error


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _read_limited(stream) -> bytes:
    """DRF hands JSON and form parsers `request.body` (which enforces Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE) but other parsers the raw stream: the same limit here."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read()
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise RequestDataTooBig(BODY_TOO_LARGE)
    return body


class RailsXMLParser(parsers.BaseParser):
    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            _root, value = xml.from_xml(_read_limited(stream))
        except xml.XMLParseError as error:
            raise ParseError(str(error)) from error
        # The root element names the resource (<client>…</client>): its content is the
        # parameters, the same as the wrapped JSON {"client": {…}} once unwrapped.
        return value if value is not None else {}


class TextXMLParser(RailsXMLParser):
    media_type = "text/xml"


class OrderedQueryDict(QueryDict):
    """A QueryDict that remembers the order of its pairs across keys: Rack's
    `lines[][description]=A&lines[][quantity]=1&lines[][description]=B` needs it."""

    pairs: list[tuple[str, str]]


class FormParser(parsers.BaseParser):
    media_type = "application/x-www-form-urlencoded"

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            body = _read_limited(stream).decode(encoding)
            pairs = parse_qsl(
                body,
                keep_blank_values=True,
                max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
            )
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"Malformed form body: {error}") from error
        data = OrderedQueryDict(mutable=True)
        for name, value in pairs:
            data.appendlist(name, value)
        data.pairs = pairs
        data._mutable = False
        return data
