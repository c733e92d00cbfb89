"""The browsable API for people logged in through the web (Heroku single sign-on): their
Django session authenticates them when they own an active account; staff do not."""

import pytest

from accounts.models import User


@pytest.fixture
def web(client, alice):
    client.force_login(alice.user)
    return client


def test_an_account_owner_logged_in_on_the_web_reads_the_api_without_a_key(web, alice):
    response = web.get("/api/v1/accounts.json")
    assert response.status_code == 200
    assert response.json()["id"] == alice.account.pk


def test_the_session_endpoint_shows_the_key_to_a_web_session(web, alice):
    response = web.get("/api/v1/session.json")
    assert response.status_code == 200
    assert response.json()["api_key"] == alice.api_key


def test_writes_through_a_web_session_need_the_csrf_token(alice):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice.user)
    response = browser.put(
        f"/api/v1/accounts/{alice.account.pk}.json", '{"name": "X"}',
        content_type="application/json",
    )
    assert response.status_code == 403
    alice.account.refresh_from_db()
    assert alice.account.name != "X"


def test_a_staff_user_without_an_account_is_not_an_api_user(client, db):
    staff = User.objects.create_superuser("admin", "admin-password-123", email="a@example.com")
    client.force_login(staff)
    response = client.get("/api/v1/accounts.json")
    assert response.status_code == 401


def test_a_deactivated_account_loses_its_web_session_access_too(web, alice):
    alice.account.is_active = False
    alice.account.save()
    assert web.get("/api/v1/accounts.json").status_code == 401


def test_an_integrator_logs_into_the_browsable_api_with_login_and_password(alice):
    from django.test import Client

    from tests.conftest import PASSWORD

    browser = Client()
    login_page = browser.get("/api-auth/login/")
    assert login_page.status_code == 200
    response = browser.post(
        "/api-auth/login/", {"username": "alice", "password": PASSWORD,
                             "next": "/api/v1/accounts"},
    )
    assert response.status_code == 302
    page = browser.get("/api/v1/accounts", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert alice.account.name in page.content.decode()


def test_the_browsable_api_offers_its_login_and_the_playground(client, db):
    page = client.get("/api/v1/countries", HTTP_ACCEPT="text/html").content.decode()
    assert "/api-auth/login/" in page
    assert 'id="playground-link"' in page
