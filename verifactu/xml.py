"""A record's content (`verifactu.data`) → the AEAT's XML (RegistroAlta / RegistroAnulacion)
and its huella; and a stored record's XML → its huella again.

Sources: `SuministroInformacion.xsd` (element order), the AEAT's record design
(DsRegistroVeriFactu v1.0), its validations document ("Validaciones y errores" v1.2.2,
"VAL" below) and error list (`schemas/AEAT_errores.properties`, whose codes the messages
cite), and its huella specification (see `verifactu.huella`).

`build` runs inside the invoice-create transaction, so it is lean: the rules the AEAT
enforces are checked in plain Python before writing (a broken one raises `RecordError`,
naming the field as an AEAT element path), the XML is written with lxml in schema order,
and no schema validation happens at run time (the tests validate every record they build).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from lxml import etree

from verifactu import formats, huella
from verifactu.data import (
    CORRECTIVE_TYPES,
    EXEMPT,
    ID_TYPES,
    INVOICE_TYPES,
    NOT_SUBJECT,
    TREATMENTS,
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
from verifactu.schema import SCHEMA_DIR

ID_VERSION = "1.0"  # IDVersion (list L15)
HASH_TYPE = "01"  # TipoHuella: SHA-256 (list L12)

# The AEAT's length limits. A name or a description longer than its limit is cut to fit:
# the record is a registration of the invoice, not the invoice, and the invoice itself
# keeps the full text. Identifiers are never cut (they would identify something else).
NAME_LIMIT = 120  # NombreRazon, NombreRazonEmisor
DESCRIPTION_LIMIT = 500  # DescripcionOperacion
NUMBER_LIMIT = 60  # NumSerieFactura
EXTERNAL_REF_LIMIT = 60  # RefExterna
OTHER_ID_LIMIT = 20  # IDOtro/ID
SYSTEM_NAME_LIMIT = 30  # NombreSistemaInformatico
VERSION_LIMIT = 50  # Version
INSTALLATION_LIMIT = 100  # NumeroInstalacion
MAX_DETAILS = 12  # DetalleDesglose
MACRODATO_THRESHOLD = Decimal("100000000")  # |ImporteTotal| from which Macrodato is S
TOLERANCE = Decimal("10.00")  # the AEAT's ± margin on CuotaRepercutida and the totals

# Error messages: the reason of a RecordError (tests assert them). `{limit}` is filled in.
REQUIRED = "is required"
TOO_LONG = "is longer than {limit} characters"
NOT_XML_TEXT = "contains characters that XML cannot carry (control characters)"
NUMBER_CHARACTERS = (
    "may contain only printable ASCII characters other than \" ' < > = (AEAT 1130, 1287)"
)
NUMBER_SPACES = "must not begin or end with a space (the AEAT trims it before hashing)"
NIF_FORMAT = "must be 9 capital letters or digits (NIFType)"
INVOICE_TYPE = "must be one of " + ", ".join(INVOICE_TYPES) + " (AEAT 1106)"
DETAILS_COUNT = f"must have 1 to {MAX_DETAILS} DetalleDesglose"
RECIPIENTS_REQUIRED = "is required for F1 and R1–R4 (AEAT 1189)"
RECIPIENTS_FORBIDDEN = "is not allowed for F2 and R5 (AEAT 1190)"
CORRECTION_KIND_REQUIRED = "must be S (substitution) or I (differences) for R1–R5 (AEAT 1114)"
CORRECTION_KIND_FORBIDDEN = "is only for R1–R5 (AEAT 1115)"
CORRECTED_FORBIDDEN = "is only for R1–R5 (AEAT 1117)"
CORRECTED_AMOUNTS_REQUIRED = "is required when TipoRectificativa is S (AEAT 1118)"
CORRECTED_AMOUNTS_FORBIDDEN = "is only for TipoRectificativa S (AEAT 1119)"
PREVIOUSLY_REJECTED = "must be N, S or X (RechazoPrevioType)"
PREVIOUSLY_REJECTED_NEEDS_RESUBMISSION = "S and X go only with Subsanacion S (AEAT 1153, 1161)"
OPERATION_DATE_LATER = (
    "may be later than the issue date only with ClaveRegimen 14 or 15 (AEAT 1146)"
)
TREATMENT = "must be one of " + ", ".join(TREATMENTS) + " (AEAT 1181, 1182)"
REGIME = "is not a ClaveRegimen of the AEAT's list L8A (AEAT 1246)"
EXPORT_EXEMPT_ONLY = "ClaveRegimen 02 (export) goes only with OperacionExenta (AEAT 1286)"
EXPORT_EXEMPTION_REGIME = "E2 and E3 are not allowed with ClaveRegimen 01 (AEAT 1199)"
EXEMPT_NO_TAX = (
    "an exempt line (E1–E6) carries no TipoImpositivo, CuotaRepercutida or recargo (AEAT 1238)"
)
NOT_SUBJECT_NO_TAX = (
    "a not-subject line (N1, N2) carries no TipoImpositivo, CuotaRepercutida or recargo (AEAT 1237)"
)
REVERSE_CHARGE_ZERO = "an S2 line has TipoImpositivo 0 and CuotaRepercutida 0 (AEAT 1198)"
REVERSE_CHARGE_TYPE = "S2 (reverse charge) is not allowed on F2 or R5 (AEAT 1197)"
SUBJECT_NEEDS_TAX = "an S1 line needs TipoImpositivo and CuotaRepercutida (AEAT 1208)"
SURCHARGE_ONLY_S1 = "recargo de equivalencia goes only on S1 lines (AEAT 1281)"
SURCHARGE_PAIR = "TipoRecargoEquivalencia and CuotaRecargoEquivalencia go together (AEAT 1284)"
RATE_NOT_ALLOWED = "is not an IVA rate the AEAT accepts on that date (AEAT 1124, 1194, 1235)"
SURCHARGE_RATE_NOT_ALLOWED = "does not go with that TipoImpositivo (AEAT 1127, 1160–1170)"
TAX_SIGN = "must have the sign of the base (AEAT 1143)"
TAX_MISMATCH = "differs from base × TipoImpositivo / 100 by more than 10.00 (AEAT 1142)"
TOTAL_TAX_MISMATCH = (
    "differs from the sum of CuotaRepercutida and CuotaRecargoEquivalencia by more than 10.00 "
    "(AEAT 2006)"
)
TOTAL_AMOUNT_MISMATCH = (
    "differs from the sum of bases, CuotaRepercutida and CuotaRecargoEquivalencia by more "
    "than 10.00 (AEAT 2005; IRPF never enters ImporteTotal)"
)
E5_RECIPIENTS = "an E5 (intra-EU supply) identifies every recipient by IDOtro (AEAT 1289)"
PARTY_ID = "needs either NIF or IDOtro (IDType and ID), not both (AEAT 1239)"
ID_TYPE = "must be one of " + ", ".join(ID_TYPES) + " (AEAT 1102)"
COUNTRY_REQUIRED = "is required unless IDType is 02 (AEAT 1111)"
COUNTRY_UNKNOWN = "is not an ISO 3166-1 alpha-2 code of the AEAT's list (AEAT 1101)"
COUNTRY_SPAIN = "ES goes only with IDType 03 or 07, and IDType 07 only with ES (AEAT 1126)"
SYSTEM_ID = "must be 2 characters, each a capital letter other than Ñ or a digit (AEAT 1177)"
HASH_FORMAT = "must be 64 uppercase hexadecimal characters (AEAT 1262, 1291)"
NOT_A_RECORD = "is not a RegistroAlta or RegistroAnulacion of the SuministroInformacion namespace"


class RecordError(ValueError):
    """The content breaks a rule of the AEAT's. `field` is the AEAT element path
    (e.g. `Desglose/DetalleDesglose[2]/TipoImpositivo`), `reason` one of the constants."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NUMBER_ALLOWED = re.compile("[ !#-&(-;?-~]+")  # ASCII 32–126 without " ' < = >
_NIF = re.compile("[0-9A-Z]{9}")
_SYSTEM_ID = re.compile("[0-9A-Z]{2}")
_HASH = re.compile("[0-9A-F]{64}")


def _text(field: str, value: str, limit: int, *, cut: bool = False) -> str:
    """A required free text: not blank, XML-compatible, within `limit` (or cut to it)."""
    if not value or not value.strip():
        raise RecordError(field, REQUIRED)
    if _XML_FORBIDDEN.search(value):
        raise RecordError(field, NOT_XML_TEXT)
    if len(value) > limit:
        if not cut:
            raise RecordError(field, TOO_LONG.format(limit=limit))
        value = value[:limit]
    return value


def _number(field: str, value: str) -> str:
    """NumSerieFactura: 1–60 printable ASCII without `" ' < > =` (VAL 3.1.3.1)."""
    if not value:
        raise RecordError(field, REQUIRED)
    if len(value) > NUMBER_LIMIT:
        raise RecordError(field, TOO_LONG.format(limit=NUMBER_LIMIT))
    if not _NUMBER_ALLOWED.fullmatch(value):
        raise RecordError(field, NUMBER_CHARACTERS)
    if value[0] == " " or value[-1] == " ":
        raise RecordError(field, NUMBER_SPACES)
    return value


def _nif(field: str, value: str) -> str:
    if not _NIF.fullmatch(value or ""):
        raise RecordError(field, NIF_FORMAT)
    return value


def _amount(field: str, value: Decimal) -> str:
    try:
        return formats.amount(value)
    except (TypeError, ValueError) as error:
        raise RecordError(field, str(error)) from None


def _rate(field: str, value: Decimal) -> str:
    try:
        return formats.rate(value)
    except (TypeError, ValueError) as error:
        raise RecordError(field, str(error)) from None


def _date(field: str, value: datetime.date) -> str:
    try:
        return formats.date(value)
    except TypeError as error:
        raise RecordError(field, str(error)) from None


@cache
def _enumeration(type_name: str) -> frozenset[str]:
    """The values of one of the schema's enumerations, read once."""
    document = etree.parse(
        str(SCHEMA_DIR / "SuministroInformacion.xsd"),
        etree.XMLParser(resolve_entities=False, no_network=True),
    )
    values = document.xpath(
        "//xs:simpleType[@name=$name]/xs:restriction/xs:enumeration/@value",
        namespaces={"xs": "http://www.w3.org/2001/XMLSchema"},
        name=type_name,
    )
    return frozenset(str(value) for value in values)


def countries() -> frozenset[str]:
    """CodigoPais values the AEAT accepts (its schema's ISO 3166-1 alpha-2 list)."""
    return _enumeration("CountryType2")


# ClaveRegimen of a line of IVA: the record design's list L8A (DsRegistroVeriFactu v1.0).
# The schema's enumeration also has 21, which is IGIC's only (VAL 15.6.11).
IVA_REGIMES = frozenset(
    ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "14", "15", "17", "18",
     "19", "20")
)  # fmt: skip


