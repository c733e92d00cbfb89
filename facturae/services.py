"""An issued invoice as a FacturaE 3.2.2 document, unsigned (`facturae_xml`) or signed
XAdES-EPES with the account's own certificate (`facturae_signed`).

The figures are the invoice's own, as the API shows them (CONTRACT §7, §9): the frozen totals
and the tax engine's rows for its lines, arranged as FacturaE wants them; the document is
refused (422) rather than written when they would not add up, or when FacturaE needs what the
invoice does not have. The mapping choices are documented in docs/api.md, "FacturaE".
"""

from __future__ import annotations

import datetime
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from lxml import etree

from accounts.models import Account
from certificates import services as certificates
from certificates.models import AccountCertificate
from countries.data import EU_MEMBERS
from facturae import document as fe
from facturae import schema, signing
from facturae.arithmetic import check_arithmetic
from invoices import taxes
from invoices.models import Invoice
from verifactu import services as records
from verifactu.models import Record

ZERO = Decimal("0.00")
MAX_NUMBER = 20  # InvoiceNumber and InvoiceSeriesCode are TextMax20Type

DRAFT = "a draft has no FacturaE document: issue it first"
NO_RECIPIENT = (
    "names no client: a FacturaE document always names its buyer (a simplified invoice "
    "without a client has none)"
)
TAX_ID_BLANK = "can't be blank: a FacturaE document identifies both parties by tax id"
POSTAL_CODE_INVALID = (
    "is not a 5-digit Spanish postal code, which FacturaE needs for an address in Spain"
)
COUNTRY_NOT_IN_FACTURAE = "{country} has no code in FacturaE 3.2.2's list of countries"
NUMBER_TOO_LONG = (
    "is longer than the 20 characters FacturaE allows for an invoice number "
    "(its series apart)"
)
DIR3_MISSING = (
    "can't be blank: the client is a public administration, and FACe routes its invoices "
    "by the DIR3 code of its {unit}"
)
FIGURES_MISMATCH = (
    "the invoice's figures do not add up as FacturaE requires ({problems}): "
    "contact support"
)
NO_CERTIFICATE = (
    "the account has no certificate of its own to sign FacturaE documents with: upload it "
    "with PUT …/certificate (a service-wide certificate is the service's, not the issuer's, "
    "and is never used to sign invoices)"
)
REPRESENTATIVE_CERTIFICATE = (
    "the account's certificate is its representative's ({holder}): a FacturaE document is "
    "signed with the issuer's own certificate; upload the account's own"
)
CERTIFICATE_EXPIRED = (
    "the account's certificate expired on {date}: upload a valid one to sign FacturaE "
    "documents"
)
CHAIN_INCOMPLETE = (
    "the account's certificate was uploaded without its full chain (missing: {issuer}): "
    "FACe refuses signatures without it; upload the PKCS#12 file exported with its "
    "certification path"
)
UNUSABLE_KEY = "the account's certificate cannot sign: {problem}"

DIR3_UNITS = {
    # field: (FACe role code, name of the unit in the error and the document)
    "dir3_accounting_office": ("01", "oficina contable"),
    "dir3_managing_body": ("02", "órgano gestor"),
    "dir3_processing_unit": ("03", "unidad tramitadora"),
}

# What each treatment of a line (invoices.taxes) says on the document: in SpecialTaxableEvent
# (exempt 01, not subject 02) or, for the reverse charge, in the line's additional
# information; each also once in LegalLiterals, the invoice's legal mentions.
TREATMENT_TEXTS = {
    "S2": "Inversión del sujeto pasivo (art. 84.Uno.2.º de la Ley 37/1992 del IVA)",
    "E1": "Operación exenta por el artículo 20 de la Ley 37/1992 del IVA",
    "E2": "Operación exenta por el artículo 21 de la Ley 37/1992 del IVA (exportación)",
    "E3": "Operación exenta por el artículo 22 de la Ley 37/1992 del IVA",
    "E4": "Operación exenta por los artículos 23 y 24 de la Ley 37/1992 del IVA",
    "E5": "Entrega intracomunitaria exenta por el artículo 25 de la Ley 37/1992 del IVA",
    "E6": "Operación exenta de IVA",
    "N1": "Operación no sujeta al IVA (artículos 7 y 14 de la Ley 37/1992)",
    "N2": (
        "Operación no sujeta al IVA español por las reglas de localización "
        "(artículos 69 y 70 de la Ley 37/1992)"
    ),
}
EXEMPT_EVENT = "01"
NOT_SUBJECT_EVENT = "02"

