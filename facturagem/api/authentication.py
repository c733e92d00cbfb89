"""The api_key, wherever a legacy client puts it: `api_key` parameter (query, form, JSON or
XML body), `X-Api-Key` header, or HTTP Basic with the key as user name."""

import base64
import binascii

from rest_framework import authentication, exceptions

from accounts.services import user_for_api_key
from facturagem.api.params import ParamsError

MISSING_API_KEY = "An api_key is required: log in with POST /api/v1/session"
INVALID_API_KEY = "Invalid api_key"


def _basic_user(header: str) -> str | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


def api_key_from(request) -> str | None:
    key = request.headers.get("X-Api-Key") or _basic_user(
        request.headers.get("Authorization", "")
    )
    if key:
        return key.strip()
    view = request.parser_context.get("view") if request.parser_context else None
    params = view.get_params(request) if view is not None and hasattr(view, "get_params") else {}
    value = params.get("api_key")
    return value.strip() if isinstance(value, str) and value.strip() else None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        try:
            key = api_key_from(request)
        except ParamsError as error:
            raise exceptions.ParseError(str(error)) from error
        if key is None:
            return None
        user = user_for_api_key(key)
        if user is None:
            raise exceptions.AuthenticationFailed(INVALID_API_KEY)
        return (user, key)

    def authenticate_header(self, request):
        # Not "Basic": browsers would pop a password dialog over the playground console.
        return 'ApiKey realm="FACTURAgem API"'
