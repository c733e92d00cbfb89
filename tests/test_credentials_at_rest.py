"""A copy of the database yields nothing that authenticates: every string of every table
is tried as an api_key (header, Basic, parameter) and as a web session's cookie, and none
of them opens the API."""

import base64

import pytest
from django.db import connection
from django.test import Client

from accounts.services import api_key_for
from tests.conftest import PASSWORD

PROBE = "/api/v1/session.json"


def every_string_in_the_database() -> set[str]:
    found: set[str] = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    if isinstance(value, str) and 8 <= len(value) <= 500:
                        found.add(value)
    return found


@pytest.fixture
def a_busy_database(db, alice, bob, django_user_model):
    """Everything that leaves credentials behind: API sessions, a web (SSO-style) session,
    an admin session, a staff user."""
    api_key_for(alice.user)
    web = Client()
    web.force_login(alice.user)
    assert web.get(PROBE).status_code == 200  # the live web session works
    django_user_model.objects.create_superuser("staffer", PASSWORD, email="s@example.com")
    admin = Client()
    logged_in = admin.post("/admin/login/", {"username": "staffer", "password": PASSWORD})
    assert logged_in.status_code == 302
    browsable = Client()
    assert browsable.post("/api-auth/login/", {"username": "bob", "password": PASSWORD},
                          ).status_code == 302
    return web, admin, browsable


def test_nothing_in_a_dump_opens_the_api(a_busy_database, alice, bob):
    candidates = every_string_in_the_database()
    assert len(candidates) > 20  # the dump did read the tables

    opened = []
    for value in candidates:
        basic = base64.b64encode(f"{value}:x".encode()).decode()
        for extra in (
            {"HTTP_X_API_KEY": value},
            {"HTTP_AUTHORIZATION": f"Basic {basic}"},
        ):
            if Client().get(PROBE, **extra).status_code == 200:
                opened.append((value, extra))
        if Client().get(PROBE, {"api_key": value}).status_code == 200:
            opened.append((value, "api_key"))
        replay = Client()
        replay.cookies["sessionid"] = value
        if replay.get(PROBE).status_code == 200:
            opened.append((value, "sessionid"))

    assert opened == []


def test_the_dump_holds_no_key_and_no_cookie(a_busy_database, alice, bob):
    web, admin, browsable = a_busy_database
    candidates = every_string_in_the_database()

    assert alice.api_key not in candidates
    assert bob.api_key not in candidates
    for client in (web, admin, browsable):
        cookie = client.cookies["sessionid"].value
        assert cookie not in candidates
        assert not any(cookie in value for value in candidates)