# Corrective invoices: FacturaE's ReasonCode and its fixed ReasonDescription (the schema's
# enumeration, word for word), and CorrectionMethod with its fixed description.
REASONS = {
    "10": "Detalle Operación",
    "11": "Porcentaje impositivo a aplicar",
    "16": "Base imponible",
    "82": "Base imponible modificada por devolución de envases / embalajes",
    "83": "Base imponible modificada por descuentos y bonificaciones",
    "84": "Base imponible modificada por resolución firme, judicial o administrativa",
    "85": (
        "Base imponible modificada cuotas repercutidas no satisfechas. "
        "Auto de declaración de concurso"
    ),
}
# Words of the free-text reason that name one of the art. 80 LIVA causes FacturaE has a code
# for (compared without accents or case), tried in this order.
REASON_WORDS = (
    ("82", ("envase", "embalaje", "packaging")),
    ("83", ("descuento", "bonificacion", "rappel", "discount", "rebate")),
    ("84", ("resolucion firme", "sentencia", "judicial", "court")),
    ("11", ("tipo impositivo", "porcentaje de iva", "tipo de iva", "tax rate", "vat rate")),
)
# By type when the reason names none of those: R2 (concurso, art. 80.Tres) and R3 (bad
# debts, art. 80.Cuatro) are both "output tax not paid": FacturaE has the one code, 85.
REASON_BY_TYPE = {"R1": "16", "R2": "85", "R3": "85", "R4": "10", "R5": "16"}
METHODS = {
    Invoice.Method.SUBSTITUTION: ("01", "Rectificación íntegra"),
    Invoice.Method.DIFFERENCES: ("02", "Rectificación por diferencias"),
}

# Spanish provinces by the first two digits of the postal code (INE codes), for an address
# whose province was left blank; FacturaE's Province holds 20 characters.
PROVINCES = dict(enumerate((
    "Álava", "Albacete", "Alicante", "Almería", "Ávila", "Badajoz", "Illes Balears",
    "Barcelona", "Burgos", "Cáceres", "Cádiz", "Castellón", "Ciudad Real", "Córdoba",
    "A Coruña", "Cuenca", "Girona", "Granada", "Guadalajara", "Gipuzkoa", "Huelva", "Huesca",
    "Jaén", "León", "Lleida", "La Rioja", "Lugo", "Madrid", "Málaga", "Murcia", "Navarra",
    "Ourense", "Asturias", "Palencia", "Las Palmas", "Pontevedra", "Salamanca",
    "Santa Cruz Tenerife", "Cantabria", "Segovia", "Sevilla", "Soria", "Tarragona", "Teruel",
    "Toledo", "Valencia", "Valladolid", "Bizkaia", "Zamora", "Zaragoza", "Ceuta", "Melilla",
), start=1))

# A Spanish NIF's first character: a digit (DNI) or X/Y/Z (NIE), K/L/M (NIFs of people
# without DNI) belong to natural persons; the CIF letters to legal entities.
_NATURAL_PERSON_STARTS = frozenset("0123456789XYZKLM")


