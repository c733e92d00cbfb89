"""The playground console in a real (headless) Chromium against the live server: an
integrator logs in, creates and lists clients, creates an invoice, follows its links and
opens its PDF — all from the page, with nothing fetched from outside the project.

`WRITE_DOCS_SCREENSHOTS=1` also refreshes docs/playground.png (CI never dirties the tree).
"""

import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from accounts import services as account_services
from accounts.models import User
from clients.models import Client
from clients.services import client_create
from invoices.models import Invoice

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct horse battery staple"
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "playground.png"
VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture
def integrator(db) -> User:
    return account_services.account_create(
        login="alice", password=PASSWORD, email="alice@example.com",
        account_name="Kovacek Nienow SL", tax_id="B12345674", first_name="Alice",
        last_name="Kovacek",
    )


@pytest.fixture
def console(page, live_url):
    """The playground page, open and ready (its route table loaded)."""
    page.set_viewport_size(VIEWPORT)
    page.goto(live_url("/"))
    page.wait_for_selector("body[data-ready=true]")
    return page


def log_in(page, login: str = "alice", password: str = PASSWORD) -> None:
    page.fill("#login-input", login)
    page.fill("#password-input", password)
    with page.expect_response(lambda response: "/api/v1/session.json" in response.url):
        page.click("#login-button")


def send(page, url_part: str):
    """Clicks Send and waits for the API's answer (and the page's rendering of it)."""
    with page.expect_response(lambda response: url_part in response.url) as info:
        page.click("#send-button")
    response = info.value
    page.wait_for_function(
        "([code, url]) => { const s = document.getElementById('response-status');"
        " return s.dataset.status === String(code)"
        " && document.getElementById('response-url').textContent.includes(url); }",
        arg=[response.status, url_part],
    )
    return response


def choose(page, operation: str) -> None:
    page.select_option("#operation-select", operation)


def set_param(page, index: int, name: str, value: str) -> None:
    if page.locator(f"[data-testid=param-key-{index}]").count() == 0:
        page.click("#add-param")
    page.fill(f"[data-testid=param-key-{index}]", name)
    page.fill(f"[data-testid=param-value-{index}]", value)


def save_docs_screenshot(page, tmp_path: Path) -> Path:
    shot = tmp_path / "playground.png"
    page.wait_for_function("!document.querySelector('.flash')")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shot))
    if os.environ.get("WRITE_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(shot, DOCS_SCREENSHOT)
    return shot


def test_an_integrator_works_through_the_api_from_the_playground(
    console, live_server, integrator, tmp_path
):
    page = console
    account = integrator.account
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith((live_server.url, "blob:", "data:")) else None)

    # Log in: the page keeps the key and says who is logged in.
    log_in(page)
    page.wait_for_selector("#session-info:not([hidden])")
    assert "alice" in page.inner_text("#session-user")
    assert page.inner_text("#session-account") == str(account.pk)
    stored = page.evaluate(
        "JSON.parse(sessionStorage.getItem('facturagem.playground.session'))"
    )
    assert stored["api_key"] == account_services.api_key_for(integrator)

    # Create a client: POST clients, `name` as a parameter; account_id is prefilled.
    choose(page, "client-list:POST")
    assert page.input_value("#id-account_id") == str(account.pk)
    set_param(page, 0, "name", "Acme Distribuciones SL")
    set_param(page, 1, "tax_id", "B87654323")
    response = send(page, f"/accounts/{account.pk}/clients.json")
    assert response.status == 200
    assert page.inner_text("#response-status") == "200 OK"
    client = Client.objects.get(account=account, name="Acme Distribuciones SL")

    # List clients: the new one is in the body.
    choose(page, "client-list:GET")
    send(page, f"/accounts/{account.pk}/clients.json")
    assert "Acme Distribuciones SL" in page.inner_text("#response-body")

    # Create an invoice with a raw JSON body.
    choose(page, "invoice-list:POST")
    page.select_option("#body-mode-select", "json")
    page.fill("#raw-body", json.dumps({"invoice": {
        "client_id": client.pk,
        "lines": [
            {"description": "Consultoría de integración", "quantity": "10",
             "unit_price": "65"},
            {"description": "Soporte mensual", "quantity": "1", "unit_price": "120"},
        ],
    }}, indent=2))
    response = send(page, f"/accounts/{account.pk}/invoices.json")
    assert response.status == 200
    invoice = Invoice.objects.get(account=account)
    assert invoice.total == Decimal("931.70")

    # The invoice list, with its links clickable: the documentation's screenshot.
    choose(page, "invoice-list:GET")
    listing = send(page, f"/accounts/{account.pk}/invoices.json")
    assert page.locator("#response-body a.api-link").count() == len(listing.json()[0]["links"])
    shot = save_docs_screenshot(page, tmp_path)
    assert shot.stat().st_size > 10_000

    # Its `self` link loads it into the form; sending shows it.
    page.locator("#response-body a.api-link", has_text=f"/invoices/{invoice.url_id}.json") \
        .first.click()
    assert page.input_value("#operation-select") == "invoice-detail:GET"
    assert page.input_value("#id-id") == invoice.url_id
    assert page.input_value("#format-select") == "json"
    send(page, f"/invoices/{invoice.url_id}.json")
    body = page.inner_text("#response-body")
    assert f'"number": "{invoice.number}"' in body
    assert '"total": "931.70"' in body

    # Its `pdf` link opens the PDF in a new tab, fetched with the key in a header.
    pdfs = []

    def capture(route):
        fetched = route.fetch()
        pdfs.append((route.request.headers, fetched.headers, fetched.body()))
        route.fulfill(response=fetched)

    page.route("**/*.pdf", capture)
    with page.expect_popup() as popup_info:
        page.locator("#response-body a.pdf-link").first.click()
    popup = popup_info.value
    popup.wait_for_url("blob:**")
    page.wait_for_selector("#open-blob-link")
    request_headers, response_headers, content = pdfs[0]
    assert request_headers["x-api-key"] == stored["api_key"]
    assert response_headers["content-type"] == "application/pdf"
    assert content.startswith(b"%PDF")
    assert "PDF document" in page.inner_text("#response-body")
    popup.close()

    # Log out: the key is gone from the page and from the server.
    with page.expect_response(lambda response: response.request.method == "DELETE"):
        page.click("#logout-button")
    page.wait_for_selector("#login-form:not([hidden])")
    assert page.evaluate("sessionStorage.getItem('facturagem.playground.session')") is None
    integrator.refresh_from_db()
    assert integrator.api_key_digest is None

    assert outside == [], f"requests left the project: {outside}"


