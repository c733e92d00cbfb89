"""The huella (hash) of a registration record, as the AEAT's huella specification says.

AEAT, "Detalle de las especificaciones técnicas para generación de la huella o hash de los
registros de facturación", v0.1.2 (27/08/2024), §3–§6:
- the fields, in this order, as `name=value` joined by `&`;
- each value exactly as the record's XML carries it, with leading and trailing spaces
  removed; no URL-encoding; a field that is absent or empty is written as `name=`
  (so the first record of a chain has `Huella=`);
- SHA-256 of the UTF-8 bytes, written as 64 uppercase hexadecimal characters.

The arguments are the record's literals (strings), never numbers or dates: hashing anything
but the text in the XML would make the chain impossible to verify from what is stored.
"""

from __future__ import annotations

import hashlib

# XML whitespace; the AEAT's own example trims spaces ("    12345678 / G33  ").
_BLANKS = " \t\r\n"


def _digest(fields: tuple[tuple[str, str], ...]) -> str:
    text = "&".join(f"{name}={(value or '').strip(_BLANKS)}" for name, value in fields)
    return hashlib.sha256(text.encode("utf-8")).hexdigest().upper()


def alta_hash(
    *,
    issuer_nif: str,
    number: str,
    issue_date: str,
    invoice_type: str,
    total_tax: str,
    total_amount: str,
    previous_hash: str,
    generated_at: str,
) -> str:
    """Huella of a RegistroAlta (huella specification §3.a)."""
    return _digest(
        (
            ("IDEmisorFactura", issuer_nif),
            ("NumSerieFactura", number),
            ("FechaExpedicionFactura", issue_date),
            ("TipoFactura", invoice_type),
            ("CuotaTotal", total_tax),
            ("ImporteTotal", total_amount),
            ("Huella", previous_hash),
            ("FechaHoraHusoGenRegistro", generated_at),
        )
    )


def anulacion_hash(
    *,
    issuer_nif: str,
    number: str,
    issue_date: str,
    previous_hash: str,
    generated_at: str,
) -> str:
    """Huella of a RegistroAnulacion (huella specification §3.b): the voided invoice's id."""
    return _digest(
        (
            ("IDEmisorFacturaAnulada", issuer_nif),
            ("NumSerieFacturaAnulada", number),
            ("FechaExpedicionFacturaAnulada", issue_date),
            ("Huella", previous_hash),
            ("FechaHoraHusoGenRegistro", generated_at),
        )
    )
