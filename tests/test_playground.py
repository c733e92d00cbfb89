"""The playground console's server side: the page, its assets, and the route table it
offers, which must be the API's own (read from the URL resolver, never a hand-kept list)."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import URLResolver, resolve
from rest_framework.permissions import AllowAny

from facturagem import urls as project_urls
from facturagem.api.routes import route
from facturagem.api.views import ApiView


def routes_by_name(client) -> dict[str, dict]:
    response = client.get("/playground/routes.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return {entry["name"]: entry for entry in response.json()["routes"]}


def api_v1_pattern_names() -> list[str]:
    names = []

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            else:
                names.append(entry.name)

    walk(project_urls.api_v1)
    return names


# -- the page -------------------------------------------------------------------------------


def test_the_root_url_redirects_to_the_playground(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/playground/"


def test_the_playground_page_has_the_login_form_and_the_request_form(client):
    response = client.get("/playground/")
    assert response.status_code == 200
    html = response.content.decode()
    for element_id in ("login-form", "login-input", "password-input", "logout-button",
                       "operation-select", "method-select", "format-select", "id-fields",
                       "param-rows", "raw-body", "send-button", "response-status",
                       "response-headers", "response-body"):
        assert f'id="{element_id}"' in html, element_id
    assert 'data-routes-url="/playground/routes.json"' in html


def test_every_label_of_the_page_names_an_element_of_the_page(client):
    html = client.get("/playground/").content.decode()
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    for target in re.findall(r'<label for="([^"]+)"', html):
        assert target in ids, target


def test_the_playground_needs_no_asset_from_the_internet(client):
    html = client.get("/playground/").content.decode()
    assets = re.findall(r'<(?:script|link|img)\b[^>]*?(?:src|href)="([^"]+)"', html)
    assert assets, "the page loads its script and stylesheet"
    for url in assets:
        assert not re.match(r"^(https?:)?//", url), f"external asset: {url}"
    static = [url for url in assets if url.startswith("/static/")]
    assert {url.rsplit("/", 1)[-1] for url in static} >= {"playground.js", "playground.css"}
    for url in static:
        assert finders.find(url.removeprefix("/static/")), f"not served by the project: {url}"


def test_the_script_and_stylesheet_name_no_external_host():
    for name in ("playground/playground.js", "playground/playground.css"):
        with open(finders.find(name), encoding="utf-8") as asset:
            source = asset.read()
        assert not re.search(r"""(?:src|href|url\()\s*=?\s*["']?(?:https?:)?//""", source), name
        assert "@import" not in source, name


def test_the_page_is_served_by_the_project_staticfiles(client):
    # `runserver` and the live server serve /static/ from the app directories.
    from django.contrib.staticfiles.views import serve
    from django.test import RequestFactory

    response = serve(RequestFactory().get("/static/playground/playground.js"),
                     "playground/playground.js", insecure=True)
    assert response.status_code == 200


# -- the route table ------------------------------------------------------------------------


def test_the_route_table_lists_every_api_v1_url_pattern_in_order(client):
    response = client.get("/playground/routes.json")
    assert [entry["name"] for entry in response.json()["routes"]] == api_v1_pattern_names()


def test_each_route_template_resolves_to_the_view_it_describes(client):
    for entry in client.get("/playground/routes.json").json()["routes"]:
        path = re.sub(r"\{\w+\}", "1", entry["path"])
        for fmt in entry["formats"]:
            match = resolve(f"{path}.{fmt}")
            view = match.func.view_class
            assert f"{view.__module__}.{view.__qualname__}" == entry["view"]
            assert match.url_name == entry["name"]


def test_routes_carry_their_ids_methods_and_formats(client):
    routes = routes_by_name(client)
    assert routes["client-list"]["path"] == "/api/v1/accounts/{account_id}/clients"
    assert routes["client-list"]["ids"] == ["account_id"]
    assert routes["client-list"]["methods"] == ["GET", "POST"]
    assert routes["client-detail"]["methods"] == ["GET", "PUT", "PATCH", "DELETE"]
    assert routes["client-invoice-list"]["ids"] == ["account_id", "client_id"]
    assert routes["client-invoice-list"]["methods"] == ["GET"]
    assert routes["payment-list"]["ids"] == ["account_id", "invoice_id"]
    assert routes["country-detail"]["ids"] == ["code"]
    assert routes["account-current"]["methods"] == ["GET"]
    assert routes["invoice-detail"]["formats"] == ["json", "xml", "pdf"]
    assert routes["client-list"]["formats"] == ["json", "xml"]


def test_routes_say_which_methods_need_no_api_key(client):
    routes = routes_by_name(client)
    assert routes["session"]["public"] == ["POST"]
    assert routes["country-list"]["public"] == ["GET"]
    assert routes["client-list"]["public"] == []


def test_routes_carry_each_methods_allowed_params(client):
    routes = routes_by_name(client)
    assert "name" in routes["client-list"]["params"]["POST"]
    assert "page" in routes["client-list"]["params"]["GET"]
    assert "name" not in routes["client-list"]["params"]["GET"]
    assert "lines[][description]" in routes["invoice-list"]["params"]["POST"]
    assert {"login", "password"} <= set(routes["session"]["params"]["POST"])


def test_route_regexes_match_the_paths_django_matches(client):
    for entry in client.get("/playground/routes.json").json()["routes"]:
        regex = re.compile(entry["regex"].replace("(?<", "(?P<"))
        path = re.sub(r"\{(\w+)\}", lambda m: "7-some-slug" if m[1] != "code" else "ES",
                      entry["path"])
        match = regex.match(f"{path}.json")
        assert match, entry["name"]
        assert match["format"] == "json"
        assert regex.match(path)


def test_routes_carry_the_views_docstring(client):
    routes = routes_by_name(client)
    assert routes["session"]["doc"].startswith("POST logs in")


class ScratchView(ApiView):
    """A view that exists only in this test."""

    resource_name = "scratch"
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request, id, format=None):  # pragma: no cover - never called
        raise AssertionError


def test_a_route_added_to_api_v1_appears_without_touching_the_playground(client):
    scratch = route("scratch/(?P<id>ID)", ScratchView, "scratch-detail")
    project_urls.api_v1.append(scratch)
    try:
        routes = routes_by_name(client)
    finally:
        project_urls.api_v1.remove(scratch)
    assert routes["scratch-detail"]["path"] == "/api/v1/scratch/{id}"
    assert routes["scratch-detail"]["methods"] == ["GET"]
    assert routes["scratch-detail"]["doc"] == "A view that exists only in this test."
    assert "scratch-detail" not in routes_by_name(client)


def test_the_route_table_is_read_only(client):
    assert client.post("/playground/routes.json").status_code == 405


# -- the browsable API links to the playground ----------------------------------------------


@pytest.mark.django_db
def test_the_browsable_api_has_a_playground_link_in_its_navbar(client):
    response = client.get("/api/v1/countries", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a id="playground-link" href="/playground/">Playground</a>' in html
    assert "FACTURAgem API v1" in html
