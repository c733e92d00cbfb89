"""The event types and what each one's `data` is: the resource as the JSON API shows it, with
absolute links on the service's public address (PUBLIC_BASE_URL; a delivery has no request
to take the host from)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from facturagem.api.links import Linker
from facturagem.api.renderers import JSONRenderer

INVOICE_ISSUED = "invoice.issued"
INVOICE_CORRECTED = "invoice.corrected"
INVOICE_VOIDED = "invoice.voided"
INVOICE_PAID = "invoice.paid"
PAYMENT_CREATED = "payment.created"
PAYMENT_DELETED = "payment.deleted"
RECORD_ACCEPTED = "verifactu.record.accepted"
RECORD_REJECTED = "verifactu.record.rejected"

# What each type means, and what its `data` is (the docs and the API's 422s name them).
EVENT_TYPES: dict[str, str] = {
    INVOICE_ISSUED: "an invoice was issued (created issued, a draft issued, or a corrective "
                    "invoice); data: the invoice",
    INVOICE_CORRECTED: "a corrective invoice was issued; data: the corrective invoice (its "
                       "`corrects` names the invoice corrected)",
    INVOICE_VOIDED: "an invoice was voided; data: the invoice",
    INVOICE_PAID: "an invoice's payments reached its total; data: the invoice",
    PAYMENT_CREATED: "a payment was registered; data: the payment",
    PAYMENT_DELETED: "a payment was deleted (also by `paid=false`); data: the payment as it "
                     "was",
    RECORD_ACCEPTED: "the AEAT accepted a VERI*FACTU record (with or without errors); data: "
                     "the record",
    RECORD_REJECTED: "the AEAT rejected a VERI*FACTU record; data: the record",
}


def linker() -> Linker:
    return Linker.for_base(settings.PUBLIC_BASE_URL)


def account_id_of(instance: Any) -> int:
    """The account an invoice, a payment or a record belongs to."""
    if hasattr(instance, "account_id"):
        return instance.account_id
    return instance.invoice.account_id  # a payment


def representation(event_type: str, instance: Any) -> dict[str, Any]:
    """`data` of an event: the resource as it stands now (re-read), or as it was when it
    is gone (a deleted payment)."""
    prefix = event_type.split(".", 1)[0]
    if prefix == "invoice":
        return _invoice(instance)
    if prefix == "payment":
        return _payment(instance)
    return _record(instance)


def _invoice(instance) -> dict[str, Any]:
    from invoices.models import Invoice
    from invoices.selectors import with_representation
    from invoices.serializers import InvoiceOutput

    invoice = with_representation(
        Invoice.objects.filter(pk=instance.pk).select_related("account")
    ).get()
    context = {"request": None, "links": linker(), "account": invoice.account}
    return InvoiceOutput(invoice, context=context).data


def _payment(instance) -> dict[str, Any]:
    from invoices.models import Payment
    from invoices.serializers import PaymentOutput

    payment = (Payment.objects.filter(pk=instance.pk).select_related("invoice__account")
               .first()) or instance
    invoice = payment.invoice
    context = {"request": None, "links": linker(), "account": invoice.account,
               "invoice": invoice}
    return PaymentOutput(payment, context=context).data


def _record(instance) -> dict[str, Any]:
    from verifactu.models import Record
    from verifactu.serializers import RecordOutput

    record = (Record.objects.filter(pk=instance.pk)
              .select_related("account", "submission", "installation__sending").get())
    context = {"request": None, "links": linker(), "account": record.account}
    return RecordOutput(record, context=context).data


def body(*, event_id: str, event_type: str, created_at, data: dict[str, Any]) -> str:
    """The delivery's JSON (CONTRACT §10), rendered as the API renders JSON."""
    document = {"id": event_id, "type": event_type, "created_at": created_at, "data": data}
    return JSONRenderer().render(document).decode("utf-8")
