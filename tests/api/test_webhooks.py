"""Webhooks: /api/v1/accounts/:account_id/webhooks(/:id)(/rotate_secret|/deliveries).:fmt
(CONTRACT §10): the v1 conventions (JSON and XML, strict params, pagination, outsiders 404),
a signing secret shown once and stored encrypted, URLs that cannot point inward."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from defusedxml.ElementTree import fromstring
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from facturagem.api.exceptions import NOT_FOUND
from facturagem.api.params import UNEXPECTED_PARAM
from webhooks import crypto, events, network, services
from webhooks.models import Attempt, Delivery, Event, Webhook
from webhooks.views import UNAVAILABLE

XML = "application/xml"
FORM = "application/x-www-form-urlencoded"
HOOK = {"url": "https://hooks.example.com/facturagem",
        "events": ["invoice.issued", "invoice.paid"], "description": "ERP"}
WEBHOOK_FIELDS = ["id", "account_id", "url", "description", "events", "active", "disabled_at",
                  "disabled_reason", "previous_secret_valid_until", "created_at",
                  "updated_at", "links"]


def hooks_url(persona, suffix=".json", account_id=None) -> str:
    return f"/api/v1/accounts/{account_id or persona.account.pk}/webhooks{suffix}"


def hook_url(persona, webhook, tail="", suffix=".json", account_id=None) -> str:
    return f"{hooks_url(persona, '', account_id)}/{webhook.pk}{tail}{suffix}"


def create(api, persona, body=None, **options):
    return api.send("POST", hooks_url(persona), HOOK if body is None else body,
                    key=persona.api_key, **options)


@pytest.fixture
def hook(alice):
    return services.webhook_create(account=alice.account, **HOOK).webhook


# -- create ---------------------------------------------------------------------------------


def test_creating_a_webhook_shows_its_signing_secret_this_once(api, alice):
    response = create(api, alice)

    assert response.status_code == 200
    body = response.json()
    assert list(body) == [*WEBHOOK_FIELDS, "secret"]
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["events"] == ["invoice.issued", "invoice.paid"]
    assert (body["active"], body["disabled_at"], body["disabled_reason"]) == (True, None, None)
    webhook = Webhook.objects.get()
    assert response["Location"] == (f"http://testserver/api/v1/accounts/"
                                    f"{alice.account.url_id}/webhooks/{webhook.pk}.json")
    assert response["Cache-Control"] == "no-store"
    shown = api.send("GET", hook_url(alice, webhook), key=alice.api_key).json()
    assert list(shown) == WEBHOOK_FIELDS
    assert "secret" not in api.send("GET", hooks_url(alice), key=alice.api_key).json()[0]


def test_the_secret_is_stored_encrypted_and_a_dump_does_not_show_it(api, alice):
    secret = create(api, alice).json()["secret"]

    webhook = Webhook.objects.get()
    assert webhook.secret != secret
    assert crypto.decrypt(webhook.secret) == secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM webhooks_webhook")
        dump = repr(cursor.fetchall())
    assert secret not in dump
    assert secret[6:20] not in dump


def test_a_webhook_is_created_from_xml_with_events_as_a_typed_array(api, alice):
    body = ("<webhook><url>https://hooks.example.com/x</url><events type=\"array\">"
            "<event>invoice.voided</event><event>payment.deleted</event></events></webhook>")
    response = api.send("POST", hooks_url(alice, ".xml"), body, key=alice.api_key,
                        content_type=XML)

    assert response.status_code == 200, response.content
    root = fromstring(response.content)
    assert root.tag == "webhook"
    assert root.find("events").get("type") == "array"
    assert [e.text for e in root.find("events")] == ["invoice.voided", "payment.deleted"]
    assert root.find("secret").text.startswith("whsec_")
    assert root.find("active").get("type") == "boolean"


def test_a_webhook_is_created_from_a_rails_form(api, alice):
    form = urlencode([("webhook[url]", "https://hooks.example.com/f"),
                      ("webhook[events][]", "invoice.issued"),
                      ("webhook[events][]", "payment.created")])
    response = api.send("POST", hooks_url(alice), form, key=alice.api_key, content_type=FORM)

    assert response.status_code == 200, response.content
    assert response.json()["events"] == ["invoice.issued", "payment.created"]


@pytest.mark.parametrize("body, errors", [
    ({"events": ["invoice.issued"]}, {"url": ["can't be blank"]}),
    ({"url": "https://x.example/"}, {"events": ["can't be blank"]}),
    ({"url": "https://x.example/", "events": []}, {"events": ["can't be blank"]}),
    ({"url": "https://x.example/", "events": ["invoice.exploded"]},
     {"events[0]": ["is not included in the list"]}),
    ({"url": "http://hooks.example.com/", "events": ["invoice.issued"]},
     {"url": [network.HTTPS_ONLY]}),
    ({"url": "ftp://hooks.example.com/", "events": ["invoice.issued"]},
     {"url": [network.NOT_A_URL]}),
    ({"url": "https://user:pw@hooks.example.com/", "events": ["invoice.issued"]},
     {"url": [network.HAS_CREDENTIALS]}),
    ({"url": "https://10.0.0.5/hook", "events": ["invoice.issued"]},
     {"url": [network.PRIVATE_ADDRESS.format(host="10.0.0.5")]}),
    ({"url": "https://169.254.169.254/", "events": ["invoice.issued"]},
     {"url": [network.PRIVATE_ADDRESS.format(host="169.254.169.254")]}),
    ({"url": "https://[::1]:8443/", "events": ["invoice.issued"]},
     {"url": [network.PRIVATE_ADDRESS.format(host="::1")]}),
    ({"url": "https://localhost/", "events": ["invoice.issued"]},
     {"url": [network.PRIVATE_ADDRESS.format(host="localhost")]}),
    ({"url": "https://x.example:99999/", "events": ["invoice.issued"]},
     {"url": [network.NOT_A_URL]}),
])
def test_a_webhook_that_is_not_one_is_a_422_naming_the_attribute(api, alice, body, errors):
    response = create(api, alice, body)

    assert response.status_code == 422, response.content
    assert response.json()["errors"] == errors
    assert Webhook.objects.count() == 0


def test_private_targets_and_plain_http_are_allowed_when_the_setting_says_so(
        api, alice, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    response = create(api, alice, {"url": "http://10.0.0.5:8080/hook",
                                   "events": ["invoice.issued"]})

    assert response.status_code == 200, response.content


def test_an_unknown_parameter_is_a_422_listing_the_allowed_ones(api, alice):
    response = create(api, alice, {**HOOK, "sekret": "mine"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"sekret": [UNEXPECTED_PARAM]}
    assert {"url", "events", "description", "active"} <= set(
        response.json()["allowed_params"])


def test_one_url_once_per_account_and_twenty_at_most(api, alice):
    assert create(api, alice).status_code == 200
    assert create(api, alice).json()["errors"] == {"url": [services.DUPLICATE_URL]}
    for n in range(services.MAX_WEBHOOKS - 1):
        services.webhook_create(account=alice.account, url=f"https://h{n}.example.com/",
                                events=["invoice.issued"])

    response = create(api, alice, {**HOOK, "url": "https://one-too-many.example.com/"})
    assert response.json()["errors"] == {"base": [services.TOO_MANY_WEBHOOKS]}


def test_without_an_encryption_key_creating_a_webhook_is_a_503(api, alice, settings):
    settings.WEBHOOK_ENCRYPTION_KEYS = []
    settings.CERTIFICATE_ENCRYPTION_KEYS = []
    response = create(api, alice)

    assert response.status_code == 503
    assert response.json() == {"errors": [UNAVAILABLE]}
    assert Webhook.objects.count() == 0


def test_webhook_encryption_keys_come_before_the_certificates_ones(api, alice, settings):
    own = "d2ViaG9va3Mtb25seS1rZXktZm9yLXRlc3RzLi4uLi4="
    settings.WEBHOOK_ENCRYPTION_KEYS = [own]
    secret = create(api, alice).json()["secret"]

    settings.WEBHOOK_ENCRYPTION_KEYS = []
    with pytest.raises(Exception, match="cannot be decrypted"):
        crypto.decrypt(Webhook.objects.get().secret)
    settings.WEBHOOK_ENCRYPTION_KEYS = [own]
    assert crypto.decrypt(Webhook.objects.get().secret) == secret


# -- read, list -----------------------------------------------------------------------------


def test_a_webhook_reads_in_json_and_xml_with_its_links(api, alice, hook):
    body = api.send("GET", hook_url(alice, hook), key=alice.api_key).json()
    base = f"http://testserver/api/v1/accounts/{alice.account.url_id}"
    assert body["links"] == [
        {"rel": "self", "uri": f"{base}/webhooks/{hook.pk}.json"},
        {"rel": "account", "uri": f"{base}.json"},
        {"rel": "deliveries", "uri": f"{base}/webhooks/{hook.pk}/deliveries.json"},
        {"rel": "rotate_secret", "uri": f"{base}/webhooks/{hook.pk}/rotate_secret.json"},
    ]
    response = api.send("GET", hook_url(alice, hook, suffix=".xml"), key=alice.api_key)
    assert response.status_code == 200
    root = fromstring(response.content)
    assert root.find("url").text == HOOK["url"]
    assert root.find("disabled-at").get("nil") == "true"


def test_the_list_is_paginated_and_only_the_accounts_own(api, alice, bob, hook):
    services.webhook_create(account=bob.account, url="https://bob.example.com/",
                            events=["invoice.issued"])
    for n in range(3):
        services.webhook_create(account=alice.account, url=f"https://{n}.example.com/",
                                events=["invoice.issued"])

    response = api.send("GET", hooks_url(alice) + "?per_page=2&page=2", key=alice.api_key)

    assert response.status_code == 200
    assert response["X-Total-Count"] == "4"
    assert [w["url"] for w in response.json()] == ["https://1.example.com/",
                                                   "https://2.example.com/"]
    xml = api.send("GET", hooks_url(alice, ".xml"), key=alice.api_key)
    assert fromstring(xml.content).tag == "webhooks"


# -- update, delete, rotate -----------------------------------------------------------------


def test_put_changes_what_is_sent_and_accepts_the_representation_back(api, alice, hook):
    shown = api.send("GET", hook_url(alice, hook), key=alice.api_key).json()
    shown.update({"events": ["payment.created"], "active": False})

    response = api.send("PUT", hook_url(alice, hook), shown, key=alice.api_key)

    assert response.status_code == 200, response.content
    assert response.content == b""
    hook.refresh_from_db()
    assert (hook.events, hook.active, hook.url) == (["payment.created"], False, HOOK["url"])


def test_put_refuses_what_create_refuses(api, alice, hook):
    response = api.send("PUT", hook_url(alice, hook), {"url": "https://127.0.0.1/"},
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "url": [network.PRIVATE_ADDRESS.format(host="127.0.0.1")]}


def test_delete_removes_the_webhook_and_its_deliveries(api, alice, hook):
    event = Event.objects.create(account=alice.account, type=events.INVOICE_ISSUED,
                                 created_at=timezone.now(), body="{}")
    Delivery.objects.create(webhook=hook, event=event)

    response = api.send("DELETE", hook_url(alice, hook), key=alice.api_key)

    assert (response.status_code, response.content) == (200, b"")
    assert not Webhook.objects.exists()
    assert not Delivery.objects.exists()


def test_rotating_the_secret_shows_the_new_one_once_and_keeps_the_old_valid_a_while(
        api, alice, hook, settings):
    old = crypto.decrypt(hook.secret)

    response = api.send("POST", hook_url(alice, hook, "/rotate_secret"), key=alice.api_key)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["secret"] != old
    assert response["Cache-Control"] == "no-store"
    hook.refresh_from_db()
    assert services.signing_secrets(hook, timezone.now()) == [body["secret"], old]
    hours = (hook.previous_secret_until - timezone.now()).total_seconds() / 3600
    assert 23.9 < hours <= 24
    assert body["previous_secret_valid_until"] is not None
    assert "secret" not in api.send("GET", hook_url(alice, hook), key=alice.api_key).json()


def test_rotate_secret_takes_no_parameters(api, alice, hook):
    response = api.send("POST", hook_url(alice, hook, "/rotate_secret"), {"length": 64},
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"length": [UNEXPECTED_PARAM]}


# -- deliveries -----------------------------------------------------------------------------


@pytest.fixture
def delivered(hook):
    event = Event.objects.create(account=hook.account, type=events.INVOICE_ISSUED,
                                 created_at=timezone.now(), body='{"id": "e1"}')
    item = Delivery.objects.create(webhook=hook, event=event, attempts=2,
                                   state=Delivery.State.DELIVERED, last_status_code=200)
    Attempt.objects.create(delivery=item, number=1, started_at=timezone.now(), duration_ms=12,
                           url=hook.url, address="203.0.113.9", status_code=500,
                           response_excerpt="oops", error="the receiver answered 500")
    Attempt.objects.create(delivery=item, number=2, started_at=timezone.now(), duration_ms=8,
                           url=hook.url, address="203.0.113.9", status_code=200,
                           response_excerpt="ok")
    return item


def test_deliveries_list_each_attempt(api, alice, hook, delivered, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = api.send("GET", hook_url(alice, hook, "/deliveries"), key=alice.api_key)

    assert response.status_code == 200
    [shown] = response.json()
    assert shown["event_id"] == str(delivered.event.uuid)
    assert shown["event_type"] == "invoice.issued"
    assert (shown["state"], shown["attempt_count"], shown["last_status_code"]) == (
        "delivered", 2, 200)
    assert [(a["number"], a["status_code"], a["error"]) for a in shown["attempts"]] == [
        (1, 500, "the receiver answered 500"), (2, 200, None)]
    assert shown["attempts"][0]["response_excerpt"] == "oops"
    assert "body" not in shown
    detail = api.send("GET", hook_url(alice, hook, f"/deliveries/{delivered.pk}"),
                      key=alice.api_key).json()
    assert detail["body"] == '{"id": "e1"}'
    xml = api.send("GET", hook_url(alice, hook, "/deliveries", suffix=".xml"),
                   key=alice.api_key)
    root = fromstring(xml.content)
    assert root.tag == "deliveries"
    assert root.find("delivery/attempts").get("type") == "array"
    assert root.find("delivery/attempts/attempt/status-code").text == "500"


# -- outsiders ------------------------------------------------------------------------------


@pytest.mark.parametrize("method, tail, body", [
    ("GET", "", None), ("PUT", "", {"active": False}), ("DELETE", "", None),
    ("POST", "/rotate_secret", None), ("GET", "/deliveries", None),
])
def test_another_accounts_webhook_is_not_found_never_forbidden(api, alice, bob, hook, method,
                                                               tail, body):
    as_bob = api.send(method, hook_url(bob, hook, tail, account_id=bob.account.pk), body,
                      key=bob.api_key)
    through_alice = api.send(method, hook_url(alice, hook, tail), body, key=bob.api_key)

    assert (as_bob.status_code, through_alice.status_code) == (404, 404)
    assert as_bob.json() == {"errors": [NOT_FOUND]}
    hook.refresh_from_db()
    assert hook.active
    assert crypto.decrypt(hook.secret)  # not rotated


def test_another_accounts_delivery_is_not_found(api, alice, bob, hook, delivered):
    bobs = services.webhook_create(account=bob.account, url="https://bob.example.com/",
                                   events=["invoice.issued"]).webhook
    response = api.send("GET", hook_url(bob, bobs, f"/deliveries/{delivered.pk}",
                                        account_id=bob.account.pk), key=bob.api_key)

    assert response.status_code == 404


def test_another_accounts_webhook_list_and_create_are_not_found(api, alice, bob, hook):
    assert api.send("GET", hooks_url(alice), key=bob.api_key).status_code == 404
    response = api.send("POST", hooks_url(alice), HOOK, key=bob.api_key)
    assert response.status_code == 404
    assert Webhook.objects.filter(account=bob.account).count() == 0


def test_webhooks_need_an_api_key(api, alice, hook):
    assert api.send("GET", hooks_url(alice)).status_code == 401
    assert api.send("POST", hooks_url(alice), HOOK).status_code == 401


def test_rotate_webhook_key_re_encrypts_every_secret_under_the_first_key(alice, settings):
    old = "b2xkLWtleS1mb3Itd2ViaG9va3MtdGVzdHMuLi4uLi4="
    new = "bmV3LWtleS1mb3Itd2ViaG9va3MtdGVzdHMuLi4uLi4="
    settings.WEBHOOK_ENCRYPTION_KEYS = [old]
    created = services.webhook_create(account=alice.account, **HOOK)
    services.webhook_rotate_secret(webhook=created.webhook)
    settings.WEBHOOK_ENCRYPTION_KEYS = [new, old]

    call_command("rotate_webhook_key", stdout=io.StringIO())

    settings.WEBHOOK_ENCRYPTION_KEYS = [new]  # the old key dropped
    webhook = Webhook.objects.get()
    assert crypto.decrypt(webhook.previous_secret) == created.secret
    assert crypto.decrypt(webhook.secret).startswith("whsec_")
