"""An invoice issued under VERI*FACTU keeps its fiscal content at the database's door
(CONTRACT §8): whatever code path tries — the ORM, the admin, a queryset update, raw SQL —
the database refuses, on SQLite and on PostgreSQL alike. Only payments and the void move.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from invoices.models import MUTABLE_WHEN_ISSUED, Invoice, InvoiceLine
from tests.factories import line, make_client, make_invoice, pay


@pytest.fixture
def frozen(alice):
    """An issued invoice under VERI*FACTU, partly paid."""
    invoice = make_invoice(alice.account, lines=[line(), line("Soporte", "2", "50")])
    assert invoice.frozen and invoice.status == "issued"
    pay(invoice, "10.00")
    return Invoice.objects.get(pk=invoice.pk)


def refused(action) -> None:
    with pytest.raises(IntegrityError, match="VERI\\*FACTU"), transaction.atomic():
        action()


def other_value(field: models.Field, current):
    """A different value of the right type for `field`."""
    if isinstance(field, models.ForeignKey):
        return None if current is not None else 0
    if isinstance(field, models.BooleanField):
        return not current
    if isinstance(field, models.DecimalField):
        return (current or Decimal(0)) + Decimal("1")
    if isinstance(field, models.DateTimeField):
        return timezone.now() - datetime.timedelta(days=3)
    if isinstance(field, models.DateField):
        return (current or datetime.date(2026, 1, 1)) - datetime.timedelta(days=1)
    if isinstance(field, models.IntegerField):
        return (current or 0) + 1
    if field.choices:
        return next(value for value, _ in field.choices if value != current)
    return next(text for text in ("ZZ", "YY") if text != current)[: field.max_length]


GUARDED = [
    field for field in Invoice._meta.concrete_fields
    if field.name not in MUTABLE_WHEN_ISSUED and not field.primary_key
]


@pytest.mark.parametrize("field", GUARDED, ids=lambda field: field.name)
def test_every_fiscal_column_is_refused_a_change_by_the_database(frozen, field):
    value = other_value(field, getattr(frozen, field.attname))
    column = field.column
    with connection.cursor() as cursor:
        refused(lambda: cursor.execute(
            f"UPDATE invoices_invoice SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, frozen.pk],
        ))
    assert getattr(Invoice.objects.get(pk=frozen.pk), field.attname) == getattr(
        frozen, field.attname
    )


def test_the_orm_cannot_save_an_edited_frozen_invoice(frozen):
    frozen.notes = "Una nota añadida después"
    frozen.total = Decimal("1.00")

    refused(frozen.save)

    assert Invoice.objects.get(pk=frozen.pk).notes == ""


def test_a_queryset_update_cannot_rewrite_frozen_invoices(frozen):
    refused(lambda: Invoice.objects.filter(pk=frozen.pk).update(client_name="Otro SL"))


def test_a_frozen_invoice_cannot_be_deleted_by_the_orm_or_by_sql(frozen):
    # The ORM stops at its record (a protected foreign key); SQL at the trigger.
    with pytest.raises(IntegrityError, match="protected foreign keys"), transaction.atomic():
        frozen.delete()
    with connection.cursor() as cursor:
        refused(lambda: cursor.execute("DELETE FROM invoices_invoice WHERE id = %s",
                                       [frozen.pk]))
    assert Invoice.objects.filter(pk=frozen.pk).exists()


def test_the_lines_of_a_frozen_invoice_cannot_be_added_changed_or_removed(frozen):
    first = frozen.lines.order_by("position").first()

    refused(lambda: InvoiceLine.objects.filter(pk=first.pk).update(unit_price=Decimal("1")))
    refused(lambda: InvoiceLine.objects.filter(pk=first.pk).delete())
    refused(lambda: InvoiceLine.objects.create(
        invoice=frozen, position=9, description="Extra", quantity=1, unit_price=1,
        iva_percent=21, total=1,
    ))
    assert frozen.lines.count() == 2


def test_payments_still_move_a_frozen_invoice(frozen):
    pay(frozen, "20.00")

    assert Invoice.objects.get(pk=frozen.pk).paid_amount == Decimal("30.00")


def test_the_only_status_change_is_issued_to_voided(frozen):
    invoices = Invoice.objects.filter(pk=frozen.pk)
    refused(lambda: invoices.update(status="draft"))
    refused(lambda: invoices.update(void_reason="Sin anularla"))

    invoices.update(status="voided", void_reason="Emitida por error", voided_at=timezone.now())

    refused(lambda: invoices.update(status="issued"))
    refused(lambda: invoices.update(void_reason="Otro motivo"))
    assert invoices.get().void_reason == "Emitida por error"


def test_a_frozen_invoice_cannot_be_unfrozen(frozen):
    refused(lambda: Invoice.objects.filter(pk=frozen.pk).update(frozen=False))


def test_drafts_and_invoices_issued_without_verifactu_are_not_guarded(alice):
    draft = make_invoice(alice.account, draft=True)
    Invoice.objects.filter(pk=draft.pk).update(notes="Cambiada")
    InvoiceLine.objects.filter(invoice=draft).update(description="Otra")
    alice.account.verifactu = False
    alice.account.save()
    legacy = make_invoice(alice.account, client=make_client(alice.account, name="Otro SL"))

    Invoice.objects.filter(pk=legacy.pk).update(notes="Cambiada")
    legacy.delete()
    draft.delete()

    assert not Invoice.objects.filter(pk__in=[draft.pk, legacy.pk]).exists()
