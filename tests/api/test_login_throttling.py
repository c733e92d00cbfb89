"""Failed logins are throttled per login and per client address, on every login there is
(the API session, the browsable API's login, the admin's), counted in the shared cache:
after LOGIN_FAILURE_LIMIT failures, 429 with Retry-After, the right password included,
until the cool-off ends. Every failure reads the same and costs the same."""


import pytest
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher, get_hasher
from django.test import Client

from accounts import services
from accounts.models import User
from accounts.throttling import TOO_MANY_FAILED_LOGINS
from tests.conftest import PASSWORD

SESSION = "/api/v1/session.json"
LIMIT = settings.AXES_FAILURE_LIMIT
COOL_OFF = int(settings.AXES_COOLOFF_TIME.total_seconds())
LOCKED = TOO_MANY_FAILED_LOGINS.format(minutes=COOL_OFF // 60)


def api_login(api, login, password, address="10.0.0.1", fmt="json"):
    return api.send("POST", f"/api/v1/session.{fmt}", {"login": login, "password": password},
                    REMOTE_ADDR=address)


def test_the_limit_is_five_failures_and_the_cool_off_fifteen_minutes():
    assert (LIMIT, COOL_OFF) == (5, 15 * 60)


def test_failures_up_to_the_limit_are_401_then_every_login_is_429_with_retry_after(api, alice):
    answers = [api_login(api, "alice", "wrong") for _ in range(LIMIT + 3)]
    right = api_login(api, "alice", PASSWORD)

    assert [a.status_code for a in answers] == [401] * (LIMIT - 1) + [429] * 4
    assert right.status_code == 429
    assert right["Retry-After"] == str(COOL_OFF)
    assert right.json() == {"errors": [LOCKED]}
    assert "api_key" not in right.content.decode()


def test_a_lockout_in_xml_is_in_xml(api, alice):
    for _ in range(LIMIT):
        api_login(api, "alice", "wrong")

    response = api_login(api, "alice", PASSWORD, fmt="xml")

    assert response.status_code == 429
    assert response.content.endswith(f"<errors type=\"array\"><error>{LOCKED}</error></errors>"
                                     .encode())


def test_the_login_is_locked_from_every_address_and_in_any_case(api, alice):
    for n in range(LIMIT):
        api_login(api, "ALICE" if n % 2 else "alice", "wrong", address=f"10.0.1.{n}")

    assert api_login(api, "Alice", PASSWORD, address="10.9.9.9").status_code == 429


def test_an_address_is_locked_for_every_login(api, alice, bob):
    for n in range(LIMIT):
        api_login(api, f"nobody{n}@example.com", "wrong", address="10.0.2.1")

    assert api_login(api, "bob", PASSWORD, address="10.0.2.1").status_code == 429
    assert api_login(api, "bob", PASSWORD, address="10.0.2.2").status_code == 200


def test_other_logins_from_other_addresses_are_not_affected(api, alice, bob):
    for _ in range(LIMIT):
        api_login(api, "alice", "wrong", address="10.0.3.1")

    assert api_login(api, "bob", PASSWORD, address="10.0.3.2").status_code == 200


def test_the_browsable_api_login_counts_and_is_locked_too(alice):
    browser = Client(REMOTE_ADDR="10.0.4.1")
    answers = [
        browser.post("/api-auth/login/", {"username": "alice", "password": "wrong"}).status_code
        for _ in range(LIMIT)
    ]
    right = browser.post("/api-auth/login/", {"username": "alice", "password": PASSWORD})

    assert answers == [200] * (LIMIT - 1) + [429]  # 200: the form again, with its error
    assert right.status_code == 429
    assert right["Retry-After"] == str(COOL_OFF)


def test_the_admin_login_is_locked_too(db):
    User.objects.create_superuser("staffer", "staff pass phrase 2026", email="s@example.com")
    browser = Client(REMOTE_ADDR="10.0.5.1")
    for _ in range(LIMIT):
        browser.post("/admin/login/", {"username": "staffer", "password": "wrong"})

    right = browser.post("/admin/login/", {"username": "staffer",
                                            "password": "staff pass phrase 2026"})

    assert right.status_code == 429
    assert right["Retry-After"] == str(COOL_OFF)


def test_failures_on_one_login_page_count_on_the_others(api, alice):
    browser = Client(REMOTE_ADDR="10.0.6.1")
    for _ in range(LIMIT - 1):
        browser.post("/admin/login/", {"username": "alice", "password": "wrong"})
    api_login(api, "alice", "wrong", address="10.0.6.2")

    assert api_login(api, "alice", PASSWORD, address="10.0.6.3").status_code == 429


def test_a_success_before_the_limit_logs_in(api, alice):
    for _ in range(LIMIT - 1):
        api_login(api, "alice", "wrong")

    assert api_login(api, "alice", PASSWORD).status_code == 200


def test_the_address_is_the_one_the_trusted_proxy_saw(api, alice, bob, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    for n in range(LIMIT):
        # A client that writes its own X-Forwarded-For does not change its address.
        api.send("POST", SESSION, {"login": f"x{n}", "password": "wrong"},
                 HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 10.0.7.1", REMOTE_ADDR="10.1.1.1")

    response = api.send("POST", SESSION, {"login": "bob", "password": PASSWORD},
                        HTTP_X_FORWARDED_FOR="9.9.9.9, 10.0.7.1", REMOTE_ADDR="10.1.1.1")

    assert response.status_code == 429


# -- every failure reads and costs the same -------------------------------------------------


@pytest.fixture
def dora(db):
    """Signed up through a third party: no usable password."""
    return services.account_create(login="dora", password=None, email="dora@example.com",
                                   account_name="Dora SL", tax_id="B12345674")


def test_unknown_login_wrong_password_and_no_password_read_the_same(api, alice, dora):
    answers = [
        api_login(api, "nobody", "x", address="10.2.0.1"),
        api_login(api, "alice", "x", address="10.2.0.2"),
        api_login(api, "dora", "x", address="10.2.0.3"),
    ]

    assert {a.status_code for a in answers} == {401}
    assert {a.content for a in answers} == {answers[0].content}
    assert answers[0].json() == {"errors": [services.INVALID_CREDENTIALS]}


class CountingHasher(MD5PasswordHasher):
    """Counts the password hashes computed: the work a login costs, which is what its time
    is (a timed unit test would only measure the shared machine's load)."""

    hashed = 0

    def encode(self, password, salt):
        type(self).hashed += 1
        return super().encode(password, salt)


def test_unknown_login_wrong_password_and_no_password_cost_one_hash_each(api, settings, db):
    services.account_create(login="erin", password=PASSWORD, email="erin@example.com",
                            account_name="Erin SL", tax_id="B12345674")
    services.account_create(login="dora", password=None, email="dora@example.com",
                            account_name="Dora SL", tax_id="12345678Z")
    settings.PASSWORD_HASHERS = ["tests.api.test_login_throttling.CountingHasher"]

    counter = type(get_hasher())  # the class as Django imported it

    def hashes_of(login: str) -> int:
        counter.hashed = 0
        api_login(api, login, "wrong", address=f"10.3.0.{len(login)}")
        return counter.hashed

    assert [hashes_of("nobody"), hashes_of("erin"), hashes_of("dora")] == [1, 1, 1]
