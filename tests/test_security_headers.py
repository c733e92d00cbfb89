"""Every HTML page has a Content-Security-Policy that lets only this origin's scripts run,
none inline (the playground keeps the api_key in sessionStorage); every response that shows
an api_key is `Cache-Control: no-store`."""

import re

import pytest
from django.test import Client

from tests.conftest import PASSWORD


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        directive.split()[0]: directive.split()[1:]
        for directive in header.split(";")
        if directive.strip()
    }


def inline_scripts(html: str) -> list[str]:
    """<script> elements that would run without a src (JSON data blocks do not run)."""
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    return [
        body for attributes, body in scripts
        if "src=" not in attributes and "application/json" not in attributes
        and body.strip()
    ]


@pytest.fixture
def web(alice):
    client = Client()
    client.force_login(alice.user)
    return client


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/playground/", "text/html"),
        ("/api/v1/countries", "text/html"),
        ("/api/v1/accounts", "text/html"),
        ("/api/v1/session", "text/html"),
        ("/docs/api", "text/html"),
        ("/docs/reference", "text/html"),
        ("/admin/login/", "text/html"),
        ("/api-auth/login/", "text/html"),
    ],
)
def test_every_html_page_runs_only_this_origins_scripts(web, path, accept):
    response = web.get(path, HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert inline_scripts(response.content.decode()) == []


def test_no_script_is_loaded_from_another_origin(web):
    for path in ("/playground/", "/docs/reference", "/api/v1/countries", "/admin/login/"):
        html = web.get(path, HTTP_ACCEPT="text/html").content.decode()
        sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
        assert sources, path
        assert all(src.startswith("/") and not src.startswith("//") for src in sources), path


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_login_that_returns_the_api_key_is_never_stored(api, alice, fmt):
    response = api.send("POST", f"/api/v1/session.{fmt}", {"login": "alice",
                                                            "password": PASSWORD})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("accept", ["application/json", "application/xml", "text/html"])
def test_the_session_shown_with_its_key_is_never_stored(web, accept):
    response = web.get("/api/v1/session", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_other_resources_do_not_need_it(api, alice):
    assert "no-store" not in api.send("GET", "/api/v1/accounts.json",
                                      key=alice.api_key).get("Cache-Control", "")