# --------------------------------------------------------------------------------------
# The rules (checked before writing)
# --------------------------------------------------------------------------------------

# TipoImpositivo of an S1 line of IVA and the operation dates it is accepted on (VAL 15.1).
_ALWAYS = (datetime.date.min, datetime.date.max)
_IVA_RATES: dict[Decimal, tuple[datetime.date, datetime.date]] = {
    Decimal("0"): _ALWAYS,
    Decimal("4"): _ALWAYS,
    Decimal("10"): _ALWAYS,
    Decimal("21"): _ALWAYS,
    Decimal("5"): (datetime.date(2022, 7, 1), datetime.date(2024, 9, 30)),
    Decimal("2"): (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31)),
    Decimal("7.5"): (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31)),
}
# TipoRecargoEquivalencia allowed with each TipoImpositivo (VAL 15.3; error texts 1160–1170).
# A zero recargo is no recargo: it is left out of the record (see _surcharge_of).
_SURCHARGE_RATES: dict[Decimal, frozenset[Decimal]] = {
    Decimal("21"): frozenset({Decimal("5.2"), Decimal("1.75")}),
    Decimal("10"): frozenset({Decimal("1.4")}),
    Decimal("7.5"): frozenset({Decimal("1")}),
    Decimal("5"): frozenset({Decimal("0.5"), Decimal("0.62")}),
    Decimal("4"): frozenset({Decimal("0.5")}),
    Decimal("2"): frozenset({Decimal("0.26")}),
    Decimal("0"): frozenset({Decimal("0.26")}),
}
# Regimes whose totals the AEAT does not add up (VAL 16, 17).
_UNCHECKED_TOTAL_REGIMES = frozenset({"03", "05", "06", "08", "09"})
_DEFERRED_REGIMES = frozenset({"14", "15"})  # VAT accrued later: operation after issue