def test_a_wrong_password_is_said_on_the_page(console, integrator):
    log_in(console, password="not the password")
    console.wait_for_selector("#session-message:not([hidden])")
    assert "Login failed" in console.inner_text("#session-message")
    assert console.inner_text("#response-status") == "401 Unauthorized"
    assert console.is_visible("#login-form")


def test_the_session_survives_a_reload_of_the_page(console, integrator):
    log_in(console)
    console.wait_for_selector("#session-info:not([hidden])")
    console.reload()
    console.wait_for_selector("body[data-ready=true]")
    assert console.is_visible("#session-info")
    assert "alice" in console.inner_text("#session-user")


def test_xml_responses_are_indented_and_their_uris_clickable(console, integrator):
    client_create(account=integrator.account, data={"name": "Acme SL", "country": "ES"})
    log_in(console)
    choose(console, "client-list:GET")
    console.select_option("#format-select", "xml")
    send(console, "/clients.xml")
    body = console.inner_text("#response-body")
    assert '<clients type="array">\n  <client>\n    <id type="integer">' in body
    link = console.locator("#response-body a.api-link", has_text="/clients/").first
    assert link.inner_text().endswith(".xml")
    link.click()
    assert console.input_value("#operation-select") == "client-detail:GET"
    assert console.input_value("#format-select") == "xml"


def test_the_link_header_is_clickable_and_loads_the_next_page(console, integrator):
    for name in ("Acme SL", "Beta SL", "Gamma SL"):
        client_create(account=integrator.account, data={"name": name, "country": "ES"})
    log_in(console)
    choose(console, "client-list:GET")
    set_param(console, 0, "per_page", "1")
    send(console, "/clients.json")
    console.click("#response-headers-box summary")
    next_link = console.locator("#response-headers a.api-link", has_text="page=2").first
    next_link.click()
    assert console.input_value("[data-testid=param-key-0]") == "page"
    assert console.input_value("[data-testid=param-value-0]") == "2"
    assert console.input_value("[data-testid=param-key-1]") == "per_page"
    send(console, "page=2")
    assert "Beta SL" in console.inner_text("#response-body")


def test_a_missing_path_id_is_asked_for_before_sending(console, integrator):
    log_in(console)
    choose(console, "client-detail:GET")
    console.fill("#id-id", "")
    console.click("#send-button")
    assert "Fill the path ids: id" in console.inner_text("#request-message")
    assert console.evaluate("document.activeElement.id") == "id-id"


def test_the_browsable_api_links_back_to_the_playground(page, live_url):
    page.goto(live_url("/api/v1/countries"))
    page.click("#playground-link")
    page.wait_for_selector("body[data-ready=true]")
    assert page.url == live_url("/playground/")


def test_a_key_invalidated_elsewhere_is_said_on_the_page(console, integrator):
    log_in(console)
    console.wait_for_selector("#session-info:not([hidden])")
    account_services.session_destroy(user=integrator)  # a logout on another device
    choose(console, "account-current:GET")
    response = send(console, "/api/v1/accounts.json")
    assert response.status == 401
    console.wait_for_selector("#session-message:not([hidden])")
    assert "log in again" in console.inner_text("#session-message")
    console.click("#logout-button")
    console.wait_for_selector("#login-form:not([hidden])")
