"""Personas (healthchecks style): Alice and Bob each own an account; Bob is the outsider
in Alice's tests. Every test module uses them. Staff (a superuser without an account) signs
in to the admin as `admin_web`."""

import contextlib
import json
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts import services

PASSWORD = "correct horse battery staple"
STAFF_PASSWORD = "staff pass phrase 2026"


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


@pytest.fixture
def staff(db):
    """A staff superuser without an account: admin yes, API no."""
    from accounts.models import User

    return User.objects.create_superuser("staffer", STAFF_PASSWORD, email="staff@example.com")


@pytest.fixture
def admin_web(client, staff):
    """Django's test client signed in to the admin as `staff`."""
    client.force_login(staff)
    return client


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


# -- the legal records' guards and the test database's flush ---------------------------------

# Emptied before a transactional test's flush on SQLite, children first.
GUARDED_TABLES = (
    "verifactu_record", "verifactu_submission", "verifactu_sendingstate",
    "verifactu_installation", "invoices_payment", "invoices_invoiceline", "invoices_invoice",
)


def _empties_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    return transactional or bool({"transactional_db", "live_server"} & set(item.fixturenames))


def _uses_the_database(item) -> bool:
    return _empties_the_database(item) or "db" in item.fixturenames or bool(
        item.get_closest_marker("django_db")
    )


def _check_every_record_validates() -> None:
    """Every VERI*FACTU record a test produced is valid against the AEAT's schema and
    carries the huella of its own literals (CONTRACT §8: checked for the whole suite, not
    only in the tests about records)."""
    from verifactu import schema, xml
    from verifactu.models import Record

    for pk, stored, huella in Record.objects.values_list("pk", "xml", "hash").iterator():
        try:
            schema.validate(stored.encode())
        except schema.SchemaError as error:
            pytest.fail(f"record {pk} is not valid against SuministroInformacion.xsd: {error}")
        if xml.recompute_hash(stored.encode()) != huella:
            pytest.fail(f"record {pk}'s huella is not that of its own XML")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Before the test's database goes: every record it produced is checked; and Django
    empties the database after a transactional test (`DELETE FROM` on SQLite, `TRUNCATE` on
    PostgreSQL), which the triggers that keep issued invoices and records append-only
    refuse: they are set aside for that moment only, in the test run, never in the
    application (on PostgreSQL the session plays a replica, whose writes fire no trigger,
    until the flush is over)."""
    from django.db import connection, transaction

    if _uses_the_database(item):
        # (RuntimeError: the database was not set up for this test after all.)
        with contextlib.suppress(RuntimeError):
            _check_every_record_validates()
    if _empties_the_database(item) and connection.vendor == "sqlite":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            for table in GUARDED_TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - constant names
            for _name, sql in triggers:
                cursor.execute(sql)
    replica = _empties_the_database(item) and connection.vendor == "postgresql"
    if replica:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        if replica and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")