def _surcharge_of(detail: TaxDetail) -> tuple[Decimal | None, Decimal | None]:
    """(rate, amount) of the recargo, or (None, None). The tax engine gives every line a
    recargo, 0.00 when none applies; a zero one is left out, because the AEAT accepts
    TipoRecargoEquivalencia 0 only for operations of 2023-01-01..2024-09-30 (error 1165)."""
    rate, amount = detail.surcharge_rate, detail.surcharge
    if rate is not None and amount is not None and rate == 0 and amount == 0:
        return None, None
    return rate, amount


def _check_party(field: str, party: Party) -> None:
    _text(f"{field}/NombreRazon", party.name, NAME_LIMIT, cut=True)
    # A party has a Spanish NIF or an IDOtro; `country` alone (say "ES" beside a NIF)
    # identifies nobody and is ignored.
    by_nif, by_other = bool(party.nif), bool(party.id_type or party.id)
    if by_nif == by_other:
        raise RecordError(field, PARTY_ID)
    if by_nif:
        _nif(f"{field}/NIF", party.nif)
        return
    if party.id_type not in ID_TYPES:
        raise RecordError(f"{field}/IDOtro/IDType", ID_TYPE)
    _text(f"{field}/IDOtro/ID", party.id, OTHER_ID_LIMIT)
    if party.id_type == "02":
        # An EU VAT number carries its country in its prefix; CodigoPais is left out (it
        # is optional for 02, and Greece's prefix EL is no ISO code). See the reference, §1.5.
        return
    country_field = f"{field}/IDOtro/CodigoPais"
    if not party.country:
        raise RecordError(country_field, COUNTRY_REQUIRED)
    if party.country not in countries():
        raise RecordError(country_field, COUNTRY_UNKNOWN)
    if party.country == "ES" and party.id_type not in ("03", "07"):
        raise RecordError(country_field, COUNTRY_SPAIN)
    if party.id_type == "07" and party.country != "ES":
        raise RecordError(country_field, COUNTRY_SPAIN)


class _Line(NamedTuple):
    """A checked DetalleDesglose: its children's literals in schema order, and the base
    and the tax + recargo it adds to the totals (as written, rounded)."""

    literals: tuple[tuple[str, str], ...]
    base: Decimal
    charged: Decimal


