"""Conformance with Heroku's Add-on Partner API v3 and single sign-on, against the real URLs:
provision → use the key → change plan → sign in → deprovision, and every way Heroku (or
someone pretending to be Heroku) can get it wrong."""

import base64
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid as uuid_module
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, connections

from accounts.models import Account, User
from heroku import selectors, services
from heroku.models import AddonResource

pytestmark = pytest.mark.django_db

SIX_MINUTES = 6 * 60


def account_id_from(config_url: str) -> int:
    return int(config_url.rstrip("/").rsplit("/", 1)[1].split("-", 1)[0])


# -- the whole life cycle ----------------------------------------------------------------


def test_the_whole_life_cycle(heroku, api, provision_body, sso_form):
    body = provision_body(plan="test", name="Tienda Ejemplo SL")
    uuid = body["uuid"]

    provisioned = heroku.provision(body)
    assert provisioned.status_code == 200
    answer = provisioned.json()
    assert answer["id"] == uuid
    key = answer["config"]["FACTURAGEM_API_KEY"]

    again = heroku.provision(body)
    assert again.status_code == 200
    assert again.json() == answer
    assert AddonResource.objects.filter(uuid=uuid).count() == 1

    account = api.send("GET", "/api/v1/accounts.json", key=key)
    assert account.status_code == 200
    assert account.json()["name"] == "Tienda Ejemplo SL"
    assert account.json()["id"] == account_id_from(answer["config"]["FACTURAGEM_URL"])

    assert heroku.change_plan(uuid, "pro").status_code == 200
    assert heroku.change_plan(uuid, "pro").status_code == 200
    assert heroku.change_plan(uuid, "platinum").status_code == 422

    signed_in = heroku.sso(sso_form(uuid))
    assert signed_in.status_code == 302
    dashboard = heroku.get(signed_in["Location"])
    assert dashboard.status_code == 200
    assert key in dashboard.content.decode()

    assert heroku.deprovision(uuid).status_code == 204
    assert api.send("GET", "/api/v1/accounts.json", key=key).status_code == 401
    assert heroku.deprovision(uuid).status_code == 410
    assert heroku.provision(body).status_code == 410
    assert heroku.get("/heroku/dashboard").status_code == 403
    assert Account.objects.filter(name="Tienda Ejemplo SL", is_active=False).exists()


# -- provision ---------------------------------------------------------------------------


def test_provision_answers_the_id_the_config_vars_and_a_message(heroku, provision_body):
    body = provision_body(name="Tienda Ejemplo SL")

    response = heroku.provision(body)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert set(answer) == {"id", "config", "message"}
    assert answer["id"] == body["uuid"]
    assert answer["message"] == services.PROVISIONED
    assert set(answer["config"]) == {"FACTURAGEM_URL", "FACTURAGEM_API_KEY"}
    account = AddonResource.objects.get(uuid=body["uuid"]).account
    assert answer["config"]["FACTURAGEM_URL"] == (
        f"http://testserver/api/v1/accounts/{account.pk}-tienda-ejemplo-sl"
    )


