"""POST, GET and DELETE /api/v1/session (CONTRACT §2): logging in with a login name or an
e-mail, the one api_key per user, the four ways to send it, and logging out everywhere."""

import base64
import json
import logging

import pytest
from defusedxml.ElementTree import fromstring
from django.db import connection

from accounts import services
from accounts.models import User
from facturagem.api.authentication import INVALID_API_KEY, MISSING_API_KEY
from tests.conftest import PASSWORD

SESSION = "/api/v1/session"
FORM = "application/x-www-form-urlencoded"
XML = "application/xml"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def log_in(api, login: str, password: str = PASSWORD, fmt: str = "json"):
    return api.send("POST", f"{SESSION}.{fmt}", {"login": login, "password": password})


@pytest.fixture
def carol(db):
    """A user who has never logged in: no api_key issued yet."""
    return services.account_create(
        login="carol",
        password=PASSWORD,
        email="carol@example.com",
        account_name="Carol Consultores SL",
        tax_id="B12345674",
    )


# -- logging in -------------------------------------------------------------------------


def test_login_by_login_name_returns_the_user_with_the_api_key(api, alice):
    response = log_in(api, "alice")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": alice.user.pk,
        "login": "alice",
        "email": "alice@example.com",
        "first_name": "Alice",
        "last_name": "",
        "api_key": alice.api_key,
        "account_id": alice.account.pk,
        "links": [
            {"rel": "self", "uri": "http://testserver/api/v1/session.json"},
            {"rel": "account", "uri": "http://testserver/api/v1/accounts.json"},
        ],
    }


def test_login_answers_with_location_of_the_session(api, alice):
    response = log_in(api, "alice")

    assert response["Location"] == "http://testserver/api/v1/session.json"


@pytest.mark.parametrize("login", ["alice@example.com", "ALICE@Example.COM", "ALICE", "Alice"])
def test_login_name_and_email_are_case_insensitive(api, alice, login):
    response = log_in(api, login)

    assert response.status_code == 200
    assert response.json()["api_key"] == alice.api_key


LOGIN_BODIES = {
    "flat JSON": (
        "application/json",
        json.dumps({"login": "alice", "password": PASSWORD}),
    ),
    "wrapped JSON": (
        "application/json",
        json.dumps({"session": {"login": "alice", "password": PASSWORD}}),
    ),
    "XML": (
        XML,
        f"<session><login>alice</login><password>{PASSWORD}</password></session>",
    ),
    "text/xml": (
        "text/xml",
        f"<session><login>alice</login><password>{PASSWORD}</password></session>",
    ),
    "flat form": (FORM, f"login=alice&password={PASSWORD.replace(' ', '+')}"),
    "wrapped form": (
        FORM,
        f"session%5Blogin%5D=alice&session%5Bpassword%5D={PASSWORD.replace(' ', '%20')}",
    ),
}


@pytest.mark.parametrize("content_type, body", LOGIN_BODIES.values(), ids=LOGIN_BODIES.keys())
def test_login_reads_every_parameter_format(api, alice, content_type, body):
    response = api.send("POST", f"{SESSION}.json", body, content_type=content_type)

    assert response.status_code == 200, response.content
    assert response.json()["api_key"] == alice.api_key


def test_login_reads_a_multipart_form(api, alice):
    response = api.post(f"{SESSION}.json", {"login": "alice", "password": PASSWORD})

    assert response.status_code == 200, response.content
    assert response.json()["api_key"] == alice.api_key


def test_login_reads_the_query_string(api, alice):
    response = api.post(f"{SESSION}.json?login=alice&password={PASSWORD.replace(' ', '+')}")

    assert response.status_code == 200
    assert response.json()["api_key"] == alice.api_key