def _check_detail(
    field: str, detail: TaxDetail, alta: Alta, operation_date: datetime.date
) -> _Line:
    treatment = detail.treatment
    if treatment not in TREATMENTS:
        raise RecordError(field, TREATMENT)
    if detail.regime not in IVA_REGIMES:
        raise RecordError(f"{field}/ClaveRegimen", REGIME)
    exempt = treatment in EXEMPT
    if detail.regime == "02" and not exempt:
        raise RecordError(f"{field}/ClaveRegimen", EXPORT_EXEMPT_ONLY)
    if detail.regime == "01" and treatment in ("E2", "E3"):
        raise RecordError(f"{field}/OperacionExenta", EXPORT_EXEMPTION_REGIME)
    base_literal = _amount(f"{field}/BaseImponibleOimporteNoSujeto", detail.base)
    base = Decimal(base_literal)
    surcharge_rate, surcharge = _surcharge_of(detail)
    carries_tax = (detail.rate, detail.tax, surcharge_rate, surcharge) != (None,) * 4
    if exempt and carries_tax:
        raise RecordError(f"{field}/OperacionExenta", EXEMPT_NO_TAX)
    if treatment in NOT_SUBJECT and carries_tax:
        raise RecordError(f"{field}/CalificacionOperacion", NOT_SUBJECT_NO_TAX)
    if (surcharge_rate is None) != (surcharge is None):
        raise RecordError(f"{field}/CuotaRecargoEquivalencia", SURCHARGE_PAIR)
    if surcharge_rate is not None and treatment != "S1":
        raise RecordError(f"{field}/TipoRecargoEquivalencia", SURCHARGE_ONLY_S1)
    # Impuesto is left out: absent means IVA (01), the only tax FACTURAgem invoices.
    head = (
        ("ClaveRegimen", detail.regime),
        ("OperacionExenta" if exempt else "CalificacionOperacion", treatment),
    )
    if treatment != "S1" and treatment != "S2":
        return _Line((*head, ("BaseImponibleOimporteNoSujeto", base_literal)), base, base * 0)

    if treatment == "S2":
        if alta.invoice_type in ("F2", "R5"):
            raise RecordError(f"{field}/CalificacionOperacion", REVERSE_CHARGE_TYPE)
        # Both written, both zero (VAL 15.4): a missing one is written as 0.
        rate_literal = _rate(f"{field}/TipoImpositivo", detail.rate or 0)
        if Decimal(rate_literal):
            raise RecordError(f"{field}/TipoImpositivo", REVERSE_CHARGE_ZERO)
        tax_literal = _amount(f"{field}/CuotaRepercutida", detail.tax or 0)
        if Decimal(tax_literal):
            raise RecordError(f"{field}/CuotaRepercutida", REVERSE_CHARGE_ZERO)
        literals = (
            *head,
            ("TipoImpositivo", rate_literal),
            ("BaseImponibleOimporteNoSujeto", base_literal),
            ("CuotaRepercutida", tax_literal),
        )
        return _Line(literals, base, base * 0)

    if detail.rate is None or detail.tax is None:
        raise RecordError(f"{field}/CuotaRepercutida", SUBJECT_NEEDS_TAX)
    rate_literal = _rate(f"{field}/TipoImpositivo", detail.rate)
    tax_literal = _amount(f"{field}/CuotaRepercutida", detail.tax)
    rate, tax = Decimal(rate_literal), Decimal(tax_literal)
    since, until = _IVA_RATES.get(rate, (datetime.date.max, datetime.date.min))
    if not since <= operation_date <= until:
        raise RecordError(f"{field}/TipoImpositivo", RATE_NOT_ALLOWED)
    literals = (
        *head,
        ("TipoImpositivo", rate_literal),
        ("BaseImponibleOimporteNoSujeto", base_literal),
        ("CuotaRepercutida", tax_literal),
    )
    charged = tax
    if surcharge_rate is not None and surcharge is not None:
        surcharge_field = f"{field}/TipoRecargoEquivalencia"
        surcharge_rate_literal = _rate(surcharge_field, surcharge_rate)
        if Decimal(surcharge_rate_literal) not in _SURCHARGE_RATES.get(rate, frozenset()):
            raise RecordError(surcharge_field, SURCHARGE_RATE_NOT_ALLOWED)
        surcharge_literal = _amount(f"{field}/CuotaRecargoEquivalencia", surcharge)
        literals = (
            *literals,
            ("TipoRecargoEquivalencia", surcharge_rate_literal),
            ("CuotaRecargoEquivalencia", surcharge_literal),
        )
        charged += Decimal(surcharge_literal)
    # A corrective by differences, and R2/R3, may carry a tax that is not base × rate.
    if alta.correction_kind != "I" and alta.invoice_type not in ("R2", "R3"):
        if base * tax < 0:
            raise RecordError(f"{field}/CuotaRepercutida", TAX_SIGN)
        if abs(tax - base * rate / 100) > TOLERANCE:
            raise RecordError(f"{field}/CuotaRepercutida", TAX_MISMATCH)
    return _Line(literals, base, charged)


class _Checked(NamedTuple):
    """What writing an alta needs from its check: the details' and totals' literals."""

    lines: tuple[_Line, ...]
    total_tax: str
    total_amount: str


