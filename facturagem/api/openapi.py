"""The OpenAPI 3 document of the v1 API (CONTRACT §10), at /api/v1/openapi.json.

Generated, never written by hand: every route under `facturagem.urls.api_v1` (read from the
URL resolver), once per suffix its view renders (`.json`, `.xml`, and `.pdf` for reads),
each verb the view implements; parameters from the view's own `allowed_params`, bodies from
its `input_serializer`, answers from its `output_serializer` (`summary_serializer` for
lists), and the error bodies the one exception handler writes. A new resource that declares
these, as every resource must for the wire machinery anyway, appears here with no edit.

drf-spectacular does the serializer → JSON Schema work; this module tells it what the
views are, since they are plain `ApiView`s rather than generic views.
"""

import functools
import inspect
import re
from typing import Any

from django.urls import URLPattern, URLResolver
from django.utils.regex_helper import normalize
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

MEDIA_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "pdf": "application/pdf",
    "xsig": "application/xml",  # a signed FacturaE document
}
# Parameters the document leaves to its other parts: the suffix is in the path, the key is
# a security scheme, and `_method` turns a POST into another operation.
NOT_QUERY_PARAMETERS = {"format", "api_key", "_method"}
REQUEST_MEDIA_TYPES = ("application/json", "application/x-www-form-urlencoded", "application/xml")

ERRORS_LIST = {
    "type": "object",
    "description": "401, 404, 409, 415, 429: what went wrong, in sentences.",
    "properties": {"errors": {"type": "array", "items": {"type": "string"}}},
    "required": ["errors"],
}
ERRORS_BY_ATTRIBUTE = {
    "type": "object",
    "description": (
        "400, 413, 422: `errors` maps each attribute (`base` for the whole) to Rails-style "
        "messages; a 422 also echoes the submitted resource, and for unexpected parameters "
        "lists `allowed_params`. In XML: Rails' `<errors><error>Name can't be blank</error>"
        "</errors>`."
    ),
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "allowed_params": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["errors"],
}
NOT_ACCEPTABLE = {"type": "string", "description": "406: the format is not available here."}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", location=OpenApiParameter.HEADER, required=False,
    type={"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]([ -~]*[!-~])?$"},
    description=(
        "Any printable ASCII (a UUID): a repeat within 24 hours replays the first answer "
        "(`Idempotent-Replayed: true`); the same key with another request is 422; a repeat "
        "while the first runs is 409 with `Retry-After`."
    ),
)
ID_PATTERN = r"^[0-9]{1,9}(-[a-z0-9-]{0,40})?$"
CODE_PATTERN = r"^[A-Za-z]{2}$"


# -- which operations there are ------------------------------------------------------------


def _regexes(patterns: list, prefix: str):
    for entry in patterns:
        regex = prefix + entry.pattern.regex.pattern.lstrip("^")
        if isinstance(entry, URLResolver):
            yield from _regexes(entry.url_patterns, regex)
        elif isinstance(entry, URLPattern):
            yield regex.rstrip("$").replace("\\Z", ""), entry


def _template(regex: str) -> str:
    """`api/v1/accounts/(?P<account_id>…)(?:\\.(?P<format>…))?` →
    `/api/v1/accounts/{account_id}`."""
    template, _ = min(normalize(regex), key=lambda variant: "format" in variant[1])
    return "/" + template.replace("%(", "{").replace(")s", "}")


def _is_api_view(view_class) -> bool:
    from facturagem.api.views import ApiView

    return isinstance(view_class, type) and issubclass(view_class, ApiView)


def api_endpoints() -> list[tuple[str, str, str, Any]]:
    """(path, regex, method, callback) for every operation of the v1 API."""
    from facturagem.urls import api_v1

    endpoints = []
    for regex, pattern in _regexes(api_v1, "api/v1/"):
        view_class = getattr(pattern.callback, "view_class", None)
        if not _is_api_view(view_class):
            continue
        view = view_class()
        view.kwargs, view.args, view.request = {}, (), None
        formats = [r.format for r in view.get_renderers() if r.format in MEDIA_TYPES]
        methods = [m for m in view._allowed_methods() if m not in ("OPTIONS", "HEAD")]
        path = _template(regex)
        for fmt in formats:
            for method in methods:
                if fmt == "pdf" and method != "GET":
                    continue  # the PDF is a representation to read
                endpoints.append((f"{path}.{fmt}", f"^{regex}$", method, pattern.callback))
    return endpoints


