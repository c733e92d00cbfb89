"""Fast paths of the invoice representations, held to what they replace, for invoices in
every state: a list item (InvoiceSummary) from invoices or `.values()` rows is what the
generic Representation made of the declared fields, with the links the Linker wrote (kept
here as the oracle); an invoice read for GET with its lines and record as rows
(`invoice_to_show`) represents as the selector's prefetched invoice did."""

import datetime
from decimal import Decimal

import pytest
from django.utils.text import slugify

from facturagem.api.links import Linker, url_id
from facturagem.api.serializers import Representation
from invoices import selectors, services
from invoices.models import Invoice
from invoices.selectors import invoice_to_show
from invoices.serializers import SUMMARY_FIELDS, InvoiceOutput, InvoiceSummary
from tests.factories import line, make_client, make_invoice, pay


def oracle_links(account, invoice, links: Linker) -> list[dict[str, str]]:
    """InvoiceLinks.get_links as it was, through Linker.link."""
    account_path = f"/accounts/{account.url_id}"
    if invoice.pk is None:
        return [
            links.link("self", f"{account_path}/invoices/new"),
            links.link("account", account_path),
            links.link("create", f"{account_path}/invoices"),
        ]
    path = f"/accounts/{account.url_id}/invoices/{invoice.url_id}"
    result = [links.link("self", path), links.link("account", account_path)]
    if invoice.client_id is not None:
        client_slug = url_id(invoice.client_id, slugify(invoice.client_name))
        result.append(links.link("client", f"{account_path}/clients/{client_slug}"))
    result += [
        links.link("payments", f"{path}/payments"),
        links.link("pdf", path, suffix=".pdf"),
        links.link("copy", f"{account_path}/invoices/new", query={"invoice_id": invoice.pk}),
    ]
    if invoice.status != Invoice.Status.DRAFT:
        result += [
            links.link("facturae", f"{path}/facturae", suffix=".xml"),
            links.link("facturae_signed", f"{path}/facturae", suffix=".xsig"),
        ]
    if invoice.status == Invoice.Status.ISSUED:
        result += [
            links.link("corrections", f"{path}/corrections"),
            links.link("void", f"{path}/void"),
        ]
    if invoice.corrects_id is not None:
        result.append(links.link("corrects", f"{account_path}/invoices/{invoice.corrects_id}"))
    if invoice.frozen:
        result.append(links.link(
            "records", f"{account_path}/verifactu/records", query={"invoice_id": invoice.pk}
        ))
    return result


def kind(value) -> type:
    return str if isinstance(value, str) else type(value)


def linkers() -> list[Linker]:
    browsable = Linker.for_base("http://testserver")
    browsable.suffix = ""
    return [Linker.for_base("http://testserver"), Linker.for_base("https://h:8443", "xml"),
            browsable]


@pytest.fixture
def invoices(alice, bob):
    """Every state a list shows: issued (frozen), paid, partly paid, voided, corrected and
    corrective, draft, simplified without a client, numbers and names that slugify oddly,
    and an account without VERI*FACTU (issued, not frozen)."""
    account = alice.account
    today = datetime.date.today()
    odd = make_client(account, name="Ñandú & Cía. «Ltd»", tax_id="A58818501")
    issued = make_invoice(account, odd, number="2026/A-7 #x", issue_date=today)
    paid = make_invoice(account, issue_date=today)
    pay(paid, "121.00")
    partly = make_invoice(account, issue_date=today)
    pay(partly, "1.00")
    voided = make_invoice(account, issue_date=today)
    services.invoice_void(invoice=voided, reason="by mistake")
    corrected = make_invoice(account, issue_date=today)
    services.invoice_correct(invoice=corrected, reason="price", lines=[line(unit_price="-10")])
    draft = make_invoice(account, draft=True)
    simplified = services.invoice_create(account=account, client=None, lines=[line()],
                                         data={"simplified": True})
    zero = make_invoice(account, lines=[line(unit_price="0")], issue_date=today)
    bob.account.verifactu = False
    bob.account.save()
    legacy = make_invoice(bob.account, number="///Ω ñ", issue_date=datetime.date(2020, 1, 1))
    assert draft.status == "draft" and not legacy.frozen and issued.frozen
    assert simplified.client_id is None and zero.total == Decimal("0.00")
    return [*Invoice.objects.filter(account=account).order_by("id"), legacy]


def test_a_list_item_is_what_the_generic_representation_made(invoices):
    assert any(invoice.corrects_id for invoice in invoices)
    for links in linkers():
        for invoice in invoices:
            context = {"links": links, "account": invoice.account}
            summary = InvoiceSummary(context=context)
            row = Invoice.objects.filter(pk=invoice.pk).values(*SUMMARY_FIELDS).get()
            expected = Representation.to_representation(summary, invoice)
            expected["links"] = oracle_links(invoice.account, invoice, links)

            assert summary.to_representation(invoice) == expected
            assert summary.to_representation(row) == expected
            # The same types too (the XML writes them): rows hold plain str for a status.
            assert [kind(v) for v in summary.to_representation(row).values()] == [
                kind(v) for v in expected.values()]


def test_an_invoices_links_are_what_the_linker_wrote(invoices, alice):
    unsaved = services.invoice_new(account=alice.account)
    for links in linkers():
        for invoice in [*invoices, unsaved]:
            context = {"links": links, "account": invoice.account}
            output = InvoiceOutput(context=context)
            assert output.get_links(invoice, links) == oracle_links(
                invoice.account, invoice, links)


def test_an_invoice_to_show_represents_as_the_selectors(invoices):
    services.invoice_register_payment(invoice=invoices[0], amount=Decimal("5.00"))
    for links in linkers():
        for invoice in invoices:
            context = {"links": links, "account": invoice.account, "request": None}
            expected = InvoiceOutput(
                selectors.invoice_get(account=invoice.account, invoice_id=invoice.pk),
                context=context).data
            shown = InvoiceOutput(invoice_to_show(account=invoice.account,
                                                  invoice_id=str(invoice.pk)),
                                  context=context).data

            assert shown == expected
            assert [kind(v) for v in shown.values()] == [kind(v) for v in expected.values()]
            assert [kind(v) for line in shown["lines"] for v in line.values()] == [
                kind(v) for line in expected["lines"] for v in line.values()]


def test_the_list_renders_rows_in_its_queries(api, alice, invoices,
                                              django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = api.send("GET", f"/api/v1/accounts/{alice.account.pk}/invoices.json",
                            key=alice.api_key)
    assert response.status_code == 200
    assert len(response.json()) == Invoice.objects.filter(account=alice.account).count()