def _check_alta(alta: Alta) -> _Checked:
    if alta.invoice_type not in INVOICE_TYPES:
        raise RecordError("TipoFactura", INVOICE_TYPE)
    if alta.previously_rejected not in ("", "N", "S", "X"):
        raise RecordError("RechazoPrevio", PREVIOUSLY_REJECTED)
    if alta.previously_rejected in ("S", "X") and not alta.resubmission:
        raise RecordError("RechazoPrevio", PREVIOUSLY_REJECTED_NEEDS_RESUBMISSION)
    corrective = alta.invoice_type in CORRECTIVE_TYPES
    if corrective and alta.correction_kind not in ("S", "I"):
        raise RecordError("TipoRectificativa", CORRECTION_KIND_REQUIRED)
    if not corrective and alta.correction_kind:
        raise RecordError("TipoRectificativa", CORRECTION_KIND_FORBIDDEN)
    if not corrective and alta.corrected:
        raise RecordError("FacturasRectificadas", CORRECTED_FORBIDDEN)
    substitution = alta.correction_kind == "S"
    if substitution and alta.corrected_amounts is None:
        raise RecordError("ImporteRectificacion", CORRECTED_AMOUNTS_REQUIRED)
    if not substitution and alta.corrected_amounts is not None:
        raise RecordError("ImporteRectificacion", CORRECTED_AMOUNTS_FORBIDDEN)

    if alta.invoice_type in ("F2", "R5"):
        if alta.recipients:
            raise RecordError("Destinatarios", RECIPIENTS_FORBIDDEN)
    elif not alta.recipients:
        raise RecordError("Destinatarios", RECIPIENTS_REQUIRED)
    for index, party in enumerate(alta.recipients, 1):
        _check_party(f"Destinatarios/IDDestinatario[{index}]", party)

    _date("IDFactura/FechaExpedicionFactura", alta.invoice.issue_date)
    issue_date = alta.invoice.issue_date
    operation_date = issue_date
    if alta.operation_date is not None:
        _date("FechaOperacion", alta.operation_date)
        operation_date = alta.operation_date
    if not 1 <= len(alta.details) <= MAX_DETAILS:
        raise RecordError("Desglose", DETAILS_COUNT)
    regimes_used = {detail.regime for detail in alta.details}
    if operation_date > issue_date and not regimes_used & _DEFERRED_REGIMES:
        raise RecordError("FechaOperacion", OPERATION_DATE_LATER)
    lines = tuple(
        _check_detail(f"Desglose/DetalleDesglose[{index}]", detail, alta, operation_date)
        for index, detail in enumerate(alta.details, 1)
    )
    if any(detail.treatment == "E5" for detail in alta.details) and any(
        party.nif for party in alta.recipients
    ):
        raise RecordError("Destinatarios", E5_RECIPIENTS)

    total_tax = _amount("CuotaTotal", alta.total_tax)
    total_amount = _amount("ImporteTotal", alta.total_amount)
    if not regimes_used & _UNCHECKED_TOTAL_REGIMES:
        taxes = sum((line.charged for line in lines), Decimal(0))
        bases = sum((line.base for line in lines), Decimal(0))
        if abs(Decimal(total_tax) - taxes) > TOLERANCE:
            raise RecordError("CuotaTotal", TOTAL_TAX_MISMATCH)
        if abs(Decimal(total_amount) - bases - taxes) > TOLERANCE:
            raise RecordError("ImporteTotal", TOTAL_AMOUNT_MISMATCH)
    return _Checked(lines, total_tax, total_amount)


def _check_software(software: Software) -> None:
    field = "SistemaInformatico"
    _text(f"{field}/NombreRazon", software.producer_name, NAME_LIMIT, cut=True)
    _nif(f"{field}/NIF", software.producer_nif)
    _text(f"{field}/NombreSistemaInformatico", software.system_name, SYSTEM_NAME_LIMIT)
    if not _SYSTEM_ID.fullmatch(software.system_id or ""):
        raise RecordError(f"{field}/IdSistemaInformatico", SYSTEM_ID)
    _text(f"{field}/Version", software.version, VERSION_LIMIT)
    _text(f"{field}/NumeroInstalacion", software.installation_number, INSTALLATION_LIMIT)


def _check_previous(previous: PreviousRecord | None) -> None:
    if previous is None:
        return
    field = "Encadenamiento/RegistroAnterior"
    _nif(f"{field}/IDEmisorFactura", previous.invoice.issuer_nif)
    _number(f"{field}/NumSerieFactura", previous.invoice.number)
    if not _HASH.fullmatch(previous.hash or ""):
        raise RecordError(f"{field}/Huella", HASH_FORMAT)


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


class _QNames(dict):
    def __missing__(self, name: str) -> str:
        qname = self[name] = f"{{{SF}}}{name}"
        return qname


_Q = _QNames()
_NSMAP = {"sum1": SF}  # the AEAT's own examples' prefix


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _Q[name])
    if text is not None:
        element.text = text
    return element


def _invoice_id(parent: etree._Element, name: str, invoice: InvoiceId, field: str) -> None:
    block = _sub(parent, name)
    _sub(block, "IDEmisorFactura", _nif(f"{field}/IDEmisorFactura", invoice.issuer_nif))
    _sub(block, "NumSerieFactura", _number(f"{field}/NumSerieFactura", invoice.number))
    _sub(
        block,
        "FechaExpedicionFactura",
        _date(f"{field}/FechaExpedicionFactura", invoice.issue_date),
    )


def _party(parent: etree._Element, name: str, party: Party) -> None:
    block = _sub(parent, name)
    _sub(block, "NombreRazon", party.name[:NAME_LIMIT])
    if party.nif:
        _sub(block, "NIF", party.nif)
        return
    other = _sub(block, "IDOtro")
    if party.id_type != "02":
        _sub(other, "CodigoPais", party.country)
    _sub(other, "IDType", party.id_type)
    _sub(other, "ID", party.id)