def test_the_config_url_is_https_behind_herokus_router(heroku, provision_body):
    response = heroku.post(
        "/heroku/resources",
        json.dumps(provision_body()),
        content_type="application/json",
        HTTP_AUTHORIZATION=heroku.auth,
        HTTP_HOST="testserver",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert response.json()["config"]["FACTURAGEM_URL"].startswith("https://testserver/api/v1/")


def test_provision_creates_an_account_whose_owner_has_no_password(heroku, api, provisioned):
    uuid, _ = provisioned

    resource = AddonResource.objects.select_related("account", "owner").get(uuid=uuid)

    assert resource.account.name == "Tienda Ejemplo SL"
    assert resource.account.is_active
    assert resource.owner.account == resource.account
    assert resource.owner.login == f"heroku-{uuid}"
    assert not resource.owner.has_usable_password()
    assert resource.plan_id == "test"
    assert resource.region == "amazon-web-services::eu-west-1"
    # No password: the v1 session login explains why instead of issuing a key.
    login = api.send("POST", "/api/v1/session.json", {"login": f"heroku-{uuid}", "password": "x"})
    assert login.status_code == 401


def test_provision_without_a_name_names_the_account_after_the_uuid(heroku, provision_body):
    body = provision_body(name=None)

    assert heroku.provision(body).status_code == 200

    assert AddonResource.objects.get(uuid=body["uuid"]).account.name == (
        f"Heroku add-on {body['uuid']}"
    )


def test_a_repeated_provision_answers_the_same_and_creates_nothing(heroku, provision_body):
    body = provision_body()
    first = heroku.provision(body)
    accounts, users = Account.objects.count(), User.objects.count()

    second = heroku.provision(body)

    assert second.status_code == 200
    assert second.json() == first.json()
    assert (Account.objects.count(), User.objects.count()) == (accounts, users)
    assert AddonResource.objects.filter(uuid=body["uuid"]).count() == 1


def test_the_uuid_is_unique_in_the_database():
    constraint_fields = [
        tuple(c.fields) for c in AddonResource._meta.constraints if hasattr(c, "fields")
    ]
    assert ("uuid",) in constraint_fields


def test_unknown_fields_in_the_body_are_ignored(heroku, provision_body):
    body = provision_body(shiny_new_heroku_field={"a": [1, 2]}, another=3)

    assert heroku.provision(body).status_code == 200


def test_the_oauth_grant_is_neither_stored_nor_logged(heroku, provision_body, caplog):
    body = provision_body(options={"locale": "es"})
    code = body["oauth_grant"]["code"]

    with caplog.at_level(logging.DEBUG):
        assert heroku.provision(body).status_code == 200

    assert code not in caplog.text
    resource = AddonResource.objects.get(uuid=body["uuid"])
    stored = " ".join(str(getattr(resource, f.attname)) for f in AddonResource._meta.fields)
    assert code not in stored
    assert resource.options == {"locale": "es"}


def test_an_unknown_plan_is_422_with_a_message_naming_the_plans(heroku, provision_body):
    response = heroku.provision(provision_body(plan="platinum"))

    assert response.status_code == 422
    assert response.json() == {
        "message": services.UNKNOWN_PLAN.format(plan="platinum", plans="test, basic, pro")
    }
    assert not AddonResource.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ("", 400),
        (b"\xff\xfe", 400),
        ("[1, 2]", 400),
        ('"uuid"', 400),
        ("null", 400),
        ('{"plan": "test"}', 422),
        ('{"uuid": "", "plan": "test"}', 422),
        ('{"uuid": "not-a-uuid", "plan": "test"}', 422),
        ('{"uuid": 42, "plan": "test"}', 422),
        ('{"uuid": "6f2b1f7e-8c1f-4a8e-9d1c-1234567890ab"}', 422),
        ('{"uuid": "6f2b1f7e-8c1f-4a8e-9d1c-1234567890ab", "plan": ["test"]}', 422),
        ('{"uuid": "6f2b1f7e-8c1f-4a8e-9d1c-1234567890ab", "plan": "test", "options": []}', 422),
        ('{"uuid": "6f2b1f7e-8c1f-4a8e-9d1c-1234567890ab", "plan": "test", "name": 7}', 422),
    ],
)
def test_a_malformed_provision_is_refused_with_a_message_never_a_500(heroku, body, status):
    response = heroku.provision(body)

    assert response.status_code == status
    assert response.json()["message"]
    assert not AddonResource.objects.exists()


def test_a_name_too_long_for_heroku_is_422(heroku, provision_body):
    response = heroku.provision(provision_body(name="x" * 300))

    assert response.status_code == 422
    assert response.json()["message"]


# -- the key Heroku puts in the app's config vars ------------------------------------------


@pytest.mark.parametrize("how", ["header", "query", "basic"])
def test_the_config_api_key_authenticates_the_v1_api(heroku, api, provisioned, how):
    uuid, answer = provisioned
    key = answer["config"]["FACTURAGEM_API_KEY"]

    if how == "header":
        response = api.get("/api/v1/accounts.json", HTTP_X_API_KEY=key)
    elif how == "query":
        response = api.get(f"/api/v1/accounts.json?api_key={key}")
    else:
        token = base64.b64encode(f"{key}:x".encode()).decode()
        response = api.get("/api/v1/accounts.json", HTTP_AUTHORIZATION=f"Basic {token}")

    assert response.status_code == 200
    assert response.json()["id"] == AddonResource.objects.get(uuid=uuid).account_id


