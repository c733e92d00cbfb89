"""Records sent again after a rejection, through the worker to a stand-in that answers as
the AEAT does from what it holds (aeat_standin.Registry: a normal alta of an invoice it holds
is a duplicate, a void of one it does not is 3002, …): the rejected alta sent again as a
subsanación is registered, a void of an invoice it never registered goes through with
SinRegistroPrevio, and the ordinary void of a registered one too."""

import io

import pytest
from django.core.management import call_command

from certificates.services import certificate_upload
from tests.factories import make_client, make_invoice
from tests.verifactu import aeat_standin as aeat
from verifactu import services
from verifactu.models import Record

with_the_worker = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_worker() -> None:
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0,
                 stdout=io.StringIO())


@pytest.fixture
def registry(aeat_standin) -> aeat.Registry:
    registry = aeat.Registry(reject_first={"2026/0001": 1100})
    aeat_standin.default_answer = aeat.Respond(registry, wait=0)
    return registry


@pytest.fixture
def issuer(alice, pki, aeat_standin):
    certificate_upload(account=alice.account, data=pki.taxpayer.pkcs12("pw"), password="pw")
    return alice.account


def test_the_registry_answers_as_the_aeat_would():
    """The stand-in's own rules, against the matrix it follows."""
    registry = aeat.Registry()

    def info(operation, **flags):
        return aeat.RecordInfo(operation=operation, issuer_nif="B12345674", number="A-1",
                               issue_date="01-12-2026", external_ref="",
                               correction=flags.get("correction", ""),
                               previously_rejected=flags.get("previously_rejected", ""),
                               without_prior_record=flags.get("without_prior_record", ""))

    assert registry(info("Anulacion"), 0).code == 3002  # nothing to void yet
    assert registry(info("Alta", correction="S"), 0).code == 3002  # nothing to correct
    assert registry(info("Alta"), 0).state == "Correcto"
    assert registry(info("Alta"), 0).code == 3000
    assert registry(info("Alta", correction="S", previously_rejected="X"), 0).code == 3000
    assert registry(info("Anulacion", without_prior_record="S"), 0).code == 3000
    assert registry(info("Anulacion"), 0).state == "Correcto"
    assert registry(info("Anulacion"), 0).code == 3001


@with_the_worker
def test_a_rejected_alta_sent_again_is_registered(issuer, aeat_standin, registry):
    client = make_client(issuer)
    invoice = make_invoice(issuer, client, issue_date="2026-11-20")
    run_worker()
    rejected = Record.objects.get(invoice=invoice)
    assert (rejected.status, rejected.error_code) == ("rejected", 1100)

    again = services.record_resend(record=rejected)
    run_worker()

    again.refresh_from_db()
    assert again.status == "accepted"
    arrived = aeat_standin.records_received()
    assert [(r.operation, r.correction, r.previously_rejected) for r in arrived] == [
        ("Alta", "", ""), ("Alta", "S", "X")]
    assert registry.state == {(rejected.issuer_tax_id, "2026/0001", "20-11-2026"): "Correcta"}

    # Voiding it now is the ordinary anulación of a registered invoice.
    from invoices.services import invoice_void
    invoice_void(invoice=invoice, reason="Emitida por error")
    run_worker()
    anulacion = Record.objects.get(kind="anulacion")
    assert anulacion.status == "accepted"
    assert aeat_standin.records_received()[-1].without_prior_record == ""
    assert set(registry.state.values()) == {"Anulada"}


@with_the_worker
def test_a_void_of_an_invoice_the_aeat_rejected_goes_through(issuer, aeat_standin, registry):
    invoice = make_invoice(issuer, issue_date="2026-11-20")
    run_worker()
    assert Record.objects.get(invoice=invoice).status == "rejected"

    from invoices.services import invoice_void
    invoice_void(invoice=invoice, reason="Emitida por error")
    run_worker()

    anulacion = Record.objects.get(kind="anulacion")
    assert anulacion.status == "accepted"
    assert aeat_standin.records_received()[-1].without_prior_record == "S"