def _chain(parent: etree._Element, previous: PreviousRecord | None) -> str:
    block = _sub(parent, "Encadenamiento")
    if previous is None:
        _sub(block, "PrimerRegistro", "S")
        return ""
    field = "Encadenamiento/RegistroAnterior"
    _invoice_id(block, "RegistroAnterior", previous.invoice, field)
    anterior = block[0]
    _sub(anterior, "Huella", previous.hash)
    return previous.hash


def _software(parent: etree._Element, software: Software) -> None:
    block = _sub(parent, "SistemaInformatico")
    _sub(block, "NombreRazon", software.producer_name[:NAME_LIMIT])
    _sub(block, "NIF", software.producer_nif)
    _sub(block, "NombreSistemaInformatico", software.system_name)
    _sub(block, "IdSistemaInformatico", software.system_id)
    _sub(block, "Version", software.version)
    _sub(block, "NumeroInstalacion", software.installation_number)
    _sub(block, "TipoUsoPosibleSoloVerifactu", "S" if software.only_verifactu else "N")
    _sub(block, "TipoUsoPosibleMultiOT", "S" if software.multi_ot else "N")
    _sub(block, "IndicadorMultiplesOT", "S" if software.multiple_ot else "N")


def _external_ref(parent: etree._Element, external_ref: str) -> None:
    if external_ref:
        _sub(parent, "RefExterna", _text("RefExterna", external_ref, EXTERNAL_REF_LIMIT))


def _stamp_after_checks(
    generated_at: datetime.datetime, previous: PreviousRecord | None, software: Software
) -> str:
    """FechaHoraHusoGenRegistro of `generated_at`, once the chain link and the software
    block are known to be valid (what every record's tail carries)."""
    try:
        stamp = formats.timestamp(generated_at)
    except (TypeError, ValueError) as error:
        raise RecordError("FechaHoraHusoGenRegistro", str(error)) from None
    _check_previous(previous)
    _check_software(software)
    return stamp


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="UTF-8", xml_declaration=False)


class PreparedAlta(NamedTuple):
    """A RegistroAlta checked and built up to ImporteTotal, before its number, its external
    reference and its chain link are known (`prepare_alta`; `finish_alta` completes it)."""

    alta: Alta
    root: etree._Element
    number: etree._Element  # IDFactura/NumSerieFactura, filled in by finish_alta
    issue_date: str
    total_tax: str
    total_amount: str


def prepare_alta(alta: Alta) -> PreparedAlta:
    """Checks `alta` against the AEAT's rules (RecordError) and builds all of its record that
    depends on neither its number nor the chain: the work that needs no account lock."""
    checked = _check_alta(alta)
    root = etree.Element(_Q["RegistroAlta"], nsmap=_NSMAP)
    _sub(root, "IDVersion", ID_VERSION)
    block = _sub(root, "IDFactura")
    _sub(block, "IDEmisorFactura", _nif("IDFactura/IDEmisorFactura", alta.invoice.issuer_nif))
    number = _sub(block, "NumSerieFactura")
    issue_date = _date("IDFactura/FechaExpedicionFactura", alta.invoice.issue_date)
    _sub(block, "FechaExpedicionFactura", issue_date)
    _sub(
        root,
        "NombreRazonEmisor",
        _text("NombreRazonEmisor", alta.issuer_name, NAME_LIMIT, cut=True),
    )
    if alta.resubmission:
        _sub(root, "Subsanacion", "S")
    if alta.previously_rejected:
        _sub(root, "RechazoPrevio", alta.previously_rejected)
    _sub(root, "TipoFactura", alta.invoice_type)
    if alta.correction_kind:
        _sub(root, "TipoRectificativa", alta.correction_kind)
    if alta.corrected:
        block = _sub(root, "FacturasRectificadas")
        for index, corrected in enumerate(alta.corrected, 1):
            field = f"FacturasRectificadas/IDFacturaRectificada[{index}]"
            _invoice_id(block, "IDFacturaRectificada", corrected, field)
    if alta.corrected_amounts is not None:
        amounts, field = alta.corrected_amounts, "ImporteRectificacion"
        block = _sub(root, "ImporteRectificacion")
        _sub(block, "BaseRectificada", _amount(f"{field}/BaseRectificada", amounts.base))
        _sub(block, "CuotaRectificada", _amount(f"{field}/CuotaRectificada", amounts.tax))
        if amounts.surcharge is not None:
            _sub(
                block,
                "CuotaRecargoRectificado",
                _amount(f"{field}/CuotaRecargoRectificado", amounts.surcharge),
            )
    if alta.operation_date is not None and alta.operation_date != alta.invoice.issue_date:
        _sub(root, "FechaOperacion", _date("FechaOperacion", alta.operation_date))
    _sub(
        root,
        "DescripcionOperacion",
        _text("DescripcionOperacion", alta.description, DESCRIPTION_LIMIT, cut=True),
    )
    total_tax, total_amount = checked.total_tax, checked.total_amount
    if abs(Decimal(total_amount)) >= MACRODATO_THRESHOLD:
        _sub(root, "Macrodato", "S")  # left out otherwise: absent means N (AEAT 1138, 1139)
    if alta.recipients:
        block = _sub(root, "Destinatarios")
        for party in alta.recipients:
            _party(block, "IDDestinatario", party)
    block = _sub(root, "Desglose")
    for line in checked.lines:
        detail = _sub(block, "DetalleDesglose")
        for name, literal in line.literals:
            _sub(detail, name, literal)
    _sub(root, "CuotaTotal", total_tax)
    _sub(root, "ImporteTotal", total_amount)
    return PreparedAlta(alta, root, number, issue_date, total_tax, total_amount)


