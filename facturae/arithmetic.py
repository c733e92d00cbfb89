"""The sums FACe and the government's FacturaE validator check beyond the schema (FACe answers
RCF06001, "importes incorrectos", otherwise), read back from a document: every line and total
adds up to the cent. Pure (lxml only): the services run it on every document before it
leaves, and the tests on every document they make.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

CENT = Decimal("0.01")
ZERO = Decimal("0")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(element: etree._Element | None, path: str | None = None) -> Decimal:
    if element is not None and path is not None:
        element = element.find(path)
    if element is None or element.text is None:
        return ZERO
    return Decimal(element.text)


def _two_decimals(root: etree._Element, problems: list[str]) -> None:
    paths = ("TotalAmount", "TotalCost", "GrossAmount", "DiscountAmount", "TotalGrossAmount",
             "TotalGeneralDiscounts", "TotalGrossAmountBeforeTaxes", "TotalTaxOutputs",
             "TotalTaxesWithheld", "InvoiceTotal", "TotalOutstandingAmount",
             "TotalExecutableAmount", "InstallmentAmount")
    for path in paths:
        for element in root.iter(path):
            if len(element):  # the Batch's containers of the same name
                continue
            text = element.text or ""
            if "." not in text or len(text.split(".")[1]) != 2:
                problems.append(f"{path} {text!r} has not two decimals")


def _taxes(block: etree._Element | None, where: str, problems: list[str]) -> Decimal:
    """Checks each Tax (amount = base x rate, rounded) and returns the sum of its amounts
    and equivalence surcharges."""
    total = ZERO
    if block is None:
        return total
    for tax in block.findall("Tax"):
        base = _decimal(tax, "TaxableBase/TotalAmount")
        rate = _decimal(tax, "TaxRate")
        tax_amount = _decimal(tax, "TaxAmount/TotalAmount")
        if tax_amount != _money(base * rate / 100):
            problems.append(f"{where}: TaxAmount {tax_amount} is not {rate} % of {base}")
        total += tax_amount
        surcharge = tax.find("EquivalenceSurchargeAmount/TotalAmount")
        if surcharge is not None:
            surcharge_rate = _decimal(tax, "EquivalenceSurcharge")
            if _decimal(surcharge) != _money(base * surcharge_rate / 100):
                problems.append(
                    f"{where}: EquivalenceSurchargeAmount {surcharge.text} is not "
                    f"{surcharge_rate} % of {base}")
            total += _decimal(surcharge)
    return total


def check_arithmetic(root: etree._Element) -> list[str]:
    """What does not add up in a FacturaE document (one `Invoice`); empty when all does."""
    problems: list[str] = []
    _two_decimals(root, problems)
    invoice = root.find("Invoices/Invoice")
    totals = invoice.find("InvoiceTotals")

    gross_sum = ZERO
    for index, line in enumerate(invoice.iterfind("Items/InvoiceLine")):
        where = f"line {index + 1}"
        quantity = _decimal(line, "Quantity")
        cost = _decimal(line, "TotalCost")
        if cost != _money(quantity * _decimal(line, "UnitPriceWithoutTax")):
            problems.append(f"{where}: TotalCost {cost} is not Quantity x UnitPriceWithoutTax")
        discounts = sum((_decimal(d) for d in line.iterfind(
            "DiscountsAndRebates/Discount/DiscountAmount")), ZERO)
        charges = sum((_decimal(c) for c in line.iterfind("Charges/Charge/ChargeAmount")), ZERO)
        gross = _decimal(line, "GrossAmount")
        if gross != cost - discounts + charges:
            problems.append(f"{where}: GrossAmount {gross} is not TotalCost - discounts")
        for tax_block in ("TaxesOutputs", "TaxesWithheld"):
            block = line.find(tax_block)
            if block is not None:
                for base in block.iterfind("Tax/TaxableBase/TotalAmount"):
                    if _decimal(base) != gross:
                        problems.append(f"{where}: {tax_block} base {base.text} is not "
                                        f"its GrossAmount {gross}")
                _taxes(block, f"{where} {tax_block}", problems)
        gross_sum += gross

    total_gross = _decimal(totals, "TotalGrossAmount")
    if total_gross != gross_sum:
        problems.append(f"TotalGrossAmount {total_gross} is not the lines' sum {gross_sum}")
    general = sum((_decimal(d) for d in totals.iterfind(
        "GeneralDiscounts/Discount/DiscountAmount")), ZERO)
    if _decimal(totals, "TotalGeneralDiscounts") != general:
        problems.append("TotalGeneralDiscounts is not the sum of GeneralDiscounts")
    surcharges = _decimal(totals, "TotalGeneralSurcharges")
    before_taxes = _decimal(totals, "TotalGrossAmountBeforeTaxes")
    if before_taxes != total_gross - general + surcharges:
        problems.append(f"TotalGrossAmountBeforeTaxes {before_taxes} is not TotalGrossAmount "
                        "- TotalGeneralDiscounts + TotalGeneralSurcharges")
    outputs = invoice.find("TaxesOutputs")
    bases = sum((_decimal(b) for b in outputs.iterfind("Tax/TaxableBase/TotalAmount")), ZERO)
    if bases != before_taxes:
        problems.append(f"the TaxesOutputs' bases add up to {bases}, not "
                        f"TotalGrossAmountBeforeTaxes {before_taxes}")
    tax_outputs = _taxes(outputs, "TaxesOutputs", problems)
    if _decimal(totals, "TotalTaxOutputs") != tax_outputs:
        problems.append(f"TotalTaxOutputs is not the taxes' sum {tax_outputs} "
                        "(IVA + equivalence surcharge)")
    withheld = _taxes(invoice.find("TaxesWithheld"), "TaxesWithheld", problems)
    if _decimal(totals, "TotalTaxesWithheld") != withheld:
        problems.append(f"TotalTaxesWithheld is not the withheld taxes' sum {withheld}")
    total = _decimal(totals, "InvoiceTotal")
    expected = before_taxes + _decimal(totals, "TotalTaxOutputs") - _decimal(
        totals, "TotalTaxesWithheld")
    if total != expected:
        problems.append(f"InvoiceTotal {total} is not TotalGrossAmountBeforeTaxes + "
                        f"TotalTaxOutputs - TotalTaxesWithheld = {expected}")
    outstanding = _decimal(totals, "TotalOutstandingAmount")
    if outstanding != total - _decimal(totals, "TotalPaymentsOnAccount"):
        problems.append("TotalOutstandingAmount is not InvoiceTotal - payments on account")
    executable = _decimal(totals, "TotalExecutableAmount")
    if executable != outstanding + _decimal(totals, "TotalReimbursableExpenses"):
        problems.append("TotalExecutableAmount is not TotalOutstandingAmount + reimbursables")
    installments = list(invoice.iterfind("PaymentDetails/Installment/InstallmentAmount"))
    if installments and sum((_decimal(i) for i in installments), ZERO) != executable:
        problems.append("the installments do not add up to TotalExecutableAmount")

    batch = root.find("FileHeader/Batch")
    for tag, value in (("TotalInvoicesAmount", total), ("TotalOutstandingAmount", outstanding),
                       ("TotalExecutableAmount", executable)):
        if _decimal(batch, f"{tag}/TotalAmount") != value:
            problems.append(f"Batch {tag} is not the invoice's")
    return problems
