"""`.json` / `.xml` suffixes (or `?format=`) pick the renderer; anything else is 406."""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils.mediatypes import _MediaType

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
        # Accept nothing here can satisfy is 406.
        accepted_types, refused_types = self.accepted_by_preference(request)
        for accepted in accepted_types:
            for renderer in renderers:
                offered = _MediaType(renderer.media_type)
                if any(offered.match(refused) for refused in refused_types):
                    continue  # `application/json;q=0, */*`: anything but JSON
                if offered.match(accepted):
                    if accepted.precedence == 0 or accepted.sub_type == "*":
                        return renderer, renderer.media_type
                    return renderer, accepted.orig
        raise NotAcceptable(available_renderers=renderers)

    def accepted_by_preference(self, request) -> tuple[list[_MediaType], list[_MediaType]]:
        """The Accept header's media types, most wanted first (by q-value, then the more
        specific, then in the order sent), and the specific ones refused with `q=0`.

        DRF's own negotiation ignores q-values: a browser's
        `text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8` would get XML
        instead of the browsable API."""
        ranked = []
        refused = []
        for position, token in enumerate(self.get_accept_list(request)):
            media_type = _MediaType(token)
            if not media_type.main_type:
                continue
            try:
                quality = float(media_type.params.get("q", "1"))
            except ValueError:
                quality = 1.0
            if quality > 0:
                ranked.append((-quality, -media_type.precedence, position, media_type))
            elif media_type.precedence >= 2:
                refused.append(media_type)
        if not ranked and not refused:  # an empty Accept header accepts anything
            return [_MediaType("*/*")], []
        ranked.sort(key=lambda rank: rank[:3])
        return [media_type for *_, media_type in ranked], refused
