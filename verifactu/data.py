"""What a registration record says, as plain values.

`verifactu.services` maps an invoice (and the chain) onto these; `verifactu.xml` turns them
into the AEAT's XML (RegistroAlta / RegistroAnulacion) and computes the huella over exactly
the literals that XML carries. No Django models here, so the record format is testable on
its own against the AEAT's schemas and worked examples.

Field names follow the AEAT's (`SuministroInformacion.xsd`), in English; each says which.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

# CalificacionOperacion (subject) and OperacionExenta (exempt) codes a line may carry: the
# tax engine's treatments (tax law, not VERI*FACTU's invention), named here as the AEAT does.
from invoices.taxes import EXEMPT, NOT_SUBJECT, REVERSE_CHARGE, TAXED, TREATMENTS

__all__ = [
    "CORRECTIVE_TYPES", "EXEMPT", "ID_TYPES", "INVOICE_TYPES", "NOT_SUBJECT", "SUBJECT",
    "TREATMENTS", "Alta", "Anulacion", "BuiltRecord", "CorrectedAmounts", "InvoiceId", "Party",
    "PreviousRecord", "Software", "TaxDetail",
]

SUBJECT = (TAXED, REVERSE_CHARGE)  # S1 taxed; S2 reverse charge (inversión del sujeto pasivo)

INVOICE_TYPES = ("F1", "F2", "R1", "R2", "R3", "R4", "R5")
CORRECTIVE_TYPES = ("R1", "R2", "R3", "R4", "R5")

# IDOtro/IDType.
ID_TYPES = {
    "02": "NIF-IVA (EU VAT number)",
    "03": "passport",
    "04": "official identity document of the country of residence",
    "05": "certificate of residence",
    "06": "other supporting document",
    "07": "not registered in the Spanish census",
}


@dataclass(frozen=True)
class InvoiceId:
    """IDFactura: who issued it, its number as printed, its issue date."""

    issuer_nif: str  # IDEmisorFactura
    number: str  # NumSerieFactura (series and number together, ≤ 60 printable ASCII)
    issue_date: datetime.date  # FechaExpedicionFactura


@dataclass(frozen=True)
class Party:
    """A recipient (IDDestinatario): a Spanish NIF, or an IDOtro for anyone else."""

    name: str  # NombreRazon
    nif: str = ""  # NIF (Spanish), or empty when the party is identified by IDOtro
    id_type: str = ""  # IDOtro/IDType, one of ID_TYPES
    id: str = ""  # IDOtro/ID
    country: str = ""  # IDOtro/CodigoPais, ISO 3166-1 alpha-2 (left out for IDType 02)


@dataclass(frozen=True)
class TaxDetail:
    """One DetalleDesglose: lines of one treatment, regime and rate, added up."""

    treatment: str  # CalificacionOperacion (S1 S2 N1 N2) or OperacionExenta (E1-E6)
    base: Decimal  # BaseImponibleOimporteNoSujeto
    regime: str = "01"  # ClaveRegimen: 01 general, 02 export …
    rate: Decimal | None = None  # TipoImpositivo (S1, S2 only)
    tax: Decimal | None = None  # CuotaRepercutida (S1, S2 only)
    surcharge_rate: Decimal | None = None  # TipoRecargoEquivalencia (S1 only)
    surcharge: Decimal | None = None  # CuotaRecargoEquivalencia (S1 only)


@dataclass(frozen=True)
class CorrectedAmounts:
    """ImporteRectificacion of a corrective by substitution: the original's amounts."""

    base: Decimal  # BaseRectificada
    tax: Decimal  # CuotaRectificada
    surcharge: Decimal | None = None  # CuotaRecargoRectificado


@dataclass(frozen=True)
class Alta:
    """A RegistroAlta: an invoice issued (ordinary, simplified or corrective)."""

    invoice: InvoiceId
    issuer_name: str  # NombreRazonEmisor
    invoice_type: str  # TipoFactura, one of INVOICE_TYPES
    description: str  # DescripcionOperacion (≤ 500)
    details: tuple[TaxDetail, ...]  # Desglose (1 to 12)
    total_tax: Decimal  # CuotaTotal: IVA + recargo
    total_amount: Decimal  # ImporteTotal: bases + IVA + recargo (IRPF never enters)
    recipients: tuple[Party, ...] = ()  # Destinatarios: F1 and R1-R4 only
    operation_date: datetime.date | None = None  # FechaOperacion, when ≠ issue date
    correction_kind: str = ""  # TipoRectificativa: "S" substitution, "I" differences
    corrected: tuple[InvoiceId, ...] = ()  # FacturasRectificadas
    corrected_amounts: CorrectedAmounts | None = None  # ImporteRectificacion (S only)
    external_ref: str = ""  # RefExterna: our own reference, echoed by the AEAT
    # Operation flags (not hashed). A record sent again after the AEAT rejected it:
    # Subsanacion=S with RechazoPrevio=X (the invoice is not registered at the AEAT).
    resubmission: bool = False  # Subsanacion
    previously_rejected: str = ""  # RechazoPrevio: "" (absent), "N", "S" or "X"


@dataclass(frozen=True)
class Anulacion:
    """A RegistroAnulacion: an invoice voided because it was issued by mistake."""

    invoice: InvoiceId  # IDFactura of the voided invoice (…Anulada)
    external_ref: str = ""
    # Operation flags (not hashed): the voided invoice's alta never registered at the AEAT
    # (it was rejected); this anulación sent again after the AEAT rejected an earlier one.
    without_prior_record: bool = False  # SinRegistroPrevio
    previously_rejected: bool = False  # RechazoPrevio


@dataclass(frozen=True)
class Software:
    """SistemaInformatico: this product, and the account's installation of it."""

    producer_name: str  # NombreRazon of the producer
    producer_nif: str  # NIF of the producer
    system_name: str  # NombreSistemaInformatico (≤ 30)
    system_id: str  # IdSistemaInformatico (2 characters, [A-Z0-9])
    version: str  # Version
    installation_number: str  # NumeroInstalacion: one per account, never reused
    only_verifactu: bool = True  # TipoUsoPosibleSoloVerifactu
    multi_ot: bool = True  # TipoUsoPosibleMultiOT
    multiple_ot: bool = False  # IndicadorMultiplesOT


@dataclass(frozen=True)
class PreviousRecord:
    """Encadenamiento/RegistroAnterior: the chain's previous record (alta or anulación)."""

    invoice: InvoiceId
    hash: str  # its Huella


@dataclass(frozen=True)
class BuiltRecord:
    """A record as generated: its XML and the literals it carries (the hashed ones)."""

    kind: str  # "alta" or "anulacion"
    xml: bytes  # the RegistroAlta / RegistroAnulacion element, UTF-8, no XML declaration
    hash: str  # Huella: 64 uppercase hex characters
    previous_hash: str  # "" for the first record of a chain
    generated_at: str  # FechaHoraHusoGenRegistro, e.g. "2027-01-04T10:15:00+01:00"
    issue_date: str  # FechaExpedicionFactura as written, "04-01-2027"
    total_tax: str | None  # CuotaTotal as written ("26.20"); None for an anulación
    total_amount: str | None  # ImporteTotal as written ("126.20"); None for an anulación
