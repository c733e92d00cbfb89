"""The api_key, wherever a legacy client puts it: `api_key` parameter (query, form, JSON or
XML body), `X-Api-Key` header, or HTTP Basic with the key as user name."""

import base64
import binascii

from rest_framework import authentication, exceptions

from accounts.services import user_for_api_key
from facturagem.api.exceptions import MISSING_API_KEY
from facturagem.api.params import ParamsError

__all__ = [
    "INVALID_API_KEY",
    "MISSING_API_KEY",
    "AccountSessionAuthentication",
    "ApiKeyAuthentication",
    "api_key_from",
]

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


class AccountSessionAuthentication(authentication.SessionAuthentication):
    """The browsable API for a person logged in through the web (Heroku single sign-on):
    the session's user, when it owns an active account. Staff users of the admin have none
    and stay out. DRF enforces CSRF on unsafe methods for these requests only."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        account = getattr(user, "account", None)
        if account is None or not account.is_active:
            return None
        return (user, None)
