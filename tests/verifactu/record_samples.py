"""Sample record content for the VERI*FACTU record-format tests, and a build that also
validates against the AEAT's schema (what `verifactu.xml.build` deliberately does not do
at run time)."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from verifactu import schema
from verifactu.data import (
    Alta,
    Anulacion,
    BuiltRecord,
    InvoiceId,
    Party,
    PreviousRecord,
    Software,
    TaxDetail,
)
from verifactu.namespaces import SF
from verifactu.xml import build

D = Decimal
NS = {"sf": SF}
ISSUER_NIF = "89890001K"  # the AEAT's own test NIF (huella and QR specifications)
ISSUE_DATE = datetime.date(2027, 1, 4)
# 09:15 UTC on a winter day: 10:15 in Madrid.
GENERATED_AT = datetime.datetime(2027, 1, 4, 9, 15, tzinfo=datetime.UTC)

SOFTWARE = Software(
    producer_name="FACTURAgem SL",
    producer_nif="B00000000",
    system_name="FACTURAgem",
    system_id="FG",
    version="1.0.0",
    installation_number="0001-20270101",
)

SPANISH_CLIENT = Party(name="Peñalver Muñoz SL", nif="B12345674")
EU_BUSINESS = Party(name="Müller GmbH", id_type="02", id="DE123456789")
US_COMPANY = Party(name="Acme Inc.", id_type="04", id="12-3456789", country="US")


def tax(base: Decimal, rate: Decimal) -> Decimal:
    return (base * rate / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def s1(base: str, rate: str, surcharge_rate: str | None = None, **fields) -> TaxDetail:
    """A taxed line: the tax (and the recargo, if any) computed half-up."""
    b, r = D(base), D(rate)
    extra = {}
    if surcharge_rate is not None:
        extra = {"surcharge_rate": D(surcharge_rate), "surcharge": tax(b, D(surcharge_rate))}
    return TaxDetail(treatment="S1", base=b, rate=r, tax=tax(b, r), **extra, **fields)


def totals(details: tuple[TaxDetail, ...]) -> dict[str, Decimal]:
    if any(not isinstance(d.base, Decimal) for d in details):
        return {}  # a test of a bad amount gives its totals
    taxes = sum(((d.tax or 0) + (d.surcharge or 0) for d in details), D("0"))
    return {"total_tax": taxes, "total_amount": sum((d.base for d in details), D("0")) + taxes}


def alta(
    *,
    details: tuple[TaxDetail, ...] = (),
    number: str = "2027-0001",
    issue_date: datetime.date = ISSUE_DATE,
    **fields,
) -> Alta:
    """A valid F1 to a Spanish client (one 21 % line) unless told otherwise; the totals
    follow the details unless one of them is given."""
    details = details or (s1("100.00", "21"),)
    content = Alta(
        invoice=InvoiceId(issuer_nif=ISSUER_NIF, number=number, issue_date=issue_date),
        issuer_name="Kovacek Nienow SL",
        invoice_type="F1",
        description="Servicios de consultoría, enero",
        details=details,
        recipients=(SPANISH_CLIENT,),
        total_tax=D("0"),
        total_amount=D("0"),
    )
    return replace(content, **(totals(details) | fields))


def anulacion(number: str = "2027-0001", issue_date: datetime.date = ISSUE_DATE, **fields):
    invoice = InvoiceId(issuer_nif=ISSUER_NIF, number=number, issue_date=issue_date)
    return replace(Anulacion(invoice=invoice), **fields)


def previous_of(content: Alta | Anulacion, built: BuiltRecord) -> PreviousRecord:
    return PreviousRecord(invoice=content.invoice, hash=built.hash)


def build_valid(
    content: Alta | Anulacion,
    *,
    previous: PreviousRecord | None = None,
    generated_at: datetime.datetime = GENERATED_AT,
    software: Software = SOFTWARE,
) -> tuple[BuiltRecord, etree._Element]:
    """Builds, validates against SuministroInformacion.xsd, returns the record and its
    parsed XML."""
    built = build(content, previous=previous, software=software, generated_at=generated_at)
    root = etree.fromstring(built.xml)
    schema.validate(root, "SuministroInformacion")
    return built, root


def text(root: etree._Element, path: str) -> str | None:
    """The text at `path` ("IDFactura/NumSerieFactura", "sf:" added), None if absent."""
    found = root.find("/".join(f"sf:{step}" for step in path.split("/")), NS)
    return None if found is None else found.text


def texts(root: etree._Element, path: str) -> list[str]:
    return [e.text for e in root.findall("/".join(f"sf:{s}" for s in path.split("/")), NS)]


def children(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]
