"""The sending for staff: records by state with a "send now" action, the messages read-only
with their envelopes and answers, the issuer's sending state on its installation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certificates.services import certificate_upload
from tests.factories import make_invoice
from tests.verifactu import aeat_standin as aeat
from verifactu import sending
from verifactu.models import Record, SendingState, Submission


@pytest.fixture
def refused(alice, pki, aeat_standin):
    """Alice's record, its message refused with a client fault (4104): sending is held."""
    certificate_upload(account=alice.account, data=pki.taxpayer.pkcs12("pw"), password="pw")
    make_invoice(alice.account)
    aeat_standin.script(aeat.fault("client", 4104))
    sending.send_next(installation_id=alice.account.verifactu_installation.pk)
    return Record.objects.get()


def test_records_are_listed_by_state(admin_web, refused):
    url = reverse("admin:verifactu_record_changelist")

    pending = admin_web.get(url, {"status__exact": "pending"})
    accepted = admin_web.get(url, {"status__exact": "accepted"})

    assert pending.context["cl"].result_count == 1
    assert accepted.context["cl"].result_count == 0


def test_send_now_lifts_the_hold_and_queues_a_send(admin_web, refused):
    response = admin_web.post(reverse("admin:verifactu_record_changelist"), {
        "action": "send_now", "_selected_action": [refused.pk]}, follow=True)

    assert response.status_code == 200
    assert "Envío encolado para 1 emisor(es)." in response.content.decode()
    state = SendingState.objects.get()
    assert state.hold == "" and state.task_due_at is not None


def test_a_record_page_shows_the_answer_and_links_its_message(admin_web, refused):
    page = admin_web.get(reverse("admin:verifactu_record_change", args=[refused.pk]))

    content = page.content.decode()
    submission = Submission.objects.get()
    assert reverse("admin:verifactu_submission_change", args=[submission.pk]) in content
    assert "the AEAT refused the last message: 4104" in content


def test_a_message_page_shows_its_envelope_and_answer_read_only(admin_web, refused):
    submission = Submission.objects.get()
    url = reverse("admin:verifactu_submission_change", args=[submission.pk])

    page = admin_web.get(url)
    change = admin_web.post(url, {"state": "answered"})

    content = page.content.decode()
    assert "RegFactuSistemaFacturacion" in content and "Codigo[4104]" in content
    assert change.status_code == 403
    assert Submission.objects.get().state == "refused"


def test_the_installation_page_says_why_nothing_is_sent(admin_web, refused):
    installation = refused.installation
    page = admin_web.get(reverse("admin:verifactu_installation_change", args=[installation.pk]))

    assert "the AEAT refused the last message" in page.content.decode()


def test_the_message_list_shows_them(admin_web, refused):
    page = admin_web.get(reverse("admin:verifactu_submission_changelist"))

    assert page.status_code == 200 and page.context["cl"].result_count == 1


def test_send_again_appends_a_new_record_for_each_rejected_one(admin_web, alice):
    """Staff can do what the API's resend does; a record not rejected is named and left."""
    rejected = Record.objects.get(invoice=make_invoice(alice.account))
    Record.objects.filter(pk=rejected.pk).update(status=Record.Status.REJECTED, error_code=1100)
    fine = Record.objects.get(invoice=make_invoice(alice.account))

    response = admin_web.post(reverse("admin:verifactu_record_changelist"), {
        "action": "resend", "_selected_action": [rejected.pk, fine.pk]}, follow=True)

    content = response.content.decode()
    assert response.status_code == 200
    assert "1 registro(s) rechazado(s) generado(s) de nuevo para su envío." in content
    assert f"Registro {fine.position} no reenviado: Only a record the AEAT rejected" in content
    new = Record.objects.latest("position")
    assert (new.invoice_id, new.kind, new.status) == (rejected.invoice_id, "alta", "pending")
    assert "<sum1:Subsanacion>S</sum1:Subsanacion>" in new.xml
    assert Record.objects.count() == 3