class Problems:
    """What FacturaE needs and the invoice lacks, collected so that one 422 says it all."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


# -- parties ------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _spanish_nif(tax_id: str) -> str:
    return tax_id[2:] if len(tax_id) == 11 and tax_id.startswith("ES") else tax_id


def person_type(tax_id: str, country: str) -> str:
    """F or J. A Spanish NIF tells by its first character (see _NATURAL_PERSON_STARTS); a
    foreign party is taken for a legal entity (J): FACTURAgem's clients abroad are
    businesses (a consumer abroad gets no FacturaE), and a foreign name cannot be split
    into the given name and surnames an Individual needs."""
    if country != "ES":
        return "J"
    nif = _spanish_nif(tax_id)
    return "F" if nif[:1] in _NATURAL_PERSON_STARTS else "J"


def split_name(name: str) -> tuple[str, str, str]:
    """(Name, FirstSurname, SecondSurname) of a natural person's name as one string:
    `GARCÍA LÓPEZ, ALICIA` (surnames first, with a comma) or `Alicia García López` (the last
    two words are the surnames; with two words, the last one)."""
    if "," in name:
        surnames, _, given = name.partition(",")
        words = surnames.split()
        return given.strip(), (words[0] if words else ""), " ".join(words[1:])
    words = name.split()
    if len(words) >= 3:
        return " ".join(words[:-2]), words[-2], words[-1]
    if len(words) == 2:
        return words[0], words[1], ""
    return name.strip(), "", ""


def _alpha3(code: str) -> str | None:
    from countries.models import Country

    alpha3 = Country.objects.filter(code=code).values_list("alpha3", flat=True).first()
    return alpha3 if alpha3 in schema.enumeration("CountryType") else None


def _address(invoice: Invoice, prefix: str, problems: Problems) -> fe.Address:
    def field(name: str) -> str:
        return (getattr(invoice, f"{prefix}_{name}") or "").strip()

    country = field("country")
    alpha3 = _alpha3(country)
    if alpha3 is None:
        problems.add(f"{prefix}_country", COUNTRY_NOT_IN_FACTURAE.format(country=country))
    street = ", ".join(part for part in (field("street1"), field("street2")) if part)
    postal_code = field("postal_code").replace(" ", "")
    in_spain = country == "ES"
    province = field("province")
    if in_spain:
        if not (len(postal_code) == 5 and postal_code.isdigit()):
            problems.add(f"{prefix}_postal_code", POSTAL_CODE_INVALID)
        elif not province:
            province = PROVINCES.get(int(postal_code[:2]), "")
    return fe.Address(
        in_spain=in_spain,
        address=street[:80],
        postal_code=postal_code[:50],
        town=field("city")[:50],
        province=(province or field("city"))[:20],
        country=alpha3 or "ESP",
    )


def _centres(invoice: Invoice, problems: Problems) -> tuple[fe.Centre, ...]:
    client = invoice.client
    if client is None or not client.is_public_administration:
        return ()
    centres = []
    for name, (role, unit) in DIR3_UNITS.items():
        code = getattr(client, name)
        if not code:
            problems.add(name, DIR3_MISSING.format(unit=unit))
        else:
            centres.append(fe.Centre(code=code, role=role, description=unit.capitalize()))
    return tuple(centres)


def _tax_id(tax_id: str, country: str, intra_eu: bool) -> str:
    if country == "ES":
        nif = _spanish_nif(tax_id)
        return f"ES{nif}" if intra_eu else nif
    if intra_eu:
        prefix = "EL" if country == "GR" else country
        return tax_id if tax_id.startswith(prefix) else prefix + tax_id
    return tax_id


def _party(invoice: Invoice, prefix: str, *, intra_eu: bool, problems: Problems,
           centres: tuple[fe.Centre, ...] = ()) -> fe.Party:
    tax_id = getattr(invoice, f"{prefix}_tax_id").strip()
    country = getattr(invoice, f"{prefix}_country")
    name = getattr(invoice, f"{prefix}_name").strip()
    if len(tax_id) < 3:
        problems.add(f"{prefix}_tax_id", TAX_ID_BLANK)
    kind = person_type(tax_id, country)
    residence = "R" if country == "ES" else "U" if country in EU_MEMBERS else "E"
    given, first, second = split_name(name) if kind == "F" else (name, "", "")
    return fe.Party(
        person_type=kind,
        residence=residence,
        tax_id=_tax_id(tax_id, country, intra_eu),
        name=given[: 80 if kind == "J" else 40],
        first_surname=first[:40],
        second_surname=second[:40],
        address=_address(invoice, prefix, problems),
        centres=centres,
    )


# -- numbers and corrections ------------------------------------------------------------------


def split_number(number: str, series: str) -> tuple[str, str]:
    """(InvoiceNumber, InvoiceSeriesCode). The number as printed includes its series
    (`R2026/0007` in series `R`): FacturaE carries them apart, `2026/0007` and `R`, so that
    series + number read as printed. A number that does not start with its series is kept
    whole."""
    if series and number.startswith(series) and len(number) > len(series):
        return number[len(series):], series
    return number, series


def _number(invoice: Invoice, field: str, problems: Problems) -> tuple[str, str]:
    number, series = split_number(invoice.number, invoice.series)
    if len(number) > MAX_NUMBER:
        problems.add(field, NUMBER_TOO_LONG)
    return number[:MAX_NUMBER], series[:MAX_NUMBER]


def reason_code(invoice_type: str, reason: str) -> str:
    """FacturaE's ReasonCode of a corrective invoice (see REASON_WORDS, REASON_BY_TYPE)."""
    if invoice_type in ("R1", "R4", "R5"):
        plain = _plain(reason)
        for code, words in REASON_WORDS:
            if any(word in plain for word in words):
                return code
    return REASON_BY_TYPE[invoice_type]


