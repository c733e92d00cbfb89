"""Request bodies: JSON and Rails XML. Anything malformed is a ParseError (400), never a 500."""

import json
from decimal import Decimal
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from facturagem.api import xml

MALFORMED_JSON = "Malformed JSON: {error}"


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


class RailsXMLParser(parsers.BaseParser):
    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            _root, value = xml.from_xml(stream.read())
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
            body = stream.read().decode(encoding)
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
