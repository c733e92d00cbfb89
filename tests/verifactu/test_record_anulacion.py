"""RegistroAnulacion as `verifactu.xml.build` writes it (an invoice voided because it was
issued by mistake), valid against the AEAT's schema."""

from __future__ import annotations

import datetime

from record_samples import (
    ISSUER_NIF,
    alta,
    anulacion,
    build_valid,
    children,
    previous_of,
    text,
)

from verifactu import huella
from verifactu.namespaces import SF


def test_an_anulacion_identifies_the_voided_invoice_and_carries_no_amounts():
    first = alta()
    first_built, _ = build_valid(first)
    built, root = build_valid(anulacion(), previous=previous_of(first, first_built))
    assert built.kind == "anulacion"
    assert children(root) == [
        "IDVersion",
        "IDFactura",
        "Encadenamiento",
        "SistemaInformatico",
        "FechaHoraHusoGenRegistro",
        "TipoHuella",
        "Huella",
    ]
    assert children(root.find("sf:IDFactura", {"sf": SF})) == [
        "IDEmisorFacturaAnulada",
        "NumSerieFacturaAnulada",
        "FechaExpedicionFacturaAnulada",
    ]
    assert text(root, "IDFactura/IDEmisorFacturaAnulada") == ISSUER_NIF
    assert text(root, "IDFactura/NumSerieFacturaAnulada") == "2027-0001"
    assert text(root, "IDFactura/FechaExpedicionFacturaAnulada") == "04-01-2027"
    assert (built.total_tax, built.total_amount) == (None, None)
    assert built.issue_date == "04-01-2027"
    assert built.xml.startswith(b"<sum1:RegistroAnulacion xmlns:sum1=")


def test_the_huella_of_an_anulacion_chains_the_previous_record():
    first = alta()
    first_built, _ = build_valid(first)
    moment = datetime.datetime(2027, 1, 4, 9, 20, tzinfo=datetime.UTC)
    built, root = build_valid(
        anulacion(), previous=previous_of(first, first_built), generated_at=moment
    )
    assert built.previous_hash == first_built.hash
    assert text(root, "Encadenamiento/RegistroAnterior/Huella") == first_built.hash
    assert built.hash == text(root, "Huella") == huella.anulacion_hash(
        issuer_nif=ISSUER_NIF,
        number="2027-0001",
        issue_date="04-01-2027",
        previous_hash=first_built.hash,
        generated_at="2027-01-04T10:20:00+01:00",
    )


def test_an_anulacion_may_be_the_first_record_of_a_chain():
    built, root = build_valid(anulacion(number="2026-0099"))
    assert text(root, "Encadenamiento/PrimerRegistro") == "S"
    assert built.previous_hash == ""


def test_an_anulacion_carries_the_external_reference():
    _, root = build_valid(anulacion(external_ref="void_42"))
    assert text(root, "RefExterna") == "void_42"
    assert children(root)[:3] == ["IDVersion", "IDFactura", "RefExterna"]
