"""The AEAT's rules that `verifactu.xml.build` checks before writing a record: each broken
rule raises RecordError naming the field (an AEAT element path) and the reason (a module
constant). Nothing is half-built: the error comes before any record exists."""

from __future__ import annotations

import datetime
import re
from dataclasses import replace

import pytest
from record_samples import (
    EU_BUSINESS,
    GENERATED_AT,
    ISSUER_NIF,
    SOFTWARE,
    SPANISH_CLIENT,
    US_COMPANY,
    D,
    alta,
    anulacion,
    build_valid,
    s1,
)

from verifactu import formats
from verifactu.data import CorrectedAmounts, InvoiceId, Party, PreviousRecord, TaxDetail
from verifactu.xml import (
    CORRECTED_AMOUNTS_FORBIDDEN,
    CORRECTED_AMOUNTS_REQUIRED,
    CORRECTED_FORBIDDEN,
    CORRECTION_KIND_FORBIDDEN,
    CORRECTION_KIND_REQUIRED,
    COUNTRY_REQUIRED,
    COUNTRY_SPAIN,
    COUNTRY_UNKNOWN,
    DETAILS_COUNT,
    E5_RECIPIENTS,
    EXEMPT_NO_TAX,
    EXPORT_EXEMPT_ONLY,
    EXPORT_EXEMPTION_REGIME,
    HASH_FORMAT,
    ID_TYPE,
    INVOICE_TYPE,
    NIF_FORMAT,
    NOT_SUBJECT_NO_TAX,
    NOT_XML_TEXT,
    NUMBER_CHARACTERS,
    NUMBER_SPACES,
    OPERATION_DATE_LATER,
    PARTY_ID,
    RATE_NOT_ALLOWED,
    RECIPIENTS_FORBIDDEN,
    RECIPIENTS_REQUIRED,
    REGIME,
    REQUIRED,
    REVERSE_CHARGE_TYPE,
    REVERSE_CHARGE_ZERO,
    SUBJECT_NEEDS_TAX,
    SURCHARGE_ONLY_S1,
    SURCHARGE_PAIR,
    SURCHARGE_RATE_NOT_ALLOWED,
    SYSTEM_ID,
    TAX_MISMATCH,
    TAX_SIGN,
    TOO_LONG,
    TOTAL_AMOUNT_MISMATCH,
    TOTAL_TAX_MISMATCH,
    TREATMENT,
    RecordError,
    build,
)

HASH = "3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60"
PREVIOUS = PreviousRecord(
    invoice=InvoiceId(ISSUER_NIF, "2026-0999", datetime.date(2026, 12, 30)), hash=HASH
)
ORIGINAL = InvoiceId(ISSUER_NIF, "2027-0001", datetime.date(2027, 1, 4))
DETAIL = "Desglose/DetalleDesglose[1]"
RECIPIENT = "Destinatarios/IDDestinatario[1]"


def line(treatment: str, base: str = "100.00", **fields) -> TaxDetail:
    return TaxDetail(treatment=treatment, base=D(base), **fields)


def with_line(detail: TaxDetail, **fields):
    return alta(details=(detail,), **fields)


def to(*recipients: Party, **fields):
    return alta(recipients=recipients, **fields)


def software(**fields):
    return {"software": replace(SOFTWARE, **fields)}


def previous(**fields):
    invoice_fields = {k: v for k, v in fields.items() if k != "hash"}
    invoice = replace(PREVIOUS.invoice, **invoice_fields)
    return {"previous": replace(PREVIOUS, invoice=invoice, hash=fields.get("hash", HASH))}


def on(day: datetime.date, *details: TaxDetail):
    return alta(details=details, issue_date=day)


def case(content, field: str, reason: str, build_args: dict | None = None, *, id: str):
    return pytest.param(content, build_args or {}, field, reason, id=id)


