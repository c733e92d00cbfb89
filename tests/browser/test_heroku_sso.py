"""Heroku's single sign-on in a real browser: Heroku's page posts a signed form to
/heroku/sso, and the user lands on the add-on's dashboard."""

import base64
import html
import json
import time
import urllib.request
import uuid as uuid_module

import pytest

from heroku import tokens

ADDON_ID = "facturagem"
ADDON_PASSWORD = "browser-test-password"
SSO_SALT = "browser-test-salt"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def heroku_settings(settings):
    settings.HEROKU_ADDON_ID = ADDON_ID
    settings.HEROKU_ADDON_PASSWORD = ADDON_PASSWORD
    settings.HEROKU_SSO_SALT = SSO_SALT


def provision(live_url, *, name: str) -> tuple[str, dict]:
    """Heroku's provisioning call, over HTTP to the live server."""
    resource_uuid = str(uuid_module.uuid4())
    body = {"uuid": resource_uuid, "plan": "basic", "name": name, "region": "eu",
            "callback_url": f"https://api.heroku.com/addons/{resource_uuid}", "options": {},
            "oauth_grant": {"code": "grant", "type": "authorization_code"}}
    credentials = base64.b64encode(f"{ADDON_ID}:{ADDON_PASSWORD}".encode()).decode()
    # The live server's own http:// URL: S310 (arbitrary schemes) does not apply.
    request = urllib.request.Request(  # noqa: S310
        live_url("/heroku/resources"),
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Basic {credentials}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200
        return resource_uuid, json.loads(response.read())


def heroku_sso_page(action: str, fields: dict[str, str]) -> str:
    """What Heroku serves to the user's browser: a form that posts itself to sso_url."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return (
        f'<html><body><form id="sso" method="post" action="{html.escape(action)}">{inputs}'
        "</form><script>document.getElementById('sso').submit()</script></body></html>"
    )


def signed_fields(resource_uuid: str, *, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    user_id, email = str(uuid_module.uuid4()), "dev@example.com"
    return {
        "resource_id": resource_uuid,
        "resource_token": tokens.resource_token(resource_uuid, SSO_SALT, ts),
        "user_scoped_resource_token": tokens.user_scoped_resource_token(
            resource_uuid, SSO_SALT, ts, user_id, email
        ),
        "timestamp": ts,
        "user_id": user_id,
        "email": email,
        "app": "tienda-ejemplo",
    }


def test_sso_lands_on_the_dashboard_with_the_account_and_its_api_key(page, live_url):
    resource_uuid, answer = provision(live_url, name="Tienda Ejemplo SL")
    api_key = answer["config"]["FACTURAGEM_API_KEY"]

    page.set_content(heroku_sso_page(live_url("/heroku/sso"), signed_fields(resource_uuid)))
    page.wait_for_url(live_url("/heroku/dashboard"))

    assert page.locator("#account-name").inner_text() == "Tienda Ejemplo SL"
    assert page.locator("#api-key").inner_text() == api_key
    assert page.locator("#account-url").inner_text() == answer["config"]["FACTURAGEM_URL"]
    assert page.get_by_role("link", name="Playground console").get_attribute("href") == (
        "/playground/"
    )
    # The session survives a reload: the browser kept Django's session cookie.
    page.reload()
    assert page.locator("#api-key").inner_text() == api_key


def test_a_stale_sso_link_shows_why_and_opens_no_session(page, live_url):
    resource_uuid, _ = provision(live_url, name="Tienda Ejemplo SL")
    stale = signed_fields(resource_uuid, timestamp=int(time.time()) - 6 * 60)

    page.set_content(heroku_sso_page(live_url("/heroku/sso"), stale))
    page.wait_for_url(live_url("/heroku/sso"))

    assert "expired" in page.locator("#message").inner_text()
    response = page.goto(live_url("/heroku/dashboard"))
    assert response.status == 403
    assert "Heroku" in page.locator("#message").inner_text()