def finish_alta(
    prepared: PreparedAlta,
    *,
    number: str,
    external_ref: str,
    previous: PreviousRecord | None,
    software: Software,
    generated_at: datetime.datetime,
) -> BuiltRecord:
    """The record of `prepare_alta`, numbered, referenced and chained to `previous` (the
    work under the account lock). Consumes `prepared`: it finishes its tree in place."""
    stamp = _stamp_after_checks(generated_at, previous, software)
    root = prepared.root
    prepared.number.text = _number("IDFactura/NumSerieFactura", number)
    if external_ref:  # right after IDFactura, as the schema orders it
        reference = etree.Element(_Q["RefExterna"])
        reference.text = _text("RefExterna", external_ref, EXTERNAL_REF_LIMIT)
        root.insert(2, reference)
    previous_hash = _chain(root, previous)
    _software(root, software)
    _sub(root, "FechaHoraHusoGenRegistro", stamp)
    _sub(root, "TipoHuella", HASH_TYPE)
    own_hash = huella.alta_hash(
        issuer_nif=prepared.alta.invoice.issuer_nif,
        number=number,
        issue_date=prepared.issue_date,
        invoice_type=prepared.alta.invoice_type,
        total_tax=prepared.total_tax,
        total_amount=prepared.total_amount,
        previous_hash=previous_hash,
        generated_at=stamp,
    )
    _sub(root, "Huella", own_hash)
    return BuiltRecord(
        kind="alta",
        xml=_serialize(root),
        hash=own_hash,
        previous_hash=previous_hash,
        generated_at=stamp,
        issue_date=prepared.issue_date,
        total_tax=prepared.total_tax,
        total_amount=prepared.total_amount,
    )


def _build_alta(
    alta: Alta, previous: PreviousRecord | None, software: Software, generated_at
) -> BuiltRecord:
    return finish_alta(
        prepare_alta(alta), number=alta.invoice.number, external_ref=alta.external_ref,
        previous=previous, software=software, generated_at=generated_at,
    )


def _build_anulacion(
    anulacion: Anulacion, previous: PreviousRecord | None, software: Software, stamp: str
) -> BuiltRecord:
    invoice, field = anulacion.invoice, "IDFactura"
    root = etree.Element(_Q["RegistroAnulacion"], nsmap=_NSMAP)
    _sub(root, "IDVersion", ID_VERSION)
    block = _sub(root, "IDFactura")
    _sub(
        block, "IDEmisorFacturaAnulada", _nif(f"{field}/IDEmisorFacturaAnulada", invoice.issuer_nif)
    )
    _sub(
        block, "NumSerieFacturaAnulada", _number(f"{field}/NumSerieFacturaAnulada", invoice.number)
    )
    issue_date = _date(f"{field}/FechaExpedicionFacturaAnulada", invoice.issue_date)
    _sub(block, "FechaExpedicionFacturaAnulada", issue_date)
    _external_ref(root, anulacion.external_ref)
    if anulacion.without_prior_record:
        _sub(root, "SinRegistroPrevio", "S")
    if anulacion.previously_rejected:
        _sub(root, "RechazoPrevio", "S")
    previous_hash = _chain(root, previous)
    _software(root, software)
    _sub(root, "FechaHoraHusoGenRegistro", stamp)
    _sub(root, "TipoHuella", HASH_TYPE)
    own_hash = huella.anulacion_hash(
        issuer_nif=invoice.issuer_nif,
        number=invoice.number,
        issue_date=issue_date,
        previous_hash=previous_hash,
        generated_at=stamp,
    )
    _sub(root, "Huella", own_hash)
    return BuiltRecord(
        kind="anulacion",
        xml=_serialize(root),
        hash=own_hash,
        previous_hash=previous_hash,
        generated_at=stamp,
        issue_date=issue_date,
        total_tax=None,
        total_amount=None,
    )


def build(
    content: Alta | Anulacion,
    *,
    previous: PreviousRecord | None,
    software: Software,
    generated_at: datetime.datetime,
) -> BuiltRecord:
    """The record of `content`, chained to `previous` (None: the chain's first record),
    stamped `generated_at` (an aware datetime; written in Madrid time, whole seconds).

    Raises RecordError when the content breaks a rule the AEAT enforces."""
    stamp = _stamp_after_checks(generated_at, previous, software)
    if isinstance(content, Alta):
        return _build_alta(content, previous, software, generated_at)
    if isinstance(content, Anulacion):
        return _build_anulacion(content, previous, software, stamp)
    raise TypeError(f"build() takes an Alta or an Anulacion, not {type(content).__name__}")


