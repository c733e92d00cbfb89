"""JSON without a root, Rails XML with one, and the browsable API for people."""

import datetime
import json
import re
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from rest_framework import renderers

from facturagem.api import xml


class WireJSONEncoder(json.JSONEncoder):
    """Money as strings with their decimals (never floats), dates ISO, times with offset."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, datetime.datetime):
            return xml.format_datetime(o)
        if isinstance(o, datetime.date):
            return o.isoformat()
        if isinstance(o, set | frozenset | tuple):
            return list(o)
        if isinstance(o, UploadedFile):
            # A 422 echoes the parameters, and a multipart form may have sent a file.
            return o.name
        return super().default(o)


_LONE_SURROGATES = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATES.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_surrogates(item) for item in value]
    return value


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = WireJSONEncoder

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            # A JSON body may carry a lone surrogate ("\ud800"); a 422 echoes it back, and
            # UTF-8 cannot encode it. It is rendered as U+FFFD, as the XML renderer does.
            data = _without_surrogates(data)
            return super().render(data, accepted_media_type, renderer_context)


def root_names(renderer_context: dict[str, Any] | None) -> tuple[str, str]:
    view = (renderer_context or {}).get("view")
    singular = (
        getattr(view, "xml_root", None) or getattr(view, "resource_name", None) or "hash"
    )
    plural = getattr(view, "collection_name", None) or f"{singular}s"
    return singular, plural


class RailsXMLRenderer(renderers.BaseRenderer):
    media_type = "application/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        singular, plural = root_names(renderer_context)
        if isinstance(data, dict) and isinstance(data.get("errors"), dict):
            # 422 (and 400, 413): Rails' errors.to_xml, not the resource with errors inside.
            return xml.errors_document(data["errors"], data.get("allowed_params"))
        if isinstance(data, list):
            return xml.to_xml(plural, data)
        if isinstance(data, dict) and set(data) == {"errors"} and isinstance(data["errors"], list):
            return xml.to_xml("errors", data["errors"])
        return xml.to_xml(singular, data)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's browsable API, with a way to the playground console."""

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["playground_url"] = "/playground/"
        return context
