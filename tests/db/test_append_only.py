"""Records are append-only (CONTRACT §8): written once, never changed, never deleted — by
the model, by a queryset, and by the database itself for whatever SQL gets there. Only the
AEAT's answer is written on a record later."""

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from invoices.models import Invoice
from tests.factories import make_invoice
from verifactu.models import ANSWER_FIELDS, AppendOnlyError, Installation, Record


@pytest.fixture
def record(alice) -> Record:
    make_invoice(alice.account)
    return Record.objects.get()


def refused_by_the_database(sql: str, params) -> None:
    with pytest.raises(IntegrityError, match="VERI\\*FACTU"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql, params)


GUARDED = [field for field in Record._meta.concrete_fields
           if field.name not in ANSWER_FIELDS and not field.primary_key]


def changed(field: models.Field, value):
    if isinstance(field, models.ForeignKey):
        return None if value is not None else 0
    if isinstance(field, models.IntegerField):
        return (value or 0) + 7
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    return "Z" * min(field.max_length or 64, 64)


@pytest.mark.parametrize("field", GUARDED, ids=lambda field: field.name)
def test_the_database_refuses_to_change_any_recorded_column(record, field):
    refused_by_the_database(
        f"UPDATE verifactu_record SET {field.column} = %s WHERE id = %s",  # noqa: S608
        [changed(field, getattr(record, field.attname)), record.pk],
    )


def test_the_database_refuses_to_delete_a_record(record):
    refused_by_the_database("DELETE FROM verifactu_record WHERE id = %s", [record.pk])


def test_the_answer_of_the_aeat_is_written_on_the_record(record):
    Record.objects.filter(pk=record.pk).update(status="accepted", csv="A-5LDM92G53JYSRM",
                                               answered_at=timezone.now())

    assert Record.objects.get(pk=record.pk).csv == "A-5LDM92G53JYSRM"


def test_the_model_refuses_a_second_save_and_a_delete(record):
    record.hash = "0" * 64
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    record.status = "accepted"
    record.save(update_fields=["status"])


def test_querysets_refuse_deletes_and_updates_of_the_legal_content(record):
    with pytest.raises(AppendOnlyError):
        Record.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Record.objects.update(hash="0" * 64)
    assert Record.objects.get().hash == record.hash


def test_an_installation_never_changes_nor_goes(record):
    installation = Installation.objects.get()
    refused_by_the_database(
        "UPDATE verifactu_installation SET number = %s WHERE id = %s",
        ["otro", installation.pk],
    )
    refused_by_the_database("DELETE FROM verifactu_installation WHERE id = %s",
                            [installation.pk])


def test_the_chain_cannot_fork(alice, record):
    second = make_invoice(alice.account, record.invoice.client)
    forked = Record.objects.get(invoice=second)

    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.create(**{
            **{f.attname: getattr(forked, f.attname) for f in Record._meta.concrete_fields
               if not f.primary_key},
            "position": 99,
        })


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
@pytest.mark.parametrize("table", [
    "verifactu_record", "verifactu_installation", "invoices_invoice", "invoices_invoiceline",
])
def test_truncate_cannot_empty_the_legal_tables(record, table):
    """TRUNCATE fires no row trigger: a statement trigger refuses it while legal rows stand,
    and CASCADE cannot reach them either."""
    with connection.cursor() as cursor:  # the test's transaction checks its keys now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert Record.objects.count() == 1
    assert record.invoice.lines.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_truncate_of_tables_without_legal_rows_still_works(alice):
    """A draft is not a legal record: an account's drafts alone may be truncated."""
    make_invoice(alice.account, status="draft")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE invoices_invoice CASCADE")
    assert not Invoice.objects.exists()