# The operation flags a record sent again carries, in the schema's order, and the element
# each follows (RegistroAlta: after NombreRazonEmisor; RegistroAnulacion: after RefExterna,
# or IDFactura when there is none).
_FLAGS = {
    "RegistroAlta": ("Subsanacion", "RechazoPrevio"),
    "RegistroAnulacion": ("SinRegistroPrevio", "RechazoPrevio"),
}
_CHAIN_AND_AFTER = ("Encadenamiento", "SistemaInformatico", "FechaHoraHusoGenRegistro",
                    "TipoHuella", "Huella")


def resend(
    stored: bytes,
    *,
    flags: dict[str, str],
    previous: PreviousRecord | None,
    software: Software,
    generated_at: datetime.datetime,
) -> BuiltRecord:
    """A stored record sent again after the AEAT rejected it: the same invoice content, the
    operation `flags` given (e.g. Subsanacion S and RechazoPrevio X), and a new chain link —
    `previous`, `software`, `generated_at` and so its own huella (the flags are not hashed).
    The literals hashed are the stored record's own, never computed again."""
    stamp = _stamp_after_checks(generated_at, previous, software)
    root = _parse(stored)
    kind = etree.QName(root).localname
    allowed = _FLAGS[kind]
    for name, value in flags.items():
        if name not in allowed or value not in ("N", "S", "X"):
            raise RecordError(name, f"is not a flag of {kind}")
    if kind == "RegistroAlta" and flags.get("RechazoPrevio") in ("S", "X") \
            and flags.get("Subsanacion") != "S":
        raise RecordError("RechazoPrevio", PREVIOUSLY_REJECTED_NEEDS_RESUBMISSION)
    for element in list(root):
        name = etree.QName(element).localname
        if name in allowed or name in _CHAIN_AND_AFTER:
            root.remove(element)
    after = ("NombreRazonEmisor",) if kind == "RegistroAlta" else ("RefExterna", "IDFactura")
    anchor = next(root.find(f"sf:{name}", _NS) for name in after
                  if root.find(f"sf:{name}", _NS) is not None)
    position = root.index(anchor) + 1
    for name in reversed(allowed):
        if name in flags:
            element = etree.Element(_Q[name])
            element.text = flags[name]
            root.insert(position, element)
    previous_hash = _chain(root, previous)
    _software(root, software)
    _sub(root, "FechaHoraHusoGenRegistro", stamp)
    _sub(root, "TipoHuella", HASH_TYPE)
    own_hash = recompute_hash(_serialize(root))
    _sub(root, "Huella", own_hash)
    alta = kind == "RegistroAlta"
    date_path = ("sf:IDFactura/sf:FechaExpedicionFactura" if alta
                 else "sf:IDFactura/sf:FechaExpedicionFacturaAnulada")
    return BuiltRecord(
        kind="alta" if alta else "anulacion",
        xml=_serialize(root),
        hash=own_hash,
        previous_hash=previous_hash,
        generated_at=stamp,
        issue_date=root.findtext(date_path, "", _NS),
        total_tax=root.findtext("sf:CuotaTotal", None, _NS) if alta else None,
        total_amount=root.findtext("sf:ImporteTotal", None, _NS) if alta else None,
    )


# --------------------------------------------------------------------------------------
# Reading a stored record back
# --------------------------------------------------------------------------------------

_NS = {"sf": SF}


def _parse(xml: bytes) -> etree._Element:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    if root.tag not in (_Q["RegistroAlta"], _Q["RegistroAnulacion"]):
        raise ValueError(NOT_A_RECORD)
    return root


def _previous_hash(root: etree._Element) -> str:
    return root.findtext("sf:Encadenamiento/sf:RegistroAnterior/sf:Huella", "", _NS)


def recompute_hash(xml: bytes) -> str:
    """The huella of a stored record, computed again from the literals its XML carries."""
    root = _parse(xml)

    def text(path: str) -> str:
        return root.findtext(path, "", _NS)

    if root.tag == _Q["RegistroAlta"]:
        return huella.alta_hash(
            issuer_nif=text("sf:IDFactura/sf:IDEmisorFactura"),
            number=text("sf:IDFactura/sf:NumSerieFactura"),
            issue_date=text("sf:IDFactura/sf:FechaExpedicionFactura"),
            invoice_type=text("sf:TipoFactura"),
            total_tax=text("sf:CuotaTotal"),
            total_amount=text("sf:ImporteTotal"),
            previous_hash=_previous_hash(root),
            generated_at=text("sf:FechaHoraHusoGenRegistro"),
        )
    return huella.anulacion_hash(
        issuer_nif=text("sf:IDFactura/sf:IDEmisorFacturaAnulada"),
        number=text("sf:IDFactura/sf:NumSerieFacturaAnulada"),
        issue_date=text("sf:IDFactura/sf:FechaExpedicionFacturaAnulada"),
        previous_hash=_previous_hash(root),
        generated_at=text("sf:FechaHoraHusoGenRegistro"),
    )


def previous_hash_of(xml: bytes) -> str:
    """The previous record's huella as a stored record carries it ("" for a first record)."""
    return _previous_hash(_parse(xml))


def hash_of(xml: bytes) -> str:
    """The huella a stored record declares (its own Huella element)."""
    return _parse(xml).findtext("sf:Huella", "", _NS)
