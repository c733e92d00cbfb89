"""The API's own route table, read from Django's URL resolver (never a hand-kept list).

Every pattern under the `api_v1` include becomes one route: its path template
(`/api/v1/accounts/{account_id}/clients`), the regex the console matches links against,
the view's HTTP methods, formats, allowed parameters per method and docstring.
"""

import inspect
import re
from types import SimpleNamespace
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize
from rest_framework.permissions import AllowAny

SHOWN_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
FRAMEWORK_MODULES = ("facturagem.api", "rest_framework", "django")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _api_v1() -> list:
    from facturagem.urls import api_v1

    return api_v1


def _strip_caret(regex: str) -> str:
    return regex[1:] if regex.startswith("^") else regex


def _find_include(resolver: URLResolver, target: list, prefix: str = "") -> tuple[str, Any]:
    """(regex prefix, resolver) of the include whose urlconf is `target`."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            here = prefix + _strip_caret(entry.pattern.regex.pattern)
            if entry.urlconf_name is target:
                return here, entry
            found = _find_include(entry, target, here)
            if found[1] is not None:
                return found
    return "", None


def _walk(resolver: URLResolver, prefix: str):
    for entry in resolver.url_patterns:
        regex = prefix + _strip_caret(entry.pattern.regex.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, regex)
        elif isinstance(entry, URLPattern):
            yield regex, entry


def _template(regex: str) -> str:
    """`api/v1/accounts/(?P<account_id>…)/clients(?:\\.(?P<format>…))?$` →
    `/api/v1/accounts/{account_id}/clients` (Django's own reverse() normaliser)."""
    variants = normalize(regex)
    template, _ = min(variants, key=lambda variant: "format" in variant[1])
    return "/" + _PLACEHOLDER.sub(r"{\1}", template).replace("%%", "%")


def _js_regex(regex: str) -> str:
    """The pattern for JavaScript's RegExp: anchored at the site root, `(?<name>…)` groups."""
    return "^/" + regex.replace("(?P<", "(?<")


def _doc(view_class: type) -> str:
    """The view's own docstring, else its resource base's (not the framework's)."""
    for klass in view_class.__mro__:
        if klass.__module__.startswith(FRAMEWORK_MODULES):
            break
        doc = klass.__dict__.get("__doc__")
        if doc:
            return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())
    return ""


def _view_facts(view_class: type, ids: list[str]) -> dict[str, Any]:
    view = view_class()
    view.kwargs = {name: "1" for name in ids}
    view.args = ()
    methods = [m for m in SHOWN_METHODS if m in view.allowed_methods]
    formats = [renderer.format for renderer in view.get_renderers()
               if renderer.format and renderer.format != "api"]
    params: dict[str, list[str]] = {}
    public: list[str] = []
    for method in methods:
        view.request = SimpleNamespace(method=method)
        try:
            params[method] = list(view.allowed_params(method))
        except Exception:  # introspection only: a view that needs a real request lists none
            params[method] = []
        try:
            if all(isinstance(p, AllowAny) for p in view.get_permissions()):
                public.append(method)
        except Exception:  # noqa: S110 - then the method is shown as needing a key
            pass
    return {"methods": methods, "formats": formats, "params": params, "public": public}


def api_routes() -> list[dict[str, Any]]:
    prefix, include = _find_include(get_resolver(), _api_v1())
    if include is None:
        return []
    routes = []
    for regex, pattern in _walk(include, prefix):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None:
            continue
        ids = [name for name in re.compile(regex).groupindex if name != "format"]
        routes.append({
            "name": pattern.name,
            "path": _template(regex),
            "regex": _js_regex(regex),
            "ids": ids,
            "resource": getattr(view_class, "resource_name", ""),
            "collection": getattr(view_class, "collection_name", None) or "",
            "view": f"{view_class.__module__}.{view_class.__qualname__}",
            "doc": _doc(view_class),
            **_view_facts(view_class, ids),
        })
    return routes
