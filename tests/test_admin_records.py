"""The staff admin and legal records (CONTRACT §8): an invoice issued under VERI*FACTU is
read-only there too, it cannot be deleted from there, and its records are listed read-only
by state, each with its XML."""

import pytest
from django.urls import reverse

from invoices.models import Invoice
from tests.factories import make_client, make_invoice
from verifactu.models import Record


@pytest.fixture
def issued(alice) -> Invoice:
    return make_invoice(alice.account, make_client(alice.account), notes="Original")


def test_an_issued_invoice_offers_no_editable_field(admin_web, issued):
    response = admin_web.get(reverse("admin:invoices_invoice_change", args=[issued.pk]))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.fields) == set()
    assert b"Ver registros" in response.content


def test_a_post_to_an_issued_invoices_page_changes_nothing(admin_web, issued):
    admin_web.post(reverse("admin:invoices_invoice_change", args=[issued.pk]),
                   {"notes": "Cambiada", "number": "X-1", "discount_percent": "50"})

    stored = Invoice.objects.get(pk=issued.pk)
    assert (stored.notes, stored.number, stored.total) == ("Original", issued.number,
                                                           issued.total)


def test_an_issued_invoice_cannot_be_deleted_from_the_admin(admin_web, issued):
    page = admin_web.get(reverse("admin:invoices_invoice_delete", args=[issued.pk]))
    bulk = admin_web.post(reverse("admin:invoices_invoice_changelist"),
                          {"action": "delete_selected", "_selected_action": [issued.pk],
                           "post": "yes"}, follow=True)

    assert page.status_code == 403
    assert bulk.status_code == 200
    assert Invoice.objects.filter(pk=issued.pk).exists()


def test_a_draft_can_still_be_deleted_from_the_admin(admin_web, alice, issued):
    draft = make_invoice(alice.account, issued.client, draft=True)

    admin_web.post(reverse("admin:invoices_invoice_delete", args=[draft.pk]), {"post": "yes"})

    assert not Invoice.objects.filter(pk=draft.pk).exists()


def test_records_are_listed_by_state_and_read_only(admin_web, issued):
    record = Record.objects.get(invoice=issued)

    listing = admin_web.get(reverse("admin:verifactu_record_changelist") + "?status=pending")
    page = admin_web.get(reverse("admin:verifactu_record_change", args=[record.pk]))
    post = admin_web.post(reverse("admin:verifactu_record_change", args=[record.pk]),
                          {"hash": "0" * 64})

    assert listing.status_code == 200 and issued.number.encode() in listing.content
    assert page.status_code == 200 and b"RegistroAlta" in page.content
    assert post.status_code == 403
    assert Record.objects.get(pk=record.pk).hash == record.hash
    assert admin_web.get(reverse("admin:verifactu_record_add")).status_code == 403
