"""`.json` / `.xml` suffixes (or `?format=`) pick the renderer; anything else is 406."""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation

FORMAT_NOT_AVAILABLE = "Format {format!r} is not available here; use one of: {formats}"


class SuffixContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        requested = format_suffix or request.query_params.get("format")
        if requested:
            for renderer in renderers:
                if renderer.format == requested and renderer.format != "api":
                    return renderer, renderer.media_type
            formats = ", ".join(r.format for r in renderers if r.format != "api")
            raise NotAcceptable(FORMAT_NOT_AVAILABLE.format(format=requested, formats=formats))
        # No suffix: the Accept header decides (JSON by default, HTML for browsers); an
        # Accept nothing here can satisfy raises NotAcceptable (406) in DRF's negotiation.
        return super().select_renderer(request, renderers, None)
