"""One error shape for the whole API (CONTRACT §3).

401 and 404: `{"errors": ["…"]}`. 422: the submitted resource plus `errors`, an object of
attribute → messages (`base` for the whole). Malformed bodies: 400 with the same object.
406: short text. Nothing here ever answers 500.
"""

from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from facturagem.api import params as wire_params
from facturagem.api import xml
from facturagem.api.messages import rails_fragment

NOT_FOUND = "Not found"
MISSING_API_KEY = "An api_key is required: log in with POST /api/v1/session"
BODY_TOO_LARGE = "The request body is too large"
TOO_MANY_FIELDS = "Too many parameters"
RATE_LIMITED = "Rate limit exceeded: try again in {seconds} seconds"


class UnprocessableEntity(exceptions.APIException):
    """A 422 whose body is ready: strict-parameter failures, bad pagination, business rules."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "Unprocessable entity"

    def __init__(self, errors: dict[str, list[str]], *, extra: dict[str, Any] | None = None):
        super().__init__(detail="Unprocessable entity")
        self.errors = errors
        self.extra = extra or {}


def flatten_errors(detail: Any) -> dict[str, list[str]]:
    """DRF's nested error detail → {"tax_id": [...], "lines[1].quantity": [...], "base": [...]},
    each attribute's messages as Rails fragments (`can't be blank`)."""
    return as_fragments(_flatten(detail))


def as_fragments(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        name: messages if name == "base" else [rails_fragment(str(m)) for m in messages]
        for name, messages in errors.items()
    }


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "base" if key in ("non_field_errors", "__all__") else str(key)
            if prefix and name.isdigit():  # a list's errors keyed by index
                name = f"{prefix}[{name}]"
            elif prefix:
                name = prefix if name == "base" else f"{prefix}.{name}"
            for sub_key, messages in _flatten(value, name).items():
                flat.setdefault(sub_key, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            flat.setdefault(prefix or "base", []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item:
                    name = f"{prefix}[{index}]" if prefix else f"[{index}]"
                    for sub_key, messages in _flatten(item, name).items():
                        flat.setdefault(sub_key, []).extend(messages)
    elif detail is not None:
        flat.setdefault(prefix or "base", []).append(str(detail))
    return flat


def _submitted(context: dict[str, Any]) -> dict[str, Any]:
    view = context.get("view")
    request = context.get("request")
    if view is None or request is None or not hasattr(view, "get_params"):
        return {}
    try:
        return wire_params.echo(view.get_params(request))
    except Exception:  # the body may be the very thing that is broken
        return {}


def _errors_response(code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response({"errors": [message]}, status=code, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse | None:
    # ObjectDoesNotExist: a row that went while the request ran (a concurrent DELETE the
    # service found gone under its lock) is as gone as one that never was.
    if isinstance(exc, Http404 | exceptions.NotFound | ObjectDoesNotExist):
        return _errors_response(404, NOT_FOUND)
    if isinstance(exc, exceptions.NotAcceptable):
        return HttpResponse(
            f"406 Not Acceptable: {exc.detail}\n", status=406, content_type="text/plain"
        )
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        headers = {"WWW-Authenticate": exc.auth_header} if getattr(exc, "auth_header", None) else {}
        # DRF's NotAuthenticated means no credentials at all: for this API, no api_key.
        message = MISSING_API_KEY if isinstance(exc, exceptions.NotAuthenticated) else exc.detail
        return _errors_response(401, str(message), headers)
    if isinstance(exc, UnprocessableEntity):
        # Strict-parameter failures carry `allowed_params`; other 422s echo the submission.
        body = exc.extra or _submitted(context)
        return Response({**body, "errors": as_fragments(exc.errors)}, status=422)
    if isinstance(exc, exceptions.ValidationError | DjangoValidationError):
        detail = exc.detail if isinstance(exc, exceptions.ValidationError) else (
            exc.message_dict if hasattr(exc, "error_dict") else {"base": exc.messages}
        )
        body = {**_submitted(context), "errors": flatten_errors(detail)}
        return Response(body, status=422)
    if isinstance(exc, exceptions.ParseError):
        return Response({"errors": {"base": [str(exc.detail)]}}, status=400)
    if isinstance(exc, RequestDataTooBig):
        return Response({"errors": {"base": [BODY_TOO_LARGE]}}, status=413)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Response({"errors": {"base": [TOO_MANY_FIELDS]}}, status=400)
    if isinstance(exc, exceptions.Throttled):
        seconds = int(exc.wait or 1)
        return _errors_response(
            429, RATE_LIMITED.format(seconds=seconds), {"Retry-After": str(seconds)}
        )
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "retry_after", None):  # a 409 of a running Idempotency-Key
            headers["Retry-After"] = str(exc.retry_after)
        return Response(
            {"errors": [str(exc.detail)]}, status=exc.status_code, headers=headers
        )
    return None


def early_error_response(
    request, code: int, message: str, *, as_list: bool = False
) -> HttpResponse:
    """The contract's error body for a request refused before any view ran (by middleware):
    Rails XML when the URL ends in `.xml`, JSON otherwise. `as_list`: the `{"errors": [...]}`
    of a 401, 404 or 429 rather than the `base` of a refused body."""
    if request.path.endswith(".xml"):
        body = xml.to_xml("errors", [message])
        return HttpResponse(body, status=code, content_type="application/xml; charset=utf-8")
    return JsonResponse({"errors": [message] if as_list else {"base": [message]}}, status=code)
