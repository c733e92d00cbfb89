"""The staff admin in a real (headless) Chromium: log in, open an invoice, go back to the
list, mark it as paid with the action."""

import os
from decimal import Decimal
from pathlib import Path

import pytest

from accounts import services as account_services
from clients.services import client_create
from invoices.models import Invoice
from invoices.services import LineData, invoice_create
from tests.conftest import STAFF_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Set to a directory to keep the admin's screenshots (for a human to look at).
SCREENSHOTS = os.environ.get("ADMIN_SCREENSHOTS_DIR")


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def invoice(db) -> Invoice:
    user = account_services.account_create(
        login="alice", password="correct horse battery staple", email="alice@example.com",
        account_name="Kovacek Nienow SL", tax_id="B12345674",
    )
    client = client_create(account=user.account, data={
        "name": "Acme Distribuciones SL", "tax_id": "B87654323", "country": "ES",
    })
    lines = [
        LineData("Consultoría de integración", Decimal("10"), Decimal("65"), Decimal("21")),
        LineData("Soporte mensual", Decimal("1"), Decimal("120"), Decimal("21")),
    ]
    return invoice_create(account=user.account, client=client, lines=lines, data={})


def test_staff_marks_an_invoice_as_paid_from_the_admin(page, live_url, staff, invoice):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_url("/admin/"))
    page.fill("#id_username", "staffer")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")

    page.goto(live_url("/admin/invoices/invoice/"))
    shoot(page, "admin-invoices")
    page.click(f"#result_list a:text-is('{invoice.number}')")
    page.wait_for_selector("#invoice_form")
    # Issued under VERI*FACTU: every field is read-only, totals included.
    assert invoice.number in page.inner_text("#invoice_form")
    assert "931,70" in page.inner_text("#invoice_form")
    assert page.locator("#id_number").count() == 0
    assert page.locator("#id_total").count() == 0
    shoot(page, "admin-invoice")

    page.go_back()
    page.wait_for_selector("#result_list")
    page.check(f"input[name=_selected_action][value='{invoice.pk}']")
    page.select_option("select[name=action]", "mark_paid")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    shoot(page, "admin-marked")

    invoice.refresh_from_db()
    assert invoice.paid
    assert invoice.paid_amount == Decimal("931.70")
    assert page.locator("#result_list img[alt=True]").count() == 1


def test_an_api_user_is_turned_away_at_the_admin_login(page, live_url, invoice):
    page.goto(live_url("/admin/login/"))
    page.fill("#id_username", "alice")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_selector(".errornote")
    assert page.url.startswith(live_url("/admin/login/"))
