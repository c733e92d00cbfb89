"""Parameters as Rails sees them: one dict from the query string and the body, whatever its
format, with Rack's bracket syntax (`invoice[lines][][description]`), the resource's
wrapper key unwrapped, and a strict check of the names against what the operation knows.
"""

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, QueryDict

# Every operation accepts these (CONTRACT §4).
ALWAYS_ALLOWED = ("api_key", "strict", "format", "_method")
# Not echoed back in a 422 body: credentials and switches are not part of the resource.
NOT_ECHOED = frozenset({*ALWAYS_ALLOWED, "password", "page", "per_page"})
MAX_DEPTH = 16

MALFORMED_PARAMS = "malformed parameters: {name}"
UNEXPECTED_PARAM = "is not an allowed parameter"
NULL_CHARACTER = "parameters may not contain null characters"
BODY_NOT_AN_OBJECT = "the request body must be an object of parameters"


class ParamsError(ValueError):
    pass


_NAME_HEAD = re.compile(r"\A[\[\]]*([^\[\]]+)\]*")
_ARRAY_OF_HASHES = re.compile(r"\A\[\]\[([^\[\]]+)\]\Z|\A\[\](.+)\Z")


def _has_key(params: Mapping[str, Any], key: str) -> bool:
    """Rack's params_hash_has_key?: does the nested key `a][b` already exist?"""
    node: Any = params
    for part in (p for p in re.split(r"[\[\]]+", key) if p):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _normalize(params: dict[str, Any], name: str, value: Any, depth: int = 0) -> dict[str, Any]:
    """Rack::QueryParser#normalize_params, the grammar of `a[b][][c]=v`."""
    if depth > MAX_DEPTH:
        raise ParamsError(MALFORMED_PARAMS.format(name=name))
    match = _NAME_HEAD.match(name)
    key = match.group(1) if match else ""
    after = name[match.end():] if match else ""
    if not key:
        return params
    if after == "":
        params[key] = value
    elif after == "[]":
        items = params.setdefault(key, [])
        if not isinstance(items, list):
            raise ParamsError(MALFORMED_PARAMS.format(name=name))
        items.append(value)
    elif array_match := _ARRAY_OF_HASHES.match(after):
        child_key = array_match.group(1) or array_match.group(2)
        items = params.setdefault(key, [])
        if not isinstance(items, list):
            raise ParamsError(MALFORMED_PARAMS.format(name=name))
        if items and isinstance(items[-1], dict) and not _has_key(items[-1], child_key):
            _normalize(items[-1], child_key, value, depth + 1)
        else:
            items.append(_normalize({}, child_key, value, depth + 1))
    else:
        child = params.setdefault(key, {})
        if not isinstance(child, dict):
            raise ParamsError(MALFORMED_PARAMS.format(name=name))
        _normalize(child, after, value, depth + 1)
    return params