def test_the_config_url_is_the_accounts_v1_resource(heroku, api, provisioned):
    _, answer = provisioned
    url = answer["config"]["FACTURAGEM_URL"].removeprefix("http://testserver")

    response = api.send("GET", f"{url}.json", key=answer["config"]["FACTURAGEM_API_KEY"])

    assert response.status_code == 200
    assert response.json()["name"] == "Tienda Ejemplo SL"


def test_another_tenant_cannot_read_the_provisioned_account(api, alice, provisioned):
    _, answer = provisioned
    url = answer["config"]["FACTURAGEM_URL"].removeprefix("http://testserver")

    assert api.send("GET", f"{url}.json", key=alice.api_key).status_code == 404


# -- plan change -----------------------------------------------------------------------------


def test_a_plan_change_answers_200_with_a_message(heroku, provisioned):
    uuid, _ = provisioned

    response = heroku.change_plan(uuid, "basic")

    assert response.status_code == 200
    assert response.json() == {"message": services.PLAN_CHANGED.format(plan="Basic")}
    resource = AddonResource.objects.get(uuid=uuid)
    assert resource.plan_id == "basic"
    assert resource.plan_changed_at is not None
    assert selectors.account_plan(resource.account).slug == "basic"


def test_changing_to_the_same_plan_is_a_no_op(heroku, provisioned):
    uuid, _ = provisioned

    response = heroku.change_plan(uuid, "test")

    assert response.status_code == 200
    assert response.json() == {"message": services.PLAN_UNCHANGED.format(plan="Test")}
    assert AddonResource.objects.get(uuid=uuid).plan_changed_at is None


def test_changing_to_an_unknown_plan_is_422(heroku, provisioned):
    uuid, _ = provisioned

    response = heroku.change_plan(uuid, "platinum")

    assert response.status_code == 422
    assert "platinum" in response.json()["message"]
    assert AddonResource.objects.get(uuid=uuid).plan_id == "test"


@pytest.mark.parametrize("uuid", [str(uuid_module.uuid4()), "not-a-uuid", "1"])
def test_changing_the_plan_of_an_unknown_resource_is_404(heroku, uuid):
    response = heroku.change_plan(uuid, "basic")

    assert response.status_code == 404
    assert response.json() == {"message": services.RESOURCE_NOT_FOUND}


def test_changing_the_plan_of_a_deprovisioned_resource_is_410(heroku, provisioned):
    uuid, _ = provisioned
    heroku.deprovision(uuid)

    assert heroku.change_plan(uuid, "basic").status_code == 410


@pytest.mark.parametrize("body", ["nope", "[]", "{}", '{"plan": 3}'])
def test_a_malformed_plan_change_is_refused_with_a_message(heroku, provisioned, body):
    uuid, _ = provisioned

    response = heroku.call("PUT", f"/heroku/resources/{uuid}", body)

    assert response.status_code in (400, 422)
    assert response.json()["message"]


# -- deprovision -------------------------------------------------------------------------------


def test_deprovision_deactivates_the_account_and_keeps_it(heroku, api, provisioned):
    uuid, answer = provisioned
    key = answer["config"]["FACTURAGEM_API_KEY"]

    response = heroku.deprovision(uuid)

    assert response.status_code == 204
    assert response.content == b""
    resource = AddonResource.objects.select_related("account").get(uuid=uuid)
    assert resource.deprovisioned_at is not None
    assert resource.account.is_active is False
    assert User.objects.filter(pk=resource.owner_id).exists()
    refused = api.send("GET", "/api/v1/accounts.json", key=key)
    assert refused.status_code == 401
    assert selectors.account_plan(resource.account) is None


def test_deprovisioning_keeps_the_accounts_invoices(heroku, provisioned):
    try:
        invoice_model = apps.get_model("invoices", "Invoice")
        client_model = apps.get_model("clients", "Client")
    except LookupError:
        pytest.skip("invoices.Invoice does not exist yet: nothing to keep")
    uuid, _ = provisioned
    account = AddonResource.objects.get(uuid=uuid).account
    client = client_model.objects.create(account=account, name="Cliente SA")
    invoice = invoice_model.objects.create(
        account=account,
        client=client,
        number="2026/0001",
        year=2026,
        issue_date=date(2026, 1, 15),
        account_name=account.name,
        client_name=client.name,
        total=Decimal("121.00"),
    )

    assert heroku.deprovision(uuid).status_code == 204

    assert invoice_model.objects.filter(pk=invoice.pk, account=account).exists()
    assert client_model.objects.filter(pk=client.pk).exists()