class Generator(SchemaGenerator):
    def _initialise_endpoints(self):
        if self.endpoints is None:
            self.endpoints = api_endpoints()

    def create_view(self, callback, method, request=None):
        view = super().create_view(callback, method, request)
        view.schema = AutoSchema()
        view.schema.view = view
        return view


# -- what each operation takes and answers -------------------------------------------------


class AutoSchema(SpectacularAutoSchema):
    @property
    def format(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    def _prepare_view(self) -> None:
        """The view's own introspection needs its route ids."""
        self.view.kwargs = {name: "1" for name in _variables(self.path)}

    def is_list(self) -> bool:
        view = self.view
        if self.method != "GET":
            return False
        if "GET" in getattr(view, "paginated_methods", ()):
            return True
        return self._url_name().endswith("-list")

    def _url_name(self) -> str:
        return _url_names().get(type(self.view), "")

    def get_operation_id(self) -> str:
        name = self._url_name() or type(self.view).__name__
        return f"{name}_{self.method}_{self.format}".replace("-", "_").lower()

    def get_description(self) -> str:
        """The resource view's own docstring (not the machinery's), then the verb's."""
        parts = []
        for klass in type(self.view).__mro__:
            if klass.__module__.startswith(("facturagem.api", "rest_framework", "django")):
                break
            if klass.__dict__.get("__doc__"):
                parts.append(inspect.cleandoc(klass.__doc__))
                break
        handler = getattr(self.view, self.method.lower(), None)
        if handler is not None and handler.__doc__:
            parts.append(inspect.cleandoc(handler.__doc__))
        return "\n\n".join(parts)

    def get_tags(self) -> list[str]:
        view = self.view
        return [getattr(view, "collection_name", None) or getattr(view, "resource_name", "api")]

    def map_renderers(self, attribute: str) -> list[Any]:
        if attribute == "format":
            return [self.format]
        return [MEDIA_TYPES[self.format]]

    def map_parsers(self) -> list[str]:
        types = list(REQUEST_MEDIA_TYPES)
        serializer_class = getattr(self.view, "input_serializer", None)
        if serializer_class is not None and _takes_files(serializer_class()):
            types.append("multipart/form-data")
        return types

    def _resolve_path_parameters(self, variables):
        return [
            build_parameter_type(
                name=name,
                location=OpenApiParameter.PATH,
                schema={
                    "type": "string",
                    "pattern": CODE_PATTERN if name == "code" else ID_PATTERN,
                },
                description=(
                    "ISO 3166-1 alpha-2 code, any case" if name == "code"
                    else "`<id>-<slug>` or the bare id: only the leading integer counts"
                ),
            )
            for name in variables
        ]

    def get_override_parameters(self):
        self._prepare_view()
        view = self.view
        allowed = getattr(view, "allowed_params", None)
        if allowed is None:
            return []
        names = list(allowed(self.method))
        writes = self.method in ("POST", "PUT", "PATCH")
        body = set(view.writable_params(self.method)) if writes else set()
        parameters = []
        for name in names:
            if name in NOT_QUERY_PARAMETERS or name in view.kwargs or name in body:
                continue
            if name == "strict":
                schema = {"type": "string", "enum": ["true", "false", "1", "0"]}
                description = "`false` or `0`: unknown parameters are ignored instead of a 422"
            elif name in ("page", "per_page"):
                schema = {"type": "integer", "minimum": 1, "maximum": 999_999_999}
                description = "1-based page" if name == "page" else "25 by default, at most 100"
            else:
                schema, description = {"type": "string"}, ""
            parameters.append(
                OpenApiParameter(name, location=OpenApiParameter.QUERY, required=False,
                                 description=description, type=schema)
            )
        if self.method == "POST" and not self._is_public():
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def get_request_serializer(self):
        serializer_class = getattr(self.view, "input_serializer", None)
        if self.method not in ("POST", "PUT", "PATCH") or serializer_class is None:
            return None
        # PUT is partial (CONTRACT §1): attributes not sent keep their values.
        serializer = serializer_class(partial=self.method in ("PUT", "PATCH"))
        return {media_type: serializer for media_type in self.map_parsers()}

    def get_response_serializers(self):
        view = self.view
        public = self._is_public()
        # A document (an invoice's PDF, its FacturaE files) rather than a resource: its
        # bytes on success, and errors said in JSON.
        document = self.format == "pdf" or (
            self.method == "GET" and getattr(view, "output_serializer", None) is None
        )
        if document:
            success: Any = {(200, MEDIA_TYPES[self.format]): OpenApiTypes.BINARY}
        elif self.method in ("GET", "POST") and getattr(view, "output_serializer", None):
            if self.is_list():
                summary = getattr(view, "summary_serializer", None) or view.output_serializer
                success = {200: summary(many=True)}
            else:
                success = {200: view.output_serializer()}
        else:
            success = {200: None}  # PUT, PATCH, DELETE: 200 with an empty body
        errors: dict[Any, Any] = {
            400: ERRORS_BY_ATTRIBUTE,
            404: ERRORS_LIST,
            (406, "text/plain"): NOT_ACCEPTABLE,
            422: ERRORS_BY_ATTRIBUTE,
            429: ERRORS_LIST,
        }
        if not public or self.method == "POST":  # a refused login is a 401 too
            errors[401] = ERRORS_LIST
        if self.method in ("POST", "PUT", "PATCH"):
            errors[413] = ERRORS_BY_ATTRIBUTE
            errors[415] = ERRORS_LIST
        if self.method == "POST" and not public:
            errors[409] = ERRORS_LIST  # a repeat while its Idempotency-Key's request runs
        if document:
            errors = {
                (code if isinstance(code, tuple) else (code, MEDIA_TYPES["json"])): schema
                for code, schema in errors.items()
            }
        return {**success, **errors}

    def _is_public(self) -> bool:
        from rest_framework.permissions import AllowAny

        return all(isinstance(p, AllowAny) for p in self.view.get_permissions())

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # Absent values are null on the wire (CONTRACT §3), whatever the field.
        if direction == "response" and isinstance(schema, dict) and "$ref" not in schema:
            schema["nullable"] = True
        return schema


def _takes_files(serializer) -> bool:
    """A body with a file in it (an upload field) is also sent as multipart/form-data."""
    return any(
        isinstance(field, serializers.FileField) or "File" in type(field).__name__
        for field in serializer.fields.values()
    )


def _variables(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


@functools.cache
def _url_names() -> dict[type, str]:
    """The route name of each view class (`client-list`, `invoice-detail`)."""
    from facturagem.urls import api_v1

    return {
        pattern.callback.view_class: pattern.name or ""
        for _regex, pattern in _regexes(api_v1, "")
        if hasattr(pattern.callback, "view_class")
    }


# -- the machinery's own types -------------------------------------------------------------


class LinksFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "facturagem.api.serializers.LinksField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "rel": {"type": "string"},
                    "uri": {"type": "string", "format": "uri"},
                },
                "required": ["rel", "uri"],
            },
        }


