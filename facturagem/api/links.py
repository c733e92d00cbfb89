"""Absolute `links` in the format of the request (CONTRACT §3): `.json` links in JSON,
`.xml` links in XML, suffix-less links in the browsable API so that they stay clickable."""

from typing import Any
from urllib.parse import urlencode

API_ROOT = "/api/v1"


class Linker:
    """Built once per request: a base URL and a suffix, then plain string joins (lists
    render hundreds of links; `reverse()` for each would dominate the response time)."""

    def __init__(self, request) -> None:
        renderer = getattr(request, "accepted_renderer", None)
        fmt = getattr(renderer, "format", "json")
        self.suffix = f".{fmt}" if fmt in ("json", "xml") else ""
        self.base = request.build_absolute_uri(API_ROOT)

    @classmethod
    def for_base(cls, base_url: str, fmt: str = "json") -> "Linker":
        """Links outside a request (a webhook event's data): on the service's public
        address (`https://host[:port]`), in `fmt`."""
        linker = cls.__new__(cls)
        linker.suffix = f".{fmt}"
        linker.base = f"{base_url.rstrip('/')}{API_ROOT}"
        return linker

    def uri(self, path: str, *, suffix: str | None = None, query: dict[str, Any] | None = None):
        uri = f"{self.base}{path}{self.suffix if suffix is None else suffix}"
        return f"{uri}?{urlencode(query)}" if query else uri

    def link(self, rel: str, path: str, **options: Any) -> dict[str, str]:
        return {"rel": rel, "uri": self.uri(path, **options)}


def url_id(pk: int, slug: str) -> str:
    return f"{pk}-{slug}" if slug else str(pk)