def _month(date: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = date.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def _corrective(invoice: Invoice, problems: Problems) -> fe.CorrectiveData | None:
    original = invoice.corrects
    if original is None:
        return None
    number, series = _number(original, "corrects", problems)
    code = reason_code(invoice.invoice_type, invoice.correction_reason)
    method, method_description = METHODS[invoice.correction_method or
                                          Invoice.Method.DIFFERENCES]
    return fe.CorrectiveData(
        number=number,
        series=series,
        reason_code=code,
        reason_description=REASONS[code],
        # The calendar month in which the corrected operation accrued its tax.
        period=_month(original.operation_date or original.issue_date),
        method=method,
        method_description=method_description,
        reason=invoice.correction_reason[:2500],
        issue_date=original.issue_date,
    )


# -- figures ------------------------------------------------------------------------------------


def _percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return fe.money(amount * percent / 100)


def _line(line, result: taxes.LineResult, irpf_percent: Decimal) -> fe.Line:
    gross = line.total
    total_cost = fe.money(line.quantity * line.unit_price)
    surcharged = result.surcharge_percent > 0
    iva = fe.Tax(
        type_code=fe.IVA,
        rate=line.iva_percent,
        base=gross,
        amount=_percent_of(gross, line.iva_percent),
        surcharge_rate=result.surcharge_percent if surcharged else None,
        surcharge=_percent_of(gross, result.surcharge_percent) if surcharged else None,
    )
    withheld = ()
    if irpf_percent > 0:
        withheld = (fe.Tax(type_code=fe.IRPF, rate=irpf_percent, base=gross,
                           amount=_percent_of(gross, irpf_percent)),)
    treatment = line.treatment
    event = None
    if treatment in taxes.EXEMPT:
        event = (EXEMPT_EVENT, TREATMENT_TEXTS[treatment])
    elif treatment in taxes.NOT_SUBJECT:
        event = (NOT_SUBJECT_EVENT, TREATMENT_TEXTS[treatment])
    return fe.Line(
        description=line.description[:2500],
        quantity=line.quantity,
        unit_price=line.unit_price,
        total_cost=total_cost,
        discount_rate=line.discount_percent,
        discount=total_cost - gross,
        gross=gross,
        taxes=(iva,),
        withheld=withheld,
        special_event=event,
        information=TREATMENT_TEXTS[treatment] if treatment == taxes.REVERSE_CHARGE else "",
    )


def _tax_outputs(breakdown: taxes.Breakdown) -> tuple[fe.Tax, ...]:
    """The engine's rows, one Tax per IVA and recargo rate: the untaxed rows (exempt, not
    subject, reverse charge) share the 0 % one, their treatments said line by line."""
    grouped: dict[tuple[Decimal, Decimal], list[taxes.TaxRow]] = {}
    for row in breakdown.taxes:
        grouped.setdefault((row.iva_percent, row.surcharge_percent), []).append(row)
    result = []
    for (rate, surcharge_rate), rows in grouped.items():
        surcharged = surcharge_rate > 0
        result.append(fe.Tax(
            type_code=fe.IVA,
            rate=rate,
            base=sum((row.base for row in rows), ZERO),
            amount=sum((row.iva for row in rows), ZERO),
            surcharge_rate=surcharge_rate if surcharged else None,
            surcharge=sum((row.surcharge for row in rows), ZERO) if surcharged else None,
        ))
    return tuple(result)


def _check_figures(invoice: Invoice, lines, breakdown: taxes.Breakdown,
                   problems: Problems) -> None:
    """The stored figures are what the engine makes of the stored lines (never otherwise)."""
    names = ("subtotal", "discount", "tax_base", "iva", "surcharge", "irpf", "total")
    wrong = [name for name in names if getattr(invoice, name) != getattr(breakdown, name)]
    wrong += [f"lines[{index}].total" for index, (line, result)
              in enumerate(zip(lines, breakdown.lines, strict=True)) if line.total != result.total]
    if wrong:
        problems.add("base", FIGURES_MISMATCH.format(problems=", ".join(wrong)))


# -- the document -------------------------------------------------------------------------------


def _qr_url(invoice: Invoice) -> str | None:
    altas = getattr(invoice, "alta_records", None)  # prefetched by the selectors
    if altas is None:
        altas = list(invoice.records.filter(kind=Record.Kind.ALTA).order_by("position")[:1])
    return records.qr_url(altas[0]) if altas else None


def _legal_literals(invoice: Invoice, lines) -> tuple[str, ...]:
    # The VERI*FACTU QR address first, alone in its element (OM HAC/1177/2024 art. 20.2: an
    # independent field of a structured invoice; see docs/api.md), then the mentions.
    literals = []
    qr = _qr_url(invoice)
    if qr:
        literals.append(qr)
    treatments = {line.treatment for line in lines}
    literals += [text for code, text in TREATMENT_TEXTS.items() if code in treatments]
    return tuple(literal[:250] for literal in literals)


def document_for(invoice: Invoice) -> fe.Document:
    """The invoice as FacturaE data; ValidationError naming everything that is missing."""
    if invoice.status == Invoice.Status.DRAFT:
        raise ValidationError({"base": [DRAFT]})
    if invoice.client_id is None:
        raise ValidationError({"client_id": [NO_RECIPIENT]})
    problems = Problems()
    lines = getattr(invoice, "line_list", None) or list(invoice.lines.order_by("position"))
    breakdown = invoice.breakdown(lines)
    _check_figures(invoice, lines, breakdown, problems)
    intra_eu = (invoice.client_country != invoice.account_country
                and {invoice.client_country, invoice.account_country} <= EU_MEMBERS)
    seller = _party(invoice, "account", intra_eu=intra_eu, problems=problems)
    buyer = _party(invoice, "client", intra_eu=intra_eu, problems=problems,
                   centres=_centres(invoice, problems))
    number, series = _number(invoice, "number", problems)
    corrective = _corrective(invoice, problems)
    problems.raise_if_any()

    installments = ()
    if invoice.total > 0 and invoice.account_iban:
        installments = (fe.Installment(due_date=invoice.due_date or invoice.issue_date,
                                       amount=invoice.total, iban=invoice.account_iban),)
    withheld = ()
    if invoice.irpf_percent > 0:
        withheld = (fe.Tax(type_code=fe.IRPF, rate=invoice.irpf_percent,
                           base=invoice.tax_base, amount=invoice.irpf),)
    operation_date = invoice.operation_date
    return fe.Document(
        batch_identifier=f"{seller.tax_id}{number}{series}"[:70],
        seller=seller,
        buyer=buyer,
        invoice=fe.Invoice(
            number=number,
            series=series,
            document_type=(fe.SIMPLIFIED_INVOICE if invoice.is_simplified
                           else fe.FULL_INVOICE),
            issue_date=invoice.issue_date,
            operation_date=operation_date if operation_date != invoice.issue_date else None,
            currency=invoice.currency,
            language="es",
            description=invoice.description[:2500],
            taxes=_tax_outputs(breakdown),
            withheld=withheld,
            gross=invoice.subtotal,
            general_discount_rate=invoice.discount_percent,
            general_discount=invoice.discount,
            before_taxes=invoice.tax_base,
            tax_outputs=invoice.iva + invoice.surcharge,
            taxes_withheld=invoice.irpf,
            total=invoice.total,
            lines=tuple(_line(line, result, invoice.irpf_percent)
                        for line, result in zip(lines, breakdown.lines, strict=True)),
            corrective=corrective,
            installments=installments,
            legal_literals=_legal_literals(invoice, lines),
            additional_information=invoice.notes.strip()[:2500],
        ),
    )


def _checked(root: etree._Element) -> etree._Element:
    """Refuses to let out a document that the schema or FACe's arithmetic would refuse."""
    problems = check_arithmetic(root)
    if problems:
        raise ValidationError({"base": [FIGURES_MISMATCH.format(problems="; ".join(problems))]})
    schema.validate(root)
    return root


def facturae_xml(*, invoice: Invoice) -> bytes:
    """The issued (or voided) invoice as an unsigned FacturaE 3.2.2 document."""
    return fe.serialize(_checked(fe.build(document_for(invoice))))


# -- signing ------------------------------------------------------------------------------------


def signing_material(*, account: Account, now: datetime.datetime) -> signing.KeyMaterial:
    """The account's own key and certificate chain, ready to sign; ValidationError (base)
    saying why not otherwise. Raises certificates.crypto.KeyMissing when the service cannot
    decrypt stored keys."""
    try:
        stored = certificates.certificate_get(account=account)
    except AccountCertificate.DoesNotExist:
        raise ValidationError({"base": [NO_CERTIFICATE]}) from None
    if stored.representative:
        raise ValidationError({"base": [REPRESENTATIVE_CERTIFICATE.format(
            holder=f"{stored.holder_name}, {stored.tax_id}")]})
    if now > stored.not_after:
        raise ValidationError({"base": [CERTIFICATE_EXPIRED.format(
            date=timezone.localtime(stored.not_after).date().isoformat())]})
    credentials = certificates.credentials_for(account)
    try:
        material = signing.KeyMaterial.from_pem(
            private_key_pem=credentials.private_key_pem,
            certificates_pem=credentials.certificate_pem,
        )
    except (signing.SigningError, ValueError) as error:
        raise ValidationError({"base": [UNUSABLE_KEY.format(problem=error)]}) from error
    missing = signing.missing_issuer(material.chain)
    if missing is not None:
        raise ValidationError({"base": [CHAIN_INCOMPLETE.format(
            issuer=missing.rfc4514_string())]})
    return material


def facturae_signed(*, invoice: Invoice, now: datetime.datetime | None = None) -> bytes:
    """The same document as `facturae_xml`, signed XAdES-EPES (FacturaE policy v3.1) with the
    account's own certificate and its full chain, at `now` (Madrid time)."""
    if invoice.status == Invoice.Status.DRAFT:
        raise ValidationError({"base": [DRAFT]})
    now = now or timezone.now()
    material = signing_material(account=invoice.account, now=now)
    root = _checked(fe.build(document_for(invoice)))
    signed = signing.sign(root, material, signing_time=timezone.localtime(now))
    schema.validate(signed)
    return fe.serialize(signed)