CASES = [
    # ---- NumSerieFactura (VAL 3.1.3.1) and the other identifiers --------------------------
    case(alta(number=""), "IDFactura/NumSerieFactura", REQUIRED, id="number-empty"),
    case(alta(number="X" * 61), "IDFactura/NumSerieFactura", TOO_LONG.format(limit=60),
         id="number-61"),
    *[
        case(alta(number=f"A{c}1"), "IDFactura/NumSerieFactura", NUMBER_CHARACTERS,
             id=f"number-{name}")
        for c, name in (('"', "quote"), ("'", "apostrophe"), ("<", "lt"), (">", "gt"),
                        ("=", "equals"), ("º", "non-ascii"), ("\t", "tab"), ("\x7f", "del"))
    ],
    case(alta(number=" A1"), "IDFactura/NumSerieFactura", NUMBER_SPACES, id="number-lead"),
    case(alta(number="A1 "), "IDFactura/NumSerieFactura", NUMBER_SPACES, id="number-trail"),
    case(anulacion(number="A=1"), "IDFactura/NumSerieFacturaAnulada", NUMBER_CHARACTERS,
         id="voided-number"),
    case(alta(invoice=replace(ORIGINAL, issuer_nif="8989001K")), "IDFactura/IDEmisorFactura",
         NIF_FORMAT, id="issuer-nif-8"),
    case(alta(invoice=replace(ORIGINAL, issuer_nif="89890001k")), "IDFactura/IDEmisorFactura",
         NIF_FORMAT, id="issuer-nif-lowercase"),
    case(anulacion(invoice=replace(ORIGINAL, issuer_nif="")),
         "IDFactura/IDEmisorFacturaAnulada", NIF_FORMAT, id="voided-nif"),
    case(alta(invoice_type="R1", correction_kind="I",
              corrected=(replace(ORIGINAL, number="2027'1"),)),
         "FacturasRectificadas/IDFacturaRectificada[1]/NumSerieFactura", NUMBER_CHARACTERS,
         id="corrected-number"),
    case(alta(), "Encadenamiento/RegistroAnterior/NumSerieFactura", NUMBER_CHARACTERS,
         previous(number="<1>"), id="previous-number"),
    case(alta(), "Encadenamiento/RegistroAnterior/IDEmisorFactura", NIF_FORMAT,
         previous(issuer_nif="ES89890001K"), id="previous-nif"),
    case(alta(), "Encadenamiento/RegistroAnterior/Huella", HASH_FORMAT,
         previous(hash=HASH.lower()), id="previous-hash-lowercase"),
    case(anulacion(), "Encadenamiento/RegistroAnterior/Huella", HASH_FORMAT,
         previous(hash=HASH[:63]), id="previous-hash-63"),
    case(alta(external_ref="x" * 61), "RefExterna", TOO_LONG.format(limit=60),
         id="external-ref-61"),
    # ---- Free texts -------------------------------------------------------------------------
    case(alta(issuer_name=""), "NombreRazonEmisor", REQUIRED, id="issuer-name-empty"),
    case(alta(description="   "), "DescripcionOperacion", REQUIRED, id="description-blank"),
    case(alta(description="Línea\x00uno"), "DescripcionOperacion", NOT_XML_TEXT,
         id="description-nul"),
    case(alta(issuer_name="Acme\x1b SL"), "NombreRazonEmisor", NOT_XML_TEXT,
         id="name-escape"),
    # ---- TipoFactura, corrections (VAL 3.1.3.3–6) ----------------------------------------
    case(alta(invoice_type="F3"), "TipoFactura", INVOICE_TYPE, id="type-f3"),
    case(alta(invoice_type="r1"), "TipoFactura", INVOICE_TYPE, id="type-lowercase"),
    *[
        case(alta(invoice_type=kind), "TipoRectificativa", CORRECTION_KIND_REQUIRED,
             id=f"{kind}-without-kind")
        for kind in ("R1", "R2", "R3", "R4", "R5")
    ],
    case(alta(invoice_type="R1", correction_kind="X"), "TipoRectificativa",
         CORRECTION_KIND_REQUIRED, id="kind-unknown"),
    case(alta(correction_kind="I"), "TipoRectificativa", CORRECTION_KIND_FORBIDDEN,
         id="f1-with-kind"),
    case(alta(corrected=(ORIGINAL,)), "FacturasRectificadas", CORRECTED_FORBIDDEN,
         id="f1-with-corrected"),
    case(alta(invoice_type="R1", correction_kind="S"), "ImporteRectificacion",
         CORRECTED_AMOUNTS_REQUIRED, id="substitution-without-amounts"),
    case(alta(invoice_type="R1", correction_kind="I",
              corrected_amounts=CorrectedAmounts(D("1"), D("0.21"))),
         "ImporteRectificacion", CORRECTED_AMOUNTS_FORBIDDEN, id="differences-with-amounts"),
    case(alta(corrected_amounts=CorrectedAmounts(D("1"), D("0.21"))),
         "ImporteRectificacion", CORRECTED_AMOUNTS_FORBIDDEN, id="f1-with-amounts"),
    # ---- Destinatarios (VAL 3.1.3.13) --------------------------------------------------------
    *[
        case(alta(invoice_type=kind, correction_kind="I" if kind != "F1" else "",
                  recipients=()), "Destinatarios", RECIPIENTS_REQUIRED, id=f"{kind}-alone")
        for kind in ("F1", "R1", "R2", "R3", "R4")
    ],
    case(alta(invoice_type="F2"), "Destinatarios", RECIPIENTS_FORBIDDEN, id="f2-with-client"),
    case(alta(invoice_type="R5", correction_kind="I"), "Destinatarios", RECIPIENTS_FORBIDDEN,
         id="r5-with-client"),
    case(to(Party(name="", nif="B12345674")), f"{RECIPIENT}/NombreRazon", REQUIRED,
         id="recipient-name-empty"),
    case(to(SPANISH_CLIENT, Party(name="Dos", nif="B1234567")),
         "Destinatarios/IDDestinatario[2]/NIF", NIF_FORMAT, id="recipient-nif"),
    case(to(Party(name="Both", nif="B12345674", id_type="04", id="1", country="US")),
         RECIPIENT, PARTY_ID, id="recipient-nif-and-idotro"),
    case(to(Party(name="Nobody")), RECIPIENT, PARTY_ID, id="recipient-unidentified"),
    case(to(Party(name="X", id_type="01", id="1", country="US")), f"{RECIPIENT}/IDOtro/IDType",
         ID_TYPE, id="idtype-01"),
    case(to(Party(name="X", id_type="04", id="", country="US")), f"{RECIPIENT}/IDOtro/ID",
         REQUIRED, id="idotro-without-id"),
    case(to(Party(name="X", id_type="04", id="1" * 21, country="US")), f"{RECIPIENT}/IDOtro/ID",
         TOO_LONG.format(limit=20), id="idotro-id-21"),
    case(to(Party(name="X", id_type="04", id="123")), f"{RECIPIENT}/IDOtro/CodigoPais",
         COUNTRY_REQUIRED, id="country-missing"),
    *[
        case(to(Party(name="X", id_type="04", id="123", country=code)),
             f"{RECIPIENT}/IDOtro/CodigoPais", COUNTRY_UNKNOWN, id=f"country-{code}")
        for code in ("XX", "EL", "us", "USA")
    ],
    case(to(Party(name="X", id_type="04", id="123", country="ES")),
         f"{RECIPIENT}/IDOtro/CodigoPais", COUNTRY_SPAIN, id="es-with-04"),
    case(to(Party(name="X", id_type="07", id="12345678Z", country="FR")),
         f"{RECIPIENT}/IDOtro/CodigoPais", COUNTRY_SPAIN, id="07-outside-es"),
    # ---- Desglose (VAL 15) -------------------------------------------------------------------
    case(replace(alta(), details=()), "Desglose", DETAILS_COUNT, id="no-details"),
    case(alta(details=tuple(s1("1.00", "21") for _ in range(13))), "Desglose", DETAILS_COUNT,
         id="13-details"),
    case(with_line(line("S3")), DETAIL, TREATMENT, id="treatment-unknown"),
    case(with_line(line("E7")), DETAIL, TREATMENT, id="treatment-igic-only"),
    case(with_line(s1("100.00", "21", regime="12")), f"{DETAIL}/ClaveRegimen", REGIME,
         id="regime-12"),
    case(with_line(s1("100.00", "21", regime="")), f"{DETAIL}/ClaveRegimen", REGIME,
         id="regime-empty"),
    case(with_line(s1("100.00", "21", regime="21")), f"{DETAIL}/ClaveRegimen", REGIME,
         id="regime-21-is-igic-only"),
    case(with_line(s1("100.00", "21", regime="02")), f"{DETAIL}/ClaveRegimen",
         EXPORT_EXEMPT_ONLY, id="export-taxed"),
    case(with_line(line("E2")), f"{DETAIL}/OperacionExenta", EXPORT_EXEMPTION_REGIME,
         id="e2-general-regime"),
    case(with_line(line("E3")), f"{DETAIL}/OperacionExenta", EXPORT_EXEMPTION_REGIME,
         id="e3-general-regime"),
    case(with_line(line("E1", rate=D("0"))), f"{DETAIL}/OperacionExenta", EXEMPT_NO_TAX,
         id="exempt-with-rate"),
    case(with_line(line("E1", tax=D("0"))), f"{DETAIL}/OperacionExenta", EXEMPT_NO_TAX,
         id="exempt-with-tax"),
    case(with_line(line("E6", surcharge_rate=D("5.2"), surcharge=D("5.20"))),
         f"{DETAIL}/OperacionExenta", EXEMPT_NO_TAX, id="exempt-with-recargo"),
    case(with_line(line("N1", rate=D("21"), tax=D("21"))), f"{DETAIL}/CalificacionOperacion",
         NOT_SUBJECT_NO_TAX, id="not-subject-with-tax"),
    case(with_line(line("N2", tax=D("0"))), f"{DETAIL}/CalificacionOperacion",
         NOT_SUBJECT_NO_TAX, id="not-subject-with-zero-tax"),
    case(with_line(line("S2", rate=D("21"))), f"{DETAIL}/TipoImpositivo", REVERSE_CHARGE_ZERO,
         id="s2-with-rate"),
    case(with_line(line("S2", tax=D("21"))), f"{DETAIL}/CuotaRepercutida",
         REVERSE_CHARGE_ZERO, id="s2-with-tax"),
    case(with_line(line("S2"), invoice_type="F2", recipients=()),
         f"{DETAIL}/CalificacionOperacion", REVERSE_CHARGE_TYPE, id="s2-on-f2"),
    case(with_line(line("S2", surcharge_rate=D("5.2"), surcharge=D("5.20"))),
         f"{DETAIL}/TipoRecargoEquivalencia", SURCHARGE_ONLY_S1, id="s2-with-recargo"),
    case(with_line(replace(s1("100.00", "21"), surcharge_rate=D("5.2"))),
         f"{DETAIL}/CuotaRecargoEquivalencia", SURCHARGE_PAIR, id="recargo-rate-alone"),
    case(with_line(replace(s1("100.00", "21"), surcharge=D("5.20"))),
         f"{DETAIL}/CuotaRecargoEquivalencia", SURCHARGE_PAIR, id="recargo-amount-alone"),
    case(with_line(line("S1", tax=D("21"))), f"{DETAIL}/CuotaRepercutida", SUBJECT_NEEDS_TAX,
         id="s1-without-rate"),
    case(with_line(line("S1", rate=D("21"))), f"{DETAIL}/CuotaRepercutida", SUBJECT_NEEDS_TAX,
         id="s1-without-tax"),
    # ---- TipoImpositivo and TipoRecargoEquivalencia of IVA (VAL 15.1, 15.3) ----------------
    case(on(datetime.date(2027, 1, 4), s1("100.00", "5")), f"{DETAIL}/TipoImpositivo",
         RATE_NOT_ALLOWED, id="rate-5-in-2027"),
    case(on(datetime.date(2024, 10, 28), s1("100.00", "5")), f"{DETAIL}/TipoImpositivo",
         RATE_NOT_ALLOWED, id="rate-5-after-september-2024"),
    case(on(datetime.date(2025, 1, 1), s1("100.00", "2")), f"{DETAIL}/TipoImpositivo",
         RATE_NOT_ALLOWED, id="rate-2-in-2025"),
    case(on(datetime.date(2025, 1, 1), s1("100.00", "7.5")), f"{DETAIL}/TipoImpositivo",
         RATE_NOT_ALLOWED, id="rate-7.5-in-2025"),
    case(with_line(s1("100.00", "12")), f"{DETAIL}/TipoImpositivo", RATE_NOT_ALLOWED,
         id="rate-12"),
    case(alta(operation_date=datetime.date(2024, 9, 30), details=(s1("100.00", "7.5"),)),
         f"{DETAIL}/TipoImpositivo", RATE_NOT_ALLOWED, id="rate-dated-by-operation-date"),
    case(with_line(s1("100.00", "21", "1.4")), f"{DETAIL}/TipoRecargoEquivalencia",
         SURCHARGE_RATE_NOT_ALLOWED, id="recargo-1.4-with-21"),
    case(with_line(s1("100.00", "10", "5.2")), f"{DETAIL}/TipoRecargoEquivalencia",
         SURCHARGE_RATE_NOT_ALLOWED, id="recargo-5.2-with-10"),
    case(with_line(s1("100.00", "4", "0.62")), f"{DETAIL}/TipoRecargoEquivalencia",
         SURCHARGE_RATE_NOT_ALLOWED, id="recargo-0.62-with-4"),
    # ---- CuotaRepercutida, CuotaTotal, ImporteTotal (VAL 15.7, 16, 17) ---------------------
    case(with_line(replace(s1("100.00", "21"), tax=D("-21.00"))), f"{DETAIL}/CuotaRepercutida",
         TAX_SIGN, id="tax-sign"),
    case(with_line(replace(s1("100.00", "21"), tax=D("31.01"))), f"{DETAIL}/CuotaRepercutida",
         TAX_MISMATCH, id="tax-off-by-10.01"),
    case(with_line(replace(s1("100.00", "21"), tax=D("10.99")), invoice_type="R1",
                   correction_kind="S", corrected_amounts=CorrectedAmounts(D("1"), D("0"))),
         f"{DETAIL}/CuotaRepercutida", TAX_MISMATCH, id="tax-off-in-a-substitution"),
    case(alta(total_tax=D("31.01")), "CuotaTotal", TOTAL_TAX_MISMATCH, id="total-tax"),
    case(alta(total_amount=D("106.00")), "ImporteTotal", TOTAL_AMOUNT_MISMATCH,
         id="total-minus-irpf"),
    case(alta(total_amount=D("131.01")), "ImporteTotal", TOTAL_AMOUNT_MISMATCH,
         id="total-off-by-10.01"),
    # ---- E5 (VAL 15.5.1), FechaOperacion (VAL 3.1.3.1) ---------------------------------------
    case(with_line(line("E5"), recipients=(SPANISH_CLIENT,)), "Destinatarios", E5_RECIPIENTS,
         id="e5-to-a-spanish-nif"),
    case(with_line(line("E5"), recipients=(EU_BUSINESS, SPANISH_CLIENT)), "Destinatarios",
         E5_RECIPIENTS, id="e5-to-one-spanish-nif-of-two"),
    case(alta(operation_date=datetime.date(2027, 1, 5)), "FechaOperacion",
         OPERATION_DATE_LATER, id="operation-after-issue"),
    # ---- Values that cannot be written --------------------------------------------------------
    case(with_line(TaxDetail(treatment="E1", base=100.0), total_tax=D(0), total_amount=D(100)),
         f"{DETAIL}/BaseImponibleOimporteNoSujeto", formats.NOT_DECIMAL, id="float-base"),
    case(alta(total_amount=D("1000000000000.00")), "ImporteTotal", formats.AMOUNT_TOO_LARGE,
         id="total-13-digits"),
    case(with_line(line("S1", rate=D("-21"), tax=D("-21"))), f"{DETAIL}/TipoImpositivo",
         formats.RATE_NEGATIVE, id="negative-rate"),
    case(alta(invoice_type="R1", correction_kind="S",
              corrected_amounts=CorrectedAmounts(base=D("100"), tax=21.0)),
         "ImporteRectificacion/CuotaRectificada", formats.NOT_DECIMAL, id="float-corrected"),
    case(alta(invoice=replace(ORIGINAL, issue_date=datetime.datetime(2027, 1, 4, 10))),
         "IDFactura/FechaExpedicionFactura", formats.NOT_A_DATE, id="issue-datetime"),
    case(alta(), "FechaHoraHusoGenRegistro", formats.NAIVE_DATETIME,
         {"generated_at": datetime.datetime(2027, 1, 4, 10, 15)}, id="naive-generation-time"),
    # ---- SistemaInformatico (VAL 3.1.5) ------------------------------------------------------
    *[
        case(alta(), "SistemaInformatico/IdSistemaInformatico", SYSTEM_ID,
             software(system_id=value), id=f"system-id-{value or 'empty'}")
        for value in ("F", "FGX", "fg", "Ñ1", "", "F-")
    ],
    case(alta(), "SistemaInformatico/NombreSistemaInformatico", REQUIRED,
         software(system_name=""), id="system-name-empty"),
    case(alta(), "SistemaInformatico/NombreSistemaInformatico", TOO_LONG.format(limit=30),
         software(system_name="S" * 31), id="system-name-31"),
    case(anulacion(), "SistemaInformatico/NIF", NIF_FORMAT, software(producer_nif="B0000000"),
         id="producer-nif"),
    case(alta(), "SistemaInformatico/Version", TOO_LONG.format(limit=50),
         software(version="1" * 51), id="version-51"),
    case(alta(), "SistemaInformatico/NumeroInstalacion", REQUIRED,
         software(installation_number=""), id="installation-empty"),
    case(alta(), "SistemaInformatico/NumeroInstalacion", TOO_LONG.format(limit=100),
         software(installation_number="9" * 101), id="installation-101"),
    case(alta(), "SistemaInformatico/NombreRazon", REQUIRED, software(producer_name=""),
         id="producer-name-empty"),
]


