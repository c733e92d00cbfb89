"""v1 routes: every resource path takes an optional `.format` suffix. Any suffix reaches the
view, so that one the resource cannot render is a 406 from content negotiation, not a 404."""

from django.urls import URLPattern, re_path

SUFFIX = r"(?:\.(?P<format>[A-Za-z0-9]{1,10}))?"
ID = r"[^/.]+"


def route(pattern: str, view, name: str) -> URLPattern:
    """`pattern` is a regex without anchors, e.g. `accounts/(?P<id>ID)`."""
    return re_path(rf"^{pattern.replace('ID', ID)}{SUFFIX}$", view.as_view(), name=name)