def test_a_repeated_deprovision_is_410(heroku, provisioned):
    uuid, _ = provisioned
    heroku.deprovision(uuid)

    response = heroku.deprovision(uuid)

    assert response.status_code == 410
    assert response.json() == {"message": services.RESOURCE_GONE}


def test_reprovisioning_a_deprovisioned_uuid_is_410(heroku, provision_body):
    body = provision_body()
    heroku.provision(body)
    heroku.deprovision(body["uuid"])

    response = heroku.provision(body)

    assert response.status_code == 410
    assert AddonResource.objects.filter(uuid=body["uuid"]).count() == 1


@pytest.mark.parametrize("uuid", [str(uuid_module.uuid4()), "not-a-uuid"])
def test_deprovisioning_an_unknown_resource_is_404(heroku, uuid):
    assert heroku.deprovision(uuid).status_code == 404


# -- Heroku's credentials -------------------------------------------------------------------

ENDPOINTS = [
    ("POST", "/heroku/resources"),
    ("PUT", "/heroku/resources/6f2b1f7e-8c1f-4a8e-9d1c-1234567890ab"),
    ("DELETE", "/heroku/resources/6f2b1f7e-8c1f-4a8e-9d1c-1234567890ab"),
    ("GET", "/heroku/resources"),
]


def wrong_credentials(settings, basic_auth):
    return {
        "missing": None,
        "empty": "",
        "wrong password": basic_auth(settings.HEROKU_ADDON_ID, "guess"),
        "wrong id": basic_auth("someone-else", settings.HEROKU_ADDON_PASSWORD),
        "swapped": basic_auth(settings.HEROKU_ADDON_PASSWORD, settings.HEROKU_ADDON_ID),
        "no password": basic_auth(settings.HEROKU_ADDON_ID, ""),
        "password prefix": basic_auth(
            settings.HEROKU_ADDON_ID, settings.HEROKU_ADDON_PASSWORD[:-1]
        ),
        "not base64": "Basic !!!",
        "no colon": "Basic " + base64.b64encode(settings.HEROKU_ADDON_ID.encode()).decode(),
        "bearer": f"Bearer {settings.HEROKU_ADDON_PASSWORD}",
    }


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_wrong_or_missing_credentials_are_401_on_every_endpoint(
    heroku, provision_body, settings, basic_auth, method, path
):
    body = provision_body(uuid="6f2b1f7e-8c1f-4a8e-9d1c-1234567890ab", plan="basic")
    for case, auth in wrong_credentials(settings, basic_auth).items():
        response = heroku.call(method, path, body, auth=auth)

        assert response.status_code == 401, case
        assert response["WWW-Authenticate"].startswith("Basic "), case
        assert response.json()["message"]
    assert not AddonResource.objects.exists()


def test_a_wrong_method_with_good_credentials_is_405(heroku):
    response = heroku.call("GET", "/heroku/resources")

    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    "unset", ["HEROKU_ADDON_ID", "HEROKU_ADDON_PASSWORD", "HEROKU_SSO_SALT", "all"]
)
def test_every_endpoint_is_off_while_the_add_on_is_not_configured(
    heroku, provision_body, sso_form, settings, unset
):
    uuid = str(uuid_module.uuid4())
    names = ["HEROKU_ADDON_ID", "HEROKU_ADDON_PASSWORD", "HEROKU_SSO_SALT"]
    auth = heroku.auth
    for name in names if unset == "all" else [unset]:
        setattr(settings, name, "")

    calls = [
        heroku.call("POST", "/heroku/resources", provision_body(uuid=uuid), auth=auth),
        heroku.call("PUT", f"/heroku/resources/{uuid}", {"plan": "pro"}, auth=auth),
        heroku.call("DELETE", f"/heroku/resources/{uuid}", auth=auth),
        heroku.post("/heroku/sso", sso_form(uuid)),
        heroku.get("/heroku/sso"),
        heroku.get("/heroku/dashboard"),
    ]

    assert [response.status_code for response in calls] == [404] * len(calls)
    assert not AddonResource.objects.exists()


