"""Personas (healthchecks style): Alice and Bob each own an account; Bob is the outsider
in Alice's tests. Every test module uses them."""

import json
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts import services

PASSWORD = "correct horse battery staple"


@dataclass
class Persona:
    user: object
    api_key: str

    @property
    def account(self):
        return self.user.account


def make_persona(login: str, *, account_name: str, tax_id: str, **fields) -> Persona:
    user = services.account_create(
        login=login,
        password=PASSWORD,
        email=f"{login}@example.com",
        account_name=account_name,
        tax_id=tax_id,
        first_name=login.capitalize(),
        **fields,
    )
    return Persona(user=user, api_key=services.api_key_for(user))


@pytest.fixture
def alice(db) -> Persona:
    return make_persona("alice", account_name="Kovacek Nienow SL", tax_id="B12345674")


@pytest.fixture
def bob(db) -> Persona:
    return make_persona("bob", account_name="Bob Ferretería SL", tax_id="12345678Z")


class ApiClient(Client):
    """Django's test client with the v1 habits: JSON bodies by default, XML when asked."""

    def send(self, method: str, path: str, data=None, *, key: str | None = None,
             content_type: str = "application/json", **extra):
        if key:
            extra.setdefault("HTTP_X_API_KEY", key)
        if content_type == "application/json" and not isinstance(data, str | bytes | None):
            data = json.dumps(data)
        return self.generic(method, path, data or "", content_type=content_type, **extra)


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and failed logins count in the cache: each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
