"""A FacturaE 3.2.2 document (`Modality` I: one invoice) from plain data, with lxml.

No Django here: `facturae.services` maps an invoice onto these dataclasses (and says what is
missing), this module writes them in the schema's order. Only the root is namespace-qualified
(`fe:Facturae`); every child is unqualified, as the schema (no elementFormDefault) wants.

Amounts arrive already rounded to the cent by the tax engine and are written as they are, with
two decimals; nothing is recomputed here but the per-line informative taxes and the line's
gross cost, each rounded once, half-up (see `money`).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

NAMESPACE = "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml"
DS_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
SCHEMA_VERSION = "3.2.2"
CENT = Decimal("0.01")

IVA = "01"
IRPF = "04"
FULL_INVOICE = "FC"
SIMPLIFIED_INVOICE = "FA"
ORIGINAL = "OO"
CORRECTIVE = "OR"
ISSUER = "EM"
TRANSFER = "04"


def money(value: Decimal) -> Decimal:
    result = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return result.copy_abs() if result.is_zero() else result


def amount(value: Decimal) -> str:
    """Two decimals, `-` for negatives, never `-0.00` (DoubleTwoDecimalType and the
    amounts of DoubleUpToEightDecimalType alike)."""
    return f"{money(value):.2f}"


def number(value: Decimal, minimum: int = 2) -> str:
    """A quantity or unit price as stored (up to 4 decimals), trailing zeros dropped down to
    `minimum` decimals: `1.000` → `1.00`, `12.5000` → `12.50`, `0.1234` → `0.1234`."""
    text = f"{value:f}"
    if "." not in text:
        return f"{text}.{'0' * minimum}" if minimum else text
    whole, decimals = text.split(".")
    decimals = decimals.rstrip("0").ljust(minimum, "0")
    return f"{whole}.{decimals}" if decimals else whole


@dataclass(frozen=True)
class Address:
    in_spain: bool
    address: str
    postal_code: str  # AddressInSpain: 5 digits
    town: str
    province: str
    country: str  # ISO 3166 alpha-3


@dataclass(frozen=True)
class Centre:
    """A DIR3 unit of a public administration (FACe's AdministrativeCentre)."""

    code: str
    role: str  # 01 oficina contable, 02 órgano gestor, 03 unidad tramitadora
    description: str


@dataclass(frozen=True)
class Party:
    person_type: str  # F or J
    residence: str  # R, U or E
    tax_id: str
    name: str  # CorporateName (J) or Name (F)
    address: Address
    first_surname: str = ""
    second_surname: str = ""
    centres: tuple[Centre, ...] = ()


@dataclass(frozen=True)
class Tax:
    type_code: str
    rate: Decimal
    base: Decimal
    amount: Decimal
    surcharge_rate: Decimal | None = None
    surcharge: Decimal | None = None


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    total_cost: Decimal  # quantity x unit price, rounded
    discount_rate: Decimal
    discount: Decimal  # total_cost - gross
    gross: Decimal  # the line's total, as the invoice shows it
    taxes: tuple[Tax, ...]
    withheld: tuple[Tax, ...] = ()
    special_event: tuple[str, str] | None = None  # (01 exempt | 02 not subject, reason)
    information: str = ""


@dataclass(frozen=True)
class CorrectiveData:
    number: str
    series: str
    reason_code: str
    reason_description: str
    period: tuple[datetime.date, datetime.date]
    method: str
    method_description: str
    reason: str
    issue_date: datetime.date


@dataclass(frozen=True)
class Installment:
    due_date: datetime.date
    amount: Decimal
    iban: str


@dataclass(frozen=True)
class Invoice:
    number: str
    series: str
    document_type: str  # FC or FA
    issue_date: datetime.date
    operation_date: datetime.date | None
    currency: str
    language: str
    description: str
    taxes: tuple[Tax, ...]
    withheld: tuple[Tax, ...]
    gross: Decimal  # TotalGrossAmount = the subtotal
    general_discount_rate: Decimal
    general_discount: Decimal
    before_taxes: Decimal  # the tax base
    tax_outputs: Decimal  # IVA + recargo
    taxes_withheld: Decimal  # IRPF
    total: Decimal
    lines: tuple[Line, ...]
    corrective: CorrectiveData | None = None
    installments: tuple[Installment, ...] = ()
    legal_literals: tuple[str, ...] = ()
    additional_information: str = ""


@dataclass(frozen=True)
class Document:
    batch_identifier: str
    seller: Party
    buyer: Party
    invoice: Invoice
    issuer_type: str = ISSUER


# -- writing -------------------------------------------------------------------------------


# What XML 1.0 cannot carry (C0 controls but tab and line breaks, lone surrogates, U+FFFE/F):
# dropped, so that no stored text can make a document unwritable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _amount_block(parent: etree._Element, tag: str, value: Decimal) -> None:
    _add(_add(parent, tag), "TotalAmount", amount(value))


def _address(parent: etree._Element, address: Address) -> None:
    if address.in_spain:
        element = _add(parent, "AddressInSpain")
        _add(element, "Address", address.address)
        _add(element, "PostCode", address.postal_code)
        _add(element, "Town", address.town)
        _add(element, "Province", address.province)
    else:
        element = _add(parent, "OverseasAddress")
        _add(element, "Address", address.address)
        _add(element, "PostCodeAndTown", " ".join(
            part for part in (address.postal_code, address.town) if part)[:50])
        _add(element, "Province", address.province)
    _add(element, "CountryCode", address.country)


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    element = _add(parent, tag)
    identification = _add(element, "TaxIdentification")
    _add(identification, "PersonTypeCode", party.person_type)
    _add(identification, "ResidenceTypeCode", party.residence)
    _add(identification, "TaxIdentificationNumber", party.tax_id)
    if party.centres:
        centres = _add(element, "AdministrativeCentres")
        for centre in party.centres:
            node = _add(centres, "AdministrativeCentre")
            _add(node, "CentreCode", centre.code)
            _add(node, "RoleTypeCode", centre.role)
            _address(node, party.address)
            _add(node, "CentreDescription", centre.description)
    if party.person_type == "J":
        entity = _add(element, "LegalEntity")
        _add(entity, "CorporateName", party.name)
    else:
        entity = _add(element, "Individual")
        _add(entity, "Name", party.name)
        _add(entity, "FirstSurname", party.first_surname)
        if party.second_surname:
            _add(entity, "SecondSurname", party.second_surname)
    _address(entity, party.address)


def _tax(parent: etree._Element, tax: Tax) -> None:
    element = _add(parent, "Tax")
    _add(element, "TaxTypeCode", tax.type_code)
    _add(element, "TaxRate", amount(tax.rate))
    _amount_block(element, "TaxableBase", tax.base)
    _amount_block(element, "TaxAmount", tax.amount)
    if tax.surcharge_rate is not None and tax.surcharge is not None:
        _add(element, "EquivalenceSurcharge", amount(tax.surcharge_rate))
        _amount_block(element, "EquivalenceSurchargeAmount", tax.surcharge)


def _discount(container: etree._Element, reason: str, rate: Decimal, value: Decimal) -> None:
    """One Discount of DiscountsAndRebates (a line's) or GeneralDiscounts (the invoice's)."""
    discount = _add(container, "Discount")
    _add(discount, "DiscountReason", reason)
    _add(discount, "DiscountRate", amount(rate))
    _add(discount, "DiscountAmount", amount(value))


def _corrective(parent: etree._Element, corrective: CorrectiveData) -> None:
    element = _add(parent, "Corrective")
    _add(element, "InvoiceNumber", corrective.number)
    if corrective.series:
        _add(element, "InvoiceSeriesCode", corrective.series)
    _add(element, "ReasonCode", corrective.reason_code)
    _add(element, "ReasonDescription", corrective.reason_description)
    period = _add(element, "TaxPeriod")
    _add(period, "StartDate", corrective.period[0].isoformat())
    _add(period, "EndDate", corrective.period[1].isoformat())
    _add(element, "CorrectionMethod", corrective.method)
    _add(element, "CorrectionMethodDescription", corrective.method_description)
    if corrective.reason:
        _add(element, "AdditionalReasonDescription", corrective.reason)
    _add(element, "InvoiceIssueDate", corrective.issue_date.isoformat())


def _line(parent: etree._Element, line: Line) -> None:
    element = _add(parent, "InvoiceLine")
    _add(element, "ItemDescription", line.description)
    _add(element, "Quantity", number(line.quantity))
    _add(element, "UnitPriceWithoutTax", number(line.unit_price))
    _add(element, "TotalCost", amount(line.total_cost))
    if line.discount:
        _discount(_add(element, "DiscountsAndRebates"), "Descuento", line.discount_rate,
                  line.discount)
    _add(element, "GrossAmount", amount(line.gross))
    if line.withheld:
        withheld = _add(element, "TaxesWithheld")
        for tax in line.withheld:
            _tax(withheld, tax)
    outputs = _add(element, "TaxesOutputs")
    for tax in line.taxes:
        _tax(outputs, tax)
    if line.information:
        _add(element, "AdditionalLineItemInformation", line.information)
    if line.special_event is not None:
        event = _add(element, "SpecialTaxableEvent")
        _add(event, "SpecialTaxableEventCode", line.special_event[0])
        _add(event, "SpecialTaxableEventReason", line.special_event[1])


def _invoice(parent: etree._Element, invoice: Invoice) -> None:
    element = _add(parent, "Invoice")
    header = _add(element, "InvoiceHeader")
    _add(header, "InvoiceNumber", invoice.number)
    if invoice.series:
        _add(header, "InvoiceSeriesCode", invoice.series)
    _add(header, "InvoiceDocumentType", invoice.document_type)
    _add(header, "InvoiceClass", CORRECTIVE if invoice.corrective else ORIGINAL)
    if invoice.corrective:
        _corrective(header, invoice.corrective)

    issue = _add(element, "InvoiceIssueData")
    _add(issue, "IssueDate", invoice.issue_date.isoformat())
    if invoice.operation_date:
        _add(issue, "OperationDate", invoice.operation_date.isoformat())
    _add(issue, "InvoiceCurrencyCode", invoice.currency)
    _add(issue, "TaxCurrencyCode", invoice.currency)
    _add(issue, "LanguageName", invoice.language)
    if invoice.description:
        _add(issue, "InvoiceDescription", invoice.description)

    outputs = _add(element, "TaxesOutputs")
    for tax in invoice.taxes:
        _tax(outputs, tax)
    if invoice.withheld:
        withheld = _add(element, "TaxesWithheld")
        for tax in invoice.withheld:
            _tax(withheld, tax)

    totals = _add(element, "InvoiceTotals")
    _add(totals, "TotalGrossAmount", amount(invoice.gross))
    if invoice.general_discount:
        discounts = _add(totals, "GeneralDiscounts")
        _discount(discounts, "Descuento general", invoice.general_discount_rate,
                  invoice.general_discount)
        _add(totals, "TotalGeneralDiscounts", amount(invoice.general_discount))
    _add(totals, "TotalGrossAmountBeforeTaxes", amount(invoice.before_taxes))
    _add(totals, "TotalTaxOutputs", amount(invoice.tax_outputs))
    _add(totals, "TotalTaxesWithheld", amount(invoice.taxes_withheld))
    _add(totals, "InvoiceTotal", amount(invoice.total))
    # No subsidies, payments on account nor amounts withheld as guarantee: what is owed is
    # the total (payments registered later do not change the invoice as issued).
    _add(totals, "TotalOutstandingAmount", amount(invoice.total))
    _add(totals, "TotalExecutableAmount", amount(invoice.total))

    items = _add(element, "Items")
    for line in invoice.lines:
        _line(items, line)

    if invoice.installments:
        details = _add(element, "PaymentDetails")
        for installment in invoice.installments:
            node = _add(details, "Installment")
            _add(node, "InstallmentDueDate", installment.due_date.isoformat())
            _add(node, "InstallmentAmount", amount(installment.amount))
            _add(node, "PaymentMeans", TRANSFER)
            _add(_add(node, "AccountToBeCredited"), "IBAN", installment.iban)
    if invoice.legal_literals:
        literals = _add(element, "LegalLiterals")
        for literal in invoice.legal_literals:
            _add(literals, "LegalReference", literal)
    if invoice.additional_information:
        _add(_add(element, "AdditionalData"), "InvoiceAdditionalInformation",
             invoice.additional_information)


def build(document: Document) -> etree._Element:
    """The `fe:Facturae` element of `document`, unsigned."""
    root = etree.Element(f"{{{NAMESPACE}}}Facturae", nsmap={"fe": NAMESPACE, "ds": DS_NAMESPACE})
    header = _add(root, "FileHeader")
    _add(header, "SchemaVersion", SCHEMA_VERSION)
    _add(header, "Modality", "I")
    _add(header, "InvoiceIssuerType", document.issuer_type)
    batch = _add(header, "Batch")
    _add(batch, "BatchIdentifier", document.batch_identifier)
    _add(batch, "InvoicesCount", "1")
    for tag in ("TotalInvoicesAmount", "TotalOutstandingAmount", "TotalExecutableAmount"):
        _amount_block(batch, tag, document.invoice.total)
    _add(batch, "InvoiceCurrencyCode", document.invoice.currency)

    parties = _add(root, "Parties")
    _party(parties, "SellerParty", document.seller)
    _party(parties, "BuyerParty", document.buyer)
    _invoice(_add(root, "Invoices"), document.invoice)
    return root


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