# -- single sign-on ----------------------------------------------------------------------------


def test_sso_signs_the_owner_in_and_redirects_to_the_dashboard(heroku, provisioned, sso_form):
    uuid, answer = provisioned
    form = sso_form(uuid)

    response = heroku.sso(form)

    assert response.status_code == 302
    assert response["Location"] == "/heroku/dashboard"
    owner = AddonResource.objects.get(uuid=uuid).owner
    assert heroku.session["_auth_user_id"] == str(owner.pk)
    page = heroku.get("/heroku/dashboard")
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    assert "Tienda Ejemplo SL" in html
    assert answer["config"]["FACTURAGEM_API_KEY"] in html
    assert answer["config"]["FACTURAGEM_URL"] in html
    assert form["email"] in html
    for path in ("/playground/", "/docs/api"):  # linked when this deployment serves them
        assert (f'href="{path}"' in html) is (heroku.get(path).status_code != 404)


def test_sso_with_only_the_resource_token_signs_in(heroku, provisioned, sso_form):
    uuid, _ = provisioned

    assert heroku.sso(sso_form(uuid, user_scoped=False)).status_code == 302


def test_sso_with_the_legacy_id_and_token_signs_in(heroku, provisioned, sso_form):
    uuid, _ = provisioned

    response = heroku.sso(sso_form(uuid, legacy=True))

    assert response.status_code == 302
    assert heroku.get("/heroku/dashboard").status_code == 200


def test_sso_accepts_a_timestamp_four_minutes_off(heroku, provisioned, sso_form):
    uuid, _ = provisioned

    assert heroku.sso(sso_form(uuid, timestamp=int(time.time()) - 240)).status_code == 302
    assert heroku.sso(sso_form(uuid, timestamp=int(time.time()) + 240)).status_code == 302


@pytest.mark.parametrize("offset", [-SIX_MINUTES, SIX_MINUTES])
def test_sso_refuses_a_timestamp_six_minutes_off(heroku, provisioned, sso_form, offset):
    uuid, _ = provisioned

    response = heroku.sso(sso_form(uuid, timestamp=int(time.time()) + offset))

    assert response.status_code == 403
    assert services.SSO_EXPIRED in response.content.decode()
    assert "_auth_user_id" not in heroku.session


def tamper(token: str) -> str:
    return ("0" if token[0] != "0" else "1") + token[1:]


@pytest.mark.parametrize(
    "change",
    [
        "wrong salt",
        "wrong resource_token",
        "wrong user_scoped_resource_token",
        "user-scoped token for another email",
        "user-scoped token without user_id",
        "wrong legacy token",
        "no token at all",
        "timestamp changed after signing",
        "timestamp not a number",
        "empty form",
    ],
)
def test_sso_refuses_a_wrong_token_with_403(heroku, provisioned, sso_form, change):
    uuid, _ = provisioned
    form = sso_form(uuid)
    if change == "wrong salt":
        form = sso_form(uuid, salt="not-the-salt")
    elif change == "wrong resource_token":
        form["resource_token"] = tamper(form["resource_token"])
    elif change == "wrong user_scoped_resource_token":
        form["user_scoped_resource_token"] = tamper(form["user_scoped_resource_token"])
    elif change == "user-scoped token for another email":
        form["email"] = "mallory@example.com"
    elif change == "user-scoped token without user_id":
        del form["user_id"]
    elif change == "wrong legacy token":
        form = sso_form(uuid, legacy=True)
        form["token"] = tamper(form["token"])
    elif change == "no token at all":
        del form["resource_token"], form["user_scoped_resource_token"]
    elif change == "timestamp changed after signing":
        form["timestamp"] = str(int(form["timestamp"]) - 1)
    elif change == "timestamp not a number":
        form["timestamp"] = "yesterday"
    elif change == "empty form":
        form = {}

    response = heroku.sso(form)

    assert response.status_code == 403
    assert "_auth_user_id" not in heroku.session
    assert heroku.get("/heroku/dashboard").status_code == 403


