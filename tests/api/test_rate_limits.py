"""Rate limits on the whole API (CONTRACT §10): per api_key (per client address without
one), X-RateLimit-Limit / -Remaining / -Reset on every API response, 429 with Retry-After
beyond; the limit is the service's default, or the account's own (its plan's)."""

import datetime
import time
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from accounts.limits import api_rate_limit
from facturagem.api import throttling
from facturagem.api.exceptions import RATE_LIMITED
from heroku.services import resource_change_plan, resource_provision
from tests.factories import make_client

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def rate(response) -> tuple[int, int, int]:
    return tuple(int(response[name]) for name in HEADERS)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/accounts.json", 200),
        ("/api/v1/accounts/999999.json", 404),
        ("/api/v1/accounts.json?bogus=1", 422),
        ("/api/v1/accounts.yaml", 406),
        ("/api/v1/accounts.xml", 200),
    ],
)
def test_every_api_response_carries_the_rate_limit_headers(api, alice, settings, path, status):
    response = api.send("GET", path, key=alice.api_key)

    assert response.status_code == status
    limit, remaining, reset = rate(response)
    assert (limit, remaining) == (settings.API_RATE_LIMIT_PER_HOUR, limit - 1)
    assert time.time() < reset <= time.time() + 3600


def test_requests_without_a_key_count_per_address(api, db, settings):
    first = api.send("GET", "/api/v1/countries/es.json", REMOTE_ADDR="10.4.0.1")
    second = api.send("GET", "/api/v1/countries/es.json", REMOTE_ADDR="10.4.0.1")
    elsewhere = api.send("GET", "/api/v1/countries/es.json", REMOTE_ADDR="10.4.0.2")
    refused = api.send("GET", "/api/v1/accounts.json", REMOTE_ADDR="10.4.0.2")  # 401

    limit = settings.API_ANONYMOUS_RATE_LIMIT_PER_HOUR
    assert [rate(r)[:2] for r in (first, second, elsewhere, refused)] == [
        (limit, limit - 1), (limit, limit - 2), (limit, limit - 1), (limit, limit - 2)
    ]
    assert refused.status_code == 401


def test_each_api_key_has_its_own_count(api, alice, bob):
    for _ in range(3):
        api.send("GET", "/api/v1/accounts.json", key=alice.api_key)

    assert rate(api.send("GET", "/api/v1/accounts.json", key=alice.api_key))[1] == (
        api_rate_limit(alice.account) - 4
    )
    assert rate(api.send("GET", "/api/v1/accounts.json", key=bob.api_key))[1] == (
        api_rate_limit(bob.account) - 1
    )


def test_beyond_the_limit_every_request_is_429_with_retry_after(api, alice, settings):
    settings.API_RATE_LIMIT_PER_HOUR = 3
    answers = [api.send("GET", "/api/v1/accounts.json", key=alice.api_key) for _ in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    refused = answers[-1]
    assert rate(refused)[:2] == (3, 0)
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert refused.json() == {
        "errors": [RATE_LIMITED.format(seconds=refused["Retry-After"])]
    }


def test_writes_count_and_are_refused_too(api, alice, settings):
    settings.API_RATE_LIMIT_PER_HOUR = 1
    url = f"/api/v1/accounts/{alice.account.pk}/clients.json"
    api.send("GET", "/api/v1/accounts.json", key=alice.api_key)

    response = api.send("POST", url, {"name": "Acme"}, key=alice.api_key)

    assert response.status_code == 429
    assert not alice.account.clients.exists()


def test_an_accounts_own_limit_replaces_the_default(api, alice):
    alice.account.api_requests_per_hour = 7
    alice.account.save()

    assert rate(api.send("GET", "/api/v1/accounts.json", key=alice.api_key))[:2] == (7, 6)


def test_the_heroku_plans_set_the_rate(api, db, settings):
    settings.HEROKU_ADDON_ID, settings.HEROKU_ADDON_PASSWORD = "facturagem", "pw"
    settings.HEROKU_SSO_SALT = "salt"
    provisioned = resource_provision(uuid=uuid.uuid4(), plan="test")
    key = provisioned.api_key

    on_test = rate(api.send("GET", "/api/v1/accounts.json", key=key))[0]
    resource_change_plan(uuid=provisioned.resource.uuid, plan="pro")
    on_pro = rate(api.send("GET", "/api/v1/accounts.json", key=key))[0]

    assert (on_test, on_pro) == (1_000, 20_000)


def test_the_count_lives_in_the_shared_database_cache(api, alice, settings):
    """The production default: Django's database cache, which every worker and machine
    shares (the tests otherwise count in memory)."""
    database_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "facturagem_cache",
        }
    }
    with override_settings(CACHES=database_cache):
        call_command("createcachetable", verbosity=0)
        caches["default"].clear()
        settings.API_RATE_LIMIT_PER_HOUR = 2
        answers = [api.send("GET", "/api/v1/accounts.json", key=alice.api_key).status_code
                   for _ in range(3)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM facturagem_cache")
            rows = cursor.fetchone()[0]

    assert answers == [200, 200, 429]
    assert rows >= 1


def test_the_database_cache_counts_in_one_statement_until_the_window_ends(
    db, django_assert_num_queries
):
    """An upsert per request (Django's add + incr took ten statements); the row lives until
    its window ends (incr used to cut it to the cache's five-minute default), and a new
    window's first request clears expired rows."""
    backend = DatabaseCache("facturagem_cache", {})
    call_command("createcachetable", "facturagem_cache", verbosity=0)
    backend.clear()
    with connection.cursor() as cursor:  # left by a window two hours ago
        cursor.execute(
            "INSERT INTO facturagem_cache (cache_key, value, expires) "
            "VALUES (':1:rate:user:0:0', '9', %s)",
            [connection.ops.adapt_datetimefield_value(
                timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2))],
        )
    window = int(time.time()) // 3600 * 3600
    first = throttling._count_in_database(backend, "user:1", window)
    with django_assert_num_queries(1):
        second = throttling._count_in_database(backend, "user:1", window)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM facturagem_cache")
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT COUNT(*) FROM facturagem_cache WHERE expires > %s",
            [connection.ops.adapt_datetimefield_value(
                timezone.now().replace(microsecond=0) + datetime.timedelta(seconds=60))],
        )
        lasting = cursor.fetchone()[0]

    assert (first, second) == (1, 2)
    assert rows == [(f":1:rate:user:1:{window}", "2")]
    assert lasting == 1


def test_a_client_list_still_pins_its_queries(api, alice, django_assert_max_num_queries):
    make_client(alice.account)
    with django_assert_max_num_queries(6):
        api.send("GET", f"/api/v1/accounts/{alice.account.pk}/clients.json", key=alice.api_key)