_LONE_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Input text, normalised once for every field and every format.

    NUL is refused: no field has a use for it, and PostgreSQL refuses it in text, so say so
    up front rather than from a database error in whatever query the value reaches. A lone
    surrogate (a JSON body may carry "\\ud800") is no character at all: UTF-8, XML and
    the database all refuse it, so it becomes U+FFFD, the replacement character."""
    if "\x00" in value:
        raise ParamsError(NULL_CHARACTER)
    if value.isascii():  # O(1) in CPython: no surrogate to look for
        return value
    if _LONE_SURROGATES.search(value):
        return _LONE_SURROGATES.sub("\ufffd", value)
    return value


def clean(value: Any, depth: int = 0) -> Any:
    """`clean_text` over every key and string of a decoded body (JSON objects, lists)."""
    if depth > MAX_DEPTH:
        raise ParamsError(MALFORMED_PARAMS.format(name="(nesting)"))
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean(k, depth + 1): clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(item, depth + 1) for item in value]
    return value


def _indexed_hashes_to_lists(value: Any, depth: int = 0) -> Any:
    """`lines[0][x]`, `lines[1][x]` arrive as {"0": …, "1": …}: Rails treats them as a list.

    Never the parameters themselves (depth 0): `?0=x` is a parameter named "0" (unknown to
    every operation, so strict mode names it), not a list where a hash of names belongs."""
    if depth > MAX_DEPTH:
        raise ParamsError(MALFORMED_PARAMS.format(name="(nesting)"))
    if type(value) is str:  # the commonest node first
        return clean_text(value)
    if isinstance(value, dict):
        converted = {
            clean_text(k) if isinstance(k, str) else k: _indexed_hashes_to_lists(v, depth + 1)
            for k, v in value.items()
        }
        if (
            depth > 0
            and converted
            and all(isinstance(k, str) and k.isascii() and k.isdigit() for k in converted)
        ):
            return [converted[k] for k in sorted(converted, key=int)]
        return converted
    if isinstance(value, list):
        return [_indexed_hashes_to_lists(item, depth + 1) for item in value]
    if isinstance(value, str):
        return clean_text(value)
    return value


def from_pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, value in pairs:
        _normalize(params, name, value)
    return params


def query_string(request: HttpRequest) -> str:
    """The request's raw query string (the order of its pairs matters to the bracket syntax).

    WSGI hands it over as latin-1 (PEP 3333): `?name=José` sent unescaped, as curl does,
    would read `JosÃ©`. Back to bytes, then UTF-8, as Django does for `request.GET`."""
    raw = request.META.get("QUERY_STRING", "")
    try:
        return raw.encode("iso-8859-1").decode("utf-8", "replace")
    except UnicodeEncodeError:  # not from WSGI: already text
        return raw


def collect(*, query_string: str, body: Any, wrapper: str | None) -> dict[str, Any]:
    """Query string and body merged (the body wins), brackets expanded, wrapper unwrapped."""
    try:
        pairs = parse_qsl(
            query_string,
            keep_blank_values=True,
            max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        )
    except ValueError as error:  # the same limit Django puts on request.GET
        raise TooManyFieldsSent(str(error)) from error
    params = from_pairs(pairs)
    if isinstance(getattr(body, "pairs", None), list):
        body_params = from_pairs(body.pairs)
    elif isinstance(body, QueryDict):
        # Multipart: pairs are grouped by name (the order across names is lost).
        body_params = from_pairs(
            (name, value) for name in body for value in body.getlist(name)
        )
    elif isinstance(body, Mapping):
        body_params = dict(body)
    elif body in (None, "", b""):
        body_params = {}
    else:
        raise ParamsError(BODY_NOT_AN_OBJECT)
    params.update(body_params)
    params = _indexed_hashes_to_lists(params)
    if wrapper and isinstance(params.get(wrapper), dict):
        wrapped = params.pop(wrapper)
        params.update(wrapped)
    return params


def is_strict(params: Mapping[str, Any]) -> bool:
    return str(params.get("strict", "true")).strip().lower() not in {"false", "0"}


@functools.lru_cache(maxsize=256)
def _allowed(allowed: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The names, and every `x` such that some name starts with `x[` (a hash or a list of
    hashes whose keys are allowed): what `unexpected` asks for each parameter, once per set
    of names (a view allows the same ones on every request)."""
    containers = {
        name[:index] for name in allowed for index, char in enumerate(name) if char == "["
    }
    return frozenset(allowed), frozenset(containers)


def unexpected(params: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    """Names in `params` that `allowed` does not list, in the `lines[][x]` notation."""
    names, containers = _allowed(tuple(allowed))
    found: list[str] = []

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for key, value in node.items():
            name = f"{prefix}[{key}]" if prefix else key
            if name in names:
                continue
            list_prefix = f"{name}[]"
            # `list_prefix in containers`: some allowed name starts with `list_prefix[`.
            if isinstance(value, list) and list_prefix in containers:
                for item in value:
                    if isinstance(item, Mapping):
                        walk(item, list_prefix)
                    else:
                        found.append(name)
                        break
                continue
            if isinstance(value, Mapping) and name in containers:
                walk(value, name)
                continue
            found.append(name)

    walk(params, "")
    return sorted(set(found))


def attributes(params: Mapping[str, Any], route_kwargs: Iterable[str]) -> dict[str, Any]:
    """The resource's own attributes: params minus switches, credentials and route ids."""
    skip = {*ALWAYS_ALLOWED, *route_kwargs}
    return {key: value for key, value in params.items() if key not in skip}


def echo(params: Mapping[str, Any]) -> dict[str, Any]:
    """What a 422 body may repeat of the request: never the api_key or a password."""
    return {key: value for key, value in params.items() if key not in NOT_ECHOED}