class CustomFieldSchema(OpenApiSerializerFieldExtension):
    """A resource's own field type (a direct `serializers.Field` subclass with no schema
    of its own): any value, described by its docstring, rather than a guess and a
    warning. A field may say what it is with an `openapi_schema` attribute."""

    target_class = "rest_framework.serializers.Field"
    match_subclasses = True
    priority = -1

    @classmethod
    def _matches(cls, target) -> bool:
        klass = target if isinstance(target, type) else type(target)
        return (
            klass.__bases__ == (serializers.Field,)
            and not klass.__module__.startswith(("rest_framework", "drf_spectacular"))
        )

    def map_serializer_field(self, auto_schema, direction):
        declared = getattr(self.target, "openapi_schema", None)
        if declared is not None:
            return dict(declared)
        return {"description": inspect.cleandoc(type(self.target).__doc__ or "")}


class DecimalFieldSchema(OpenApiSerializerFieldExtension):
    """Money, percentages and quantities travel as strings (`"1210.00"`), never floats."""

    target_class = "rest_framework.serializers.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema: dict[str, Any] = {
            "type": "string",
            "format": "decimal",
            "pattern": rf"^-?[0-9]{{1,{field.max_digits}}}(\.[0-9]{{1,{field.decimal_places}}})?$",
        }
        return schema


class ApiKeySchemes(OpenApiAuthenticationExtension):
    target_class = "facturagem.api.authentication.ApiKeyAuthentication"
    name = ["ApiKeyHeader", "ApiKeyParameter", "ApiKeyBasic"]

    def get_security_requirement(self, auto_schema):
        return [{name: []} for name in self.name]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            {"type": "apiKey", "in": "query", "name": "api_key"},
            {"type": "http", "scheme": "basic",
             "description": "The api_key as the user name, any password"},
        ]


class WebSessionScheme(OpenApiAuthenticationExtension):
    target_class = "facturagem.api.authentication.AccountSessionAuthentication"
    name = "WebSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def close_request_objects(result: dict, generator, request, public) -> dict:
    """Strict parameters (CONTRACT §4): a request body takes the properties it lists."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
    return result