def test_login_in_xml_answers_the_user_in_rails_xml(api, alice):
    response = log_in(api, "alice", fmt="xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = fromstring(response.content)
    assert root.tag == "user"  # what Rails rendered for the user model
    assert root.find("id").get("type") == "integer"
    assert root.find("id").text == str(alice.user.pk)
    assert root.find("api-key").text == alice.api_key
    assert root.find("account-id").text == str(alice.account.pk)
    assert root.find("links").get("type") == "array"


def test_first_login_issues_a_key_and_the_next_login_returns_the_same_key(api, carol):
    assert carol.api_key_digest is None

    first = log_in(api, "carol").json()["api_key"]
    second = log_in(api, "carol@example.com").json()["api_key"]

    assert first
    assert second == first


def test_links_are_absolute_and_in_the_format_of_the_request(api, alice):
    json_links = log_in(api, "alice", fmt="json").json()["links"]
    xml_root = fromstring(log_in(api, "alice", fmt="xml").content)
    xml_links = [link.find("uri").text for link in xml_root.find("links")]

    assert [link["uri"] for link in json_links] == [
        "http://testserver/api/v1/session.json",
        "http://testserver/api/v1/accounts.json",
    ]
    assert xml_links == [
        "http://testserver/api/v1/session.xml",
        "http://testserver/api/v1/accounts.xml",
    ]


def test_links_follow_the_scheme_the_proxy_says_the_client_used(api, alice):
    response = api.send(
        "POST",
        f"{SESSION}.json",
        {"login": "alice", "password": PASSWORD},
        HTTP_HOST="testserver",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert response.json()["links"][0]["uri"] == "https://testserver/api/v1/session.json"


# -- refused logins ---------------------------------------------------------------------


def test_wrong_password_and_unknown_login_get_the_same_401(api, alice):
    wrong_password = log_in(api, "alice", "not the password")
    unknown_login = log_in(api, "nobody@example.com", PASSWORD)

    assert wrong_password.status_code == unknown_login.status_code == 401
    assert wrong_password.json() == unknown_login.json() == {
        "errors": [services.INVALID_CREDENTIALS]
    }


def test_a_user_without_a_usable_password_gets_the_same_401_as_a_wrong_password(api, db):
    services.account_create(
        login="dora",
        password=None,
        email="dora@example.com",
        account_name="Dora SL",
        tax_id="B12345674",
    )

    response = log_in(api, "dora", "anything at all")

    assert response.status_code == 401
    assert response.json() == {"errors": [services.INVALID_CREDENTIALS]}


def test_inactive_user_cannot_log_in(api, alice):
    User.objects.filter(pk=alice.user.pk).update(is_active=False)

    response = log_in(api, "alice")

    assert response.status_code == 401
    assert response.json() == {"errors": [services.INVALID_CREDENTIALS]}


def test_user_of_an_inactive_account_cannot_log_in_nor_use_the_key(api, alice):
    alice.account.is_active = False
    alice.account.save()

    login = log_in(api, "alice")
    use = api.send("GET", f"{SESSION}.json", key=alice.api_key)

    assert login.status_code == 401
    assert login.json() == {"errors": [services.INACTIVE_ACCOUNT]}
    assert use.status_code == 401


@pytest.mark.parametrize(
    "data, missing",
    [
        ({"password": PASSWORD}, "login"),
        ({"login": "alice"}, "password"),
        ({"login": "", "password": PASSWORD}, "login"),
        ({}, "login"),
    ],
)
def test_missing_login_or_password_is_422_with_the_error_on_the_field(api, alice, data, missing):
    response = api.send("POST", f"{SESSION}.json", data)

    assert response.status_code == 422
    assert missing in response.json()["errors"]


def test_a_422_never_echoes_the_password(api, alice):
    response = api.send("POST", f"{SESSION}.json", {"login": "", "password": "s3cr3t-value"})

    assert response.status_code == 422
    assert b"s3cr3t-value" not in response.content


def test_missing_password_in_xml_is_422_with_rails_errors(api, alice):
    response = api.send(
        "POST", f"{SESSION}.xml", "<session><login>alice</login></session>", content_type=XML
    )

    assert response.status_code == 422
    root = fromstring(response.content)
    assert [error.text for error in root] == ["Password can't be blank"]


def test_login_refuses_unknown_parameters(api, alice):
    response = api.send(
        "POST", f"{SESSION}.json", {"login": "alice", "password": PASSWORD, "remember": "1"}
    )

    assert response.status_code == 422
    assert set(response.json()["allowed_params"]) >= {"login", "password", "api_key", "strict"}


# -- the api_key, four ways -------------------------------------------------------------


def _as_query(key):
    return {"path": f"{SESSION}.json?api_key={key}"}


def _as_form_body(key):
    return {"path": f"{SESSION}.json", "data": f"api_key={key}", "content_type": FORM}


def _as_json_body(key):
    return {"path": f"{SESSION}.json", "data": json.dumps({"api_key": key})}


def _as_wrapped_json_body(key):
    return {"path": f"{SESSION}.json", "data": json.dumps({"session": {"api_key": key}})}


def _as_xml_body(key):
    return {
        "path": f"{SESSION}.json",
        "data": f"<session><api-key>{key}</api-key></session>",
        "content_type": XML,
    }


def _as_header(key):
    return {"path": f"{SESSION}.json", "HTTP_X_API_KEY": key}


def _as_basic_user(key):
    return {"path": f"{SESSION}.json", "HTTP_AUTHORIZATION": basic(key, "any password")}


def _as_basic_user_without_password(key):
    return {"path": f"{SESSION}.json", "HTTP_AUTHORIZATION": basic(key, "")}


KEY_CARRIERS = [
    _as_query,
    _as_form_body,
    _as_json_body,
    _as_wrapped_json_body,
    _as_xml_body,
    _as_header,
    _as_basic_user,
    _as_basic_user_without_password,
]


@pytest.mark.parametrize("carrier", KEY_CARRIERS, ids=lambda c: c.__name__.lstrip("_"))
def test_the_key_is_accepted_wherever_a_legacy_client_puts_it(api, alice, carrier):
    request = {"content_type": "application/json", "data": "", **carrier(alice.api_key)}

    response = api.generic("GET", **request)

    assert response.status_code == 200, response.content
    assert response.json()["login"] == "alice"
    assert response.json()["api_key"] == alice.api_key


def test_get_session_without_a_key_is_401(api, alice):
    response = api.send("GET", f"{SESSION}.json")

    assert response.status_code == 401
    assert response.json() == {"errors": [MISSING_API_KEY]}
    assert response.has_header("WWW-Authenticate")


@pytest.mark.parametrize("carrier", KEY_CARRIERS, ids=lambda c: c.__name__.lstrip("_"))
def test_an_unknown_key_is_401_wherever_it_is_put(api, alice, carrier):
    request = {"content_type": "application/json", "data": "", **carrier("0" * 40)}

    response = api.generic("GET", **request)

    assert response.status_code == 401
    assert response.json() == {"errors": [INVALID_API_KEY]}


def test_a_key_only_ever_shows_its_own_user(api, alice, bob):
    as_bob = api.send("GET", f"{SESSION}.json", key=bob.api_key)

    assert as_bob.status_code == 200
    assert as_bob.json()["login"] == "bob"
    assert as_bob.json()["account_id"] == bob.account.pk


def test_the_outsider_logging_out_does_not_log_anyone_else_out(api, alice, bob):
    api.send("DELETE", f"{SESSION}.json", key=bob.api_key)

    as_alice = api.send("GET", f"{SESSION}.json", key=alice.api_key)

    assert as_alice.status_code == 200
    assert as_alice.json()["login"] == "alice"


# -- logging out ------------------------------------------------------------------------


LOGOUTS = {
    "DELETE": lambda api, key: api.send("DELETE", f"{SESSION}.json", key=key),
    "DELETE in XML": lambda api, key: api.send("DELETE", f"{SESSION}.xml", key=key),
    "DESTROY": lambda api, key: api.send("DESTROY", f"{SESSION}.json", key=key),
    "POST _method=delete form field": lambda api, key: api.send(
        "POST", f"{SESSION}.json", f"_method=delete&api_key={key}", content_type=FORM
    ),
    "POST _method=destroy form field": lambda api, key: api.send(
        "POST", f"{SESSION}.json", f"_method=destroy&api_key={key}", content_type=FORM
    ),
    "POST _method=delete multipart field": lambda api, key: api.post(
        f"{SESSION}.json", {"_method": "delete", "api_key": key}
    ),
    "POST ?_method=delete": lambda api, key: api.send(
        "POST", f"{SESSION}.json?_method=delete", key=key
    ),
    "POST ?_method=DELETE with the key in the query": lambda api, key: api.send(
        "POST", f"{SESSION}.json?_method=DELETE&api_key={key}"
    ),
}


@pytest.mark.parametrize("log_out", LOGOUTS.values(), ids=LOGOUTS.keys())
def test_logging_out_answers_200_with_an_empty_body(api, alice, log_out):
    response = log_out(api, alice.api_key)

    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("log_out", LOGOUTS.values(), ids=LOGOUTS.keys())
def test_after_logging_out_the_key_is_refused_and_the_next_login_gets_a_new_one(
    api, alice, log_out
):
    log_out(api, alice.api_key)

    refused = api.send("GET", f"{SESSION}.json", key=alice.api_key)
    new_key = log_in(api, "alice").json()["api_key"]

    assert refused.status_code == 401
    assert refused.json() == {"errors": [INVALID_API_KEY]}
    assert new_key != alice.api_key
    assert api.send("GET", f"{SESSION}.json", key=new_key).status_code == 200


def test_logging_out_invalidates_the_key_on_every_device(api, alice):
    phone_key = log_in(api, "alice").json()["api_key"]
    laptop_key = log_in(api, "alice@example.com").json()["api_key"]
    assert phone_key == laptop_key == alice.api_key

    api.send("DELETE", f"{SESSION}.json", key=phone_key)

    assert api.send("GET", f"{SESSION}.json", key=laptop_key).status_code == 401


def test_logging_out_needs_the_key(api, alice):
    response = api.send("DELETE", f"{SESSION}.json")

    assert response.status_code == 401
    assert api.send("GET", f"{SESSION}.json", key=alice.api_key).status_code == 200


def test_session_does_not_support_put(api, alice):
    response = api.send("PUT", f"{SESSION}.json", {"login": "x"}, key=alice.api_key)

    assert response.status_code == 405


# -- the key is a secret ----------------------------------------------------------------


def test_the_api_key_is_not_stored_in_the_database(api, alice):
    key = log_in(api, "alice").json()["api_key"]
    table = connection.ops.quote_name(User._meta.db_table)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (a table name, not input)
        rows = cursor.fetchall()

    stored = [str(value) for row in rows for value in row]
    assert stored, "the users table should not be empty"
    assert not any(key in value for value in stored)
    assert not any(key.upper() in value.upper() for value in stored)


@pytest.fixture
def django_logs(caplog):
    """Every log record Django and the project write, SQL included (the `django` logger does
    not propagate to the root logger that caplog listens on)."""
    django_logger = logging.getLogger("django")
    django_logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    forced, connection.force_debug_cursor = connection.force_debug_cursor, True
    yield caplog
    connection.force_debug_cursor = forced
    django_logger.removeHandler(caplog.handler)


def test_the_api_key_never_reaches_the_logs(api, alice, django_logs):
    key = alice.api_key

    ok = api.send("GET", f"{SESSION}.json?api_key={key}")
    refused = api.send("GET", f"{SESSION}.json?api_key={key}&bogus=1")
    logged_in = log_in(api, "alice")

    assert (ok.status_code, refused.status_code, logged_in.status_code) == (200, 422, 200)
    assert "accounts_user" in django_logs.text, "SQL should have been logged"
    assert "Unprocessable" in django_logs.text, "the 422 should have been logged"
    assert key not in django_logs.text
    for record in django_logs.records:
        assert key not in record.getMessage()
        assert key not in repr(record.args)