def test_sso_for_an_unknown_resource_is_404(heroku, sso_form):
    assert heroku.sso(sso_form(str(uuid_module.uuid4()))).status_code == 404
    assert heroku.sso(sso_form("123")).status_code == 404


def test_sso_for_a_deprovisioned_resource_is_403(heroku, provisioned, sso_form):
    uuid, _ = provisioned
    heroku.deprovision(uuid)

    response = heroku.sso(sso_form(uuid))

    assert response.status_code == 403
    assert services.SSO_DEPROVISIONED in response.content.decode()


def test_sso_is_a_post(heroku, provisioned, sso_form):
    uuid, _ = provisioned

    assert heroku.get("/heroku/sso", sso_form(uuid)).status_code == 405


def test_sso_is_csrf_exempt(provisioned, sso_form):
    from django.test import Client

    uuid, _ = provisioned
    browser = Client(enforce_csrf_checks=True)

    assert browser.post("/heroku/sso", sso_form(uuid)).status_code == 302


# -- the dashboard ---------------------------------------------------------------------------


def test_the_dashboard_without_a_heroku_session_says_to_come_through_heroku(heroku):
    response = heroku.get("/heroku/dashboard")

    assert response.status_code == 403
    assert "Heroku" in response.content.decode()


def test_a_session_not_opened_by_sso_does_not_open_the_dashboard(heroku, alice, provisioned):
    heroku.force_login(alice.user)

    assert heroku.get("/heroku/dashboard").status_code == 403


def test_the_dashboard_closes_when_the_add_on_is_deprovisioned(heroku, provisioned, sso_form):
    uuid, _ = provisioned
    heroku.sso(sso_form(uuid))
    assert heroku.get("/heroku/dashboard").status_code == 200

    heroku.deprovision(uuid)

    assert heroku.get("/heroku/dashboard").status_code == 403


def test_the_dashboard_lists_the_ten_newest_invoices(heroku, provisioned, sso_form):
    try:
        invoice_model = apps.get_model("invoices", "Invoice")
        client_model = apps.get_model("clients", "Client")
    except LookupError:
        pytest.skip("invoices.Invoice does not exist yet")
    uuid, _ = provisioned
    account = AddonResource.objects.get(uuid=uuid).account
    client = client_model.objects.create(account=account, name="Cliente Uno SA")
    for day in range(1, 13):
        invoice_model.objects.create(
            account=account,
            client=client,
            number=f"2026/{day:04d}",
            year=2026,
            issue_date=date(2026, 1, day),
            account_name=account.name,
            client_name=client.name,
            total=Decimal("121.00"),
        )
    heroku.sso(sso_form(uuid))

    html = heroku.get("/heroku/dashboard").content.decode()

    assert "2026/0012" in html
    assert "2026/0003" in html
    assert "2026/0002" not in html
    assert html.index("2026/0012") < html.index("2026/0011")
    assert "Cliente Uno SA" in html


def test_the_dashboard_works_without_invoices(heroku, provisioned, sso_form):
    uuid, _ = provisioned
    heroku.sso(sso_form(uuid))

    response = heroku.get("/heroku/dashboard")

    assert response.status_code == 200
    assert 'id="no-invoices"' in response.content.decode()


# -- concurrency -----------------------------------------------------------------------------


def race(client_class, call, *, threads: int = 2) -> list:
    """Runs `call(client)` in several threads released together; each thread has its own
    client and database connection."""
    start = threading.Barrier(threads, timeout=10)
    responses: list = [None] * threads
    errors: list = []

    def run(index: int) -> None:
        try:
            client = client_class()
            start.wait()
            responses[index] = call(client)
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert not errors, errors
    return responses


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_provisions_of_one_uuid_create_one_account(
    heroku_settings, heroku_client, provision_body
):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "SQLite's shared in-memory test database refuses a second writer ('database table "
            "is locked') instead of waiting for it: on SQLite the race runs on a file-backed "
            "database in a child process (below)"
        )
    body = provision_body()

    responses = race(heroku_client, lambda client: client.provision(body))

    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json() == responses[1].json()
    assert AddonResource.objects.filter(uuid=body["uuid"]).count() == 1
    assert User.objects.filter(login=f"heroku-{body['uuid']}").count() == 1
    assert Account.objects.count() == 1