@pytest.mark.parametrize(("content", "build_args", "field", "reason"), CASES)
def test_a_record_that_breaks_an_aeat_rule_is_refused_naming_the_field(
    content, build_args, field, reason
):
    args = {"previous": None, "software": SOFTWARE, "generated_at": GENERATED_AT} | build_args
    with pytest.raises(RecordError) as caught:
        build(content, **args)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert str(caught.value) == f"{field}: {reason}"
    assert isinstance(caught.value, ValueError)


# --------------------------------------------------------------------------------------
# The edges on the allowed side of the rules
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "rate", "surcharge_rate"),
    [
        (datetime.date(2024, 9, 30), "5", "0.62"),
        (datetime.date(2024, 10, 1), "2", "0.26"),
        (datetime.date(2024, 12, 31), "7.5", "1"),
        (datetime.date(2027, 1, 4), "21", "1.75"),
        (datetime.date(2027, 1, 4), "4", "0.5"),
        (datetime.date(2027, 1, 4), "0", None),
    ],
)
def test_historic_rates_are_accepted_inside_their_window(day, rate, surcharge_rate):
    build_valid(on(day, s1("100.00", rate, surcharge_rate)))


def test_a_corrective_by_differences_may_carry_a_tax_that_is_not_base_times_rate():
    # Correcting only the tax of an invoice: base 0, tax +21 (VAL 15.7's exception).
    detail = replace(s1("0.00", "21"), tax=D("21.00"))
    build_valid(alta(invoice_type="R1", correction_kind="I", details=(detail,)))
    build_valid(alta(invoice_type="R2", correction_kind="S", details=(detail,),
                     corrected_amounts=CorrectedAmounts(D("100"), D("0"))))


def test_totals_within_the_aeat_ten_euro_margin_are_accepted():
    build_valid(alta(total_tax=D("31.00"), total_amount=D("131.00")))
    build_valid(alta(total_tax=D("11.00"), total_amount=D("111.00")))


def test_totals_of_special_regimes_are_not_added_up():
    # REBU (03) and travel agencies (05) tax a margin: their totals are not Σ of the lines.
    for regime in ("03", "05"):
        build_valid(alta(details=(s1("100.00", "21", regime=regime),),
                         total_tax=D("21.00"), total_amount=D("500.00")))


def test_an_idotro_02_recipient_needs_no_country_and_non_eu_ones_carry_theirs():
    build_valid(to(EU_BUSINESS, US_COMPANY))
    build_valid(to(Party(name="Viajero", id_type="03", id="PA1234567", country="ES")))


def test_a_country_beside_a_spanish_nif_is_ignored():
    build_valid(to(Party(name="Cliente SL", nif="B12345674", country="ES")))


def test_something_that_is_not_a_record_content_is_a_type_error():
    with pytest.raises(TypeError, match=re.escape("takes an Alta or an Anulacion")):
        build(ORIGINAL, previous=None, software=SOFTWARE, generated_at=GENERATED_AT)
