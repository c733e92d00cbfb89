"""The Heroku add-on as Heroku sees it: a configured add-on, a client that sends Heroku's
calls with its Basic credentials, and builders for provisioning bodies and SSO forms."""

import base64
import json
import time
import uuid as uuid_module

import pytest
from django.test import Client

from heroku import tokens

ADDON_ID = "facturagem"
ADDON_PASSWORD = "addon-password-from-the-manifest"
SSO_SALT = "2f97bfa52ca102f8874716e2eb1d3b4920ad0be4"
OAUTH_CODE = "01234567-89ab-cdef-0123-456789abcdef-OAUTH-CODE"
HEROKU_USER_ID = "e7a3a5d2-0c0b-4f4a-9c3e-6b7f1a2b3c4d"
HEROKU_EMAIL = "dev@example.com"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


GOOD_AUTH = basic(ADDON_ID, ADDON_PASSWORD)


@pytest.fixture(autouse=True)
def heroku_settings(settings):
    settings.HEROKU_ADDON_ID = ADDON_ID
    settings.HEROKU_ADDON_PASSWORD = ADDON_PASSWORD
    settings.HEROKU_SSO_SALT = SSO_SALT
    return settings


def _provision_body(uuid: str | None = None, *, plan: str = "test", **fields) -> dict:
    """What Heroku's v3 provisioning call sends (documented fields and a few more)."""
    resource_uuid = uuid or str(uuid_module.uuid4())
    return {
        "uuid": resource_uuid,
        "plan": plan,
        "region": "amazon-web-services::eu-west-1",
        "callback_url": f"https://api.heroku.com/addons/{resource_uuid}",
        "name": "facturagem-curved-12345",
        "options": {},
        "oauth_grant": {
            "code": OAUTH_CODE,
            "expires_at": "2030-03-03T18:01:31-0800",
            "type": "authorization_code",
        },
        "log_input_url": "https://token:t.abc@1.us.logplex.io/logs",
        "log_drain_token": "d.abc",
        **fields,
    }


class HerokuClient(Client):
    """Django's test client, sending Heroku's calls (JSON, Basic auth)."""

    auth = GOOD_AUTH

    def call(self, method: str, path: str, body=None, *, auth: str | None = GOOD_AUTH):
        extra = {"HTTP_AUTHORIZATION": auth} if auth is not None else {}
        data = body if isinstance(body, str | bytes) else json.dumps(body) if body else ""
        return self.generic(method, path, data, content_type="application/json", **extra)

    def provision(self, body: dict, **options):
        return self.call("POST", "/heroku/resources", body, **options)

    def change_plan(self, uuid: str, plan: str, **options):
        return self.call("PUT", f"/heroku/resources/{uuid}", {"plan": plan}, **options)

    def deprovision(self, uuid: str, **options):
        return self.call("DELETE", f"/heroku/resources/{uuid}", **options)

    def sso(self, form: dict):
        return self.post("/heroku/sso", form)


@pytest.fixture
def heroku() -> HerokuClient:
    return HerokuClient()


@pytest.fixture
def heroku_client():
    """The HerokuClient class, for tests that need several clients (one per thread)."""
    return HerokuClient


@pytest.fixture
def provisioned(db, heroku):
    """A provisioned add-on: (uuid, response body)."""
    body = _provision_body(name="Tienda Ejemplo SL")
    response = heroku.provision(body)
    assert response.status_code == 200, response.content
    return body["uuid"], response.json()


def _sso_form(
    resource_id: str,
    *,
    salt: str = SSO_SALT,
    timestamp: int | None = None,
    user_scoped: bool = True,
    legacy: bool = False,
) -> dict:
    """Heroku's SSO form post; `legacy` is the v1 `id`/`token` form."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    if legacy:
        return {
            "id": resource_id,
            "token": tokens.resource_token(resource_id, salt, ts),
            "timestamp": ts,
            "email": HEROKU_EMAIL,
            "nav-data": "abc",
        }
    form = {
        "resource_id": resource_id,
        "resource_token": tokens.resource_token(resource_id, salt, ts),
        "timestamp": ts,
        "app": "tienda-ejemplo",
        "context_app": "tienda-ejemplo",
        "nav-data": "abc",
    }
    if user_scoped:
        form.update(
            user_id=HEROKU_USER_ID,
            email=HEROKU_EMAIL,
            user_scoped_resource_token=tokens.user_scoped_resource_token(
                resource_id, salt, ts, HEROKU_USER_ID, HEROKU_EMAIL
            ),
        )
    return form


@pytest.fixture
def provision_body():
    """Builds Heroku's provisioning body: `provision_body(uuid=None, plan="test", **fields)`."""
    return _provision_body


@pytest.fixture
def sso_form():
    """Builds Heroku's SSO form: `sso_form(resource_id, salt=…, timestamp=…, user_scoped=True,
    legacy=False)`."""
    return _sso_form


@pytest.fixture
def basic_auth():
    """`basic_auth(user, password)` → an Authorization header value."""
    return basic