CHILD_RACE = """
import base64, json, threading, uuid
import django
django.setup()
from django.core.management import call_command
from django.db import connections
from django.test import Client
call_command("migrate", verbosity=0)
from accounts.models import Account, User
from heroku.models import AddonResource

resource_uuid = str(uuid.uuid4())
body = json.dumps({"uuid": resource_uuid, "plan": "basic", "name": "Carrera SL",
                   "oauth_grant": {"code": "x"}})
auth = "Basic " + base64.b64encode(b"facturagem:race-password").decode()
start = threading.Barrier(8)
answers, errors = [], []

def provision():
    try:
        client = Client()
        start.wait()
        response = client.post("/heroku/resources", body, content_type="application/json",
                               HTTP_AUTHORIZATION=auth)
        answers.append([response.status_code, response.content.decode()])
    except Exception as error:
        errors.append(repr(error))
    finally:
        connections.close_all()

threads = [threading.Thread(target=provision) for _ in range(8)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
print(json.dumps({
    "errors": errors,
    "answers": answers,
    "resources": AddonResource.objects.filter(uuid=resource_uuid).count(),
    "accounts": Account.objects.count(),
    "owners": User.objects.filter(login="heroku-" + resource_uuid).count(),
}))
"""


@pytest.mark.skipif(
    "connection.vendor != 'sqlite'",
    reason="SQLite only: on PostgreSQL the race runs in process (above)",
)
def test_eight_concurrent_provisions_on_a_file_backed_sqlite_database_create_one_account(
    tmp_path,
):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "facturagem.settings_test",
        "HEROKU_ADDON_ID": "facturagem",
        "HEROKU_ADDON_PASSWORD": "race-password",
        "HEROKU_SSO_SALT": "race-salt",
    }

    child = subprocess.run(  # our own interpreter running our own code
        [sys.executable, "-c", CHILD_RACE],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )

    assert child.returncode == 0, child.stderr
    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert len(outcome["answers"]) == 8
    assert {status for status, _ in outcome["answers"]} == {200}
    assert len({content for _, content in outcome["answers"]}) == 1  # the same answer
    assert (outcome["resources"], outcome["accounts"], outcome["owners"]) == (1, 1, 1)


def test_a_provision_that_misses_the_winners_row_answers_with_the_winners_resource(
    heroku, provision_body, monkeypatch
):
    """The loser of a race checked for the uuid before the winner committed: its insert
    fails on the unique login/uuid, and it answers with what the winner created."""
    body = provision_body()
    first = heroku.provision(body).json()
    original = selectors.resource_find
    missed = []

    def miss_once(uuid):
        if not missed:
            missed.append(uuid)
            return None
        return original(uuid)

    monkeypatch.setattr(selectors, "resource_find", miss_once)

    response = heroku.provision(body)

    assert missed
    assert response.status_code == 200
    assert response.json() == first
    assert Account.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_provisions_that_both_pass_every_check_still_create_one_account(
    heroku_settings, heroku_client, provision_body, monkeypatch
):
    """Both calls find no resource and validate their new owner before either inserts:
    the database's unique constraint decides, the loser's savepoint rolls back and it
    answers with the winner's resource (PostgreSQL: the loser's insert waits on the
    winner's row lock, then fails)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes write transactions before the check")
    both_validated = threading.Barrier(2, timeout=10)
    original = User.full_clean

    def validate_then_wait(user, *args, **kwargs):
        original(user, *args, **kwargs)
        both_validated.wait()

    monkeypatch.setattr(User, "full_clean", validate_then_wait)
    losers = []
    original_find = selectors.resource_find

    def find(uuid):
        found = original_find(uuid)
        if found is not None:
            losers.append(uuid)
        return found

    monkeypatch.setattr(selectors, "resource_find", find)
    body = provision_body()

    responses = race(heroku_client, lambda client: client.provision(body))

    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json() == responses[1].json()
    assert len(losers) == 1  # the loser looked the winner up after its failed insert
    assert AddonResource.objects.filter(uuid=body["uuid"]).count() == 1
    assert User.objects.filter(login=f"heroku-{body['uuid']}").count() == 1
    assert Account.objects.count() == 1
