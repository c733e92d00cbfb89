"""Request bodies: JSON and Rails XML. Anything malformed is a ParseError (400), never a 500."""

import json
from decimal import Decimal
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
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


class _RecordingQueryDict(OrderedQueryDict):
    """An OrderedQueryDict that records its pairs as they are appended."""

    def __init__(self, *args, **kwargs) -> None:
        self.pairs = []
        super().__init__(*args, **kwargs)

    def appendlist(self, key, value) -> None:
        super().appendlist(key, value)
        self.pairs.append((key, value))

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.pairs = list(self.pairs)
        return result

    def update(self, *args, **kwargs) -> None:
        # DRF merges the uploaded files into a copy of the fields: they are pairs too.
        before = {key: len(values) for key, values in self.lists()}
        super().update(*args, **kwargs)
        for key, values in self.lists():
            self.pairs.extend((key, value) for value in values[before.get(key, 0):])


class _OrderedDjangoMultiPartParser(DjangoMultiPartParser):
    def __setattr__(self, name, value) -> None:
        # Django collects the fields in a QueryDict, which groups them by name; a recording
        # one keeps their order, as Rack reads `lines[][description]=A … lines[][…]=B`.
        if name == "_post" and type(value) is QueryDict:
            value = _RecordingQueryDict(mutable=True, encoding=value.encoding)
        super().__setattr__(name, value)


class MultiPartParser(parsers.MultiPartParser):
    """multipart/form-data means the same as a urlencoded form (CONTRACT §4): its fields
    keep their order across names, for the Rails array syntax."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {})["request"]
        meta = {**request.META, "CONTENT_TYPE": media_type}
        encoding = parsers.get_encoding(parser_context)
        try:
            parser = _OrderedDjangoMultiPartParser(meta, stream, request.upload_handlers, encoding)
            data, files = parser.parse()
        except MultiPartParserError as error:
            raise ParseError(f"Multipart form parse error - {error}") from error
        return parsers.DataAndFiles(data, files)
