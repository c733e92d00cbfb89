"""JSON without a root, Rails XML with one, and the browsable API for people."""

import datetime
import json
from decimal import Decimal
from typing import Any

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
        return super().default(o)


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = WireJSONEncoder


def root_names(renderer_context: dict[str, Any] | None) -> tuple[str, str]:
    view = (renderer_context or {}).get("view")
    singular = getattr(view, "resource_name", None) or "hash"
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
