"""The chain: PrimerRegistro / RegistroAnterior, and reading stored records back
(`recompute_hash`, `previous_hash_of`, `hash_of`) to verify a chain from what was stored."""

from __future__ import annotations

import datetime
import string
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from record_samples import (
    EU_BUSINESS,
    US_COMPANY,
    D,
    alta,
    anulacion,
    build_valid,
    previous_of,
    s1,
    text,
)

from verifactu.data import InvoiceId, PreviousRecord, TaxDetail
from verifactu.xml import NOT_A_RECORD, hash_of, previous_hash_of, recompute_hash

MADRID = ZoneInfo("Europe/Madrid")
AEAT_FIRST = "3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60"
AEAT_SECOND = "F7B94CFD8924EDFF273501B01EE5153E4CE8F259766F88CF6ACB8935802A2B97"
AEAT_VOIDED = "177547C0D57AC74748561D054A9CEC14B4C4EA23D1BEFD6F2E69E3A388F90C68"


def aeat_example_alta(number: str):
    """The huella specification's invoices: CuotaTotal 12.35, ImporteTotal 123.45, made of
    a 21 % line (58.81 + 12.35) and an exempt one (52.29)."""
    details = (s1("58.81", "21"), TaxDetail(treatment="E1", base=D("52.29")))
    return alta(
        number=number, issue_date=datetime.date(2024, 1, 1), details=details
    )


def at(hour: int, minute: int, second: int) -> datetime.datetime:
    return datetime.datetime(2024, 1, 1, hour, minute, second, tzinfo=MADRID)


def test_the_first_record_says_primer_registro_and_hashes_an_empty_previous_huella():
    built, root = build_valid(aeat_example_alta("12345678/G33"), generated_at=at(19, 20, 30))
    assert text(root, "Encadenamiento/PrimerRegistro") == "S"
    assert text(root, "Encadenamiento/RegistroAnterior/Huella") is None
    assert built.previous_hash == ""
    assert built.hash == AEAT_FIRST  # the AEAT's case 1, end to end


def test_built_records_reproduce_the_aeat_worked_chain_alta_alta_anulacion():
    first = aeat_example_alta("12345678/G33")
    first_built, _ = build_valid(first, generated_at=at(19, 20, 30))
    second = aeat_example_alta("12345679/G34")
    second_built, root = build_valid(
        second, previous=previous_of(first, first_built), generated_at=at(19, 20, 35)
    )
    assert text(root, "Encadenamiento/RegistroAnterior/IDEmisorFactura") == "89890001K"
    assert text(root, "Encadenamiento/RegistroAnterior/NumSerieFactura") == "12345678/G33"
    assert text(root, "Encadenamiento/RegistroAnterior/FechaExpedicionFactura") == "01-01-2024"
    assert text(root, "Encadenamiento/RegistroAnterior/Huella") == AEAT_FIRST
    assert second_built.hash == AEAT_SECOND
    voided, _ = build_valid(
        anulacion(number="12345679/G34", issue_date=datetime.date(2024, 1, 1)),
        previous=previous_of(second, second_built),
        generated_at=at(19, 20, 40),
    )
    assert voided.hash == AEAT_VOIDED
    for built, previous in ((first_built, ""), (second_built, AEAT_FIRST),
                            (voided, AEAT_SECOND)):
        assert recompute_hash(built.xml) == hash_of(built.xml) == built.hash
        assert previous_hash_of(built.xml) == previous == built.previous_hash


def test_a_chain_is_verified_from_the_stored_xml_alone():
    contents = [
        alta(number="2027-0001"),
        alta(number="2027-0002", recipients=(US_COMPANY,)),
        anulacion(number="2027-0002"),
        alta(number="R-2027-0001", invoice_type="R1", correction_kind="I",
             details=(s1("-100.00", "21"),)),
    ]
    stored, previous = [], None
    for minute, content in enumerate(contents):
        moment = datetime.datetime(2027, 1, 4, 9, minute, tzinfo=datetime.UTC)
        built, _ = build_valid(content, previous=previous, generated_at=moment)
        stored.append(built.xml)
        previous = previous_of(content, built)
    expected_previous = ""
    for xml in stored:
        assert recompute_hash(xml) == hash_of(xml)
        assert previous_hash_of(xml) == expected_previous
        expected_previous = hash_of(xml)


@pytest.mark.parametrize(
    ("original", "tampered"),
    [
        (b"<sum1:ImporteTotal>121.00<", b"<sum1:ImporteTotal>112.00<"),
        (b"<sum1:NumSerieFactura>2027-0001<", b"<sum1:NumSerieFactura>2027-0002<"),
        (b"<sum1:TipoFactura>F1<", b"<sum1:TipoFactura>F2<"),
        (b"T10:15:00+01:00<", b"T10:15:01+01:00<"),
    ],
)
def test_a_changed_hashed_field_no_longer_matches_the_stored_huella(original, tampered):
    built, _ = build_valid(alta())
    assert original in built.xml
    changed = built.xml.replace(original, tampered)
    assert recompute_hash(changed) != hash_of(changed) == built.hash


def test_a_changed_previous_huella_breaks_the_record_own_huella():
    first_built, _ = build_valid(alta(number="2027-0001"))
    second_built, _ = build_valid(
        alta(number="2027-0002"), previous=previous_of(alta(number="2027-0001"), first_built)
    )
    forged = second_built.xml.replace(first_built.hash.encode(), b"0" * 64)
    assert previous_hash_of(forged) == "0" * 64
    assert recompute_hash(forged) != second_built.hash


def test_a_document_that_is_not_a_record_is_refused():
    with pytest.raises(ValueError, match=NOT_A_RECORD):
        recompute_hash(b"<RegistroAlta/>")  # right name, no namespace
    with pytest.raises(ValueError, match=NOT_A_RECORD):
        previous_hash_of(b'<x xmlns="urn:x"/>')


# --------------------------------------------------------------------------------------
# Property: whatever valid content goes in, the stored XML reproduces the huella
# --------------------------------------------------------------------------------------

NUMBER_CHARACTERS = "".join(
    c for c in string.printable if 32 <= ord(c) <= 126 and c not in "\"'<>="
)
numbers = st.text(NUMBER_CHARACTERS, min_size=1, max_size=60).filter(
    lambda n: n[0] != " " and n[-1] != " "
)
bases = st.decimals(
    min_value=D("-99999999.99"), max_value=D("99999999.99"), places=2, allow_nan=False
)
rates = st.sampled_from(["21", "10", "4", "0"])
moments = st.datetimes(
    min_value=datetime.datetime(2024, 10, 28),
    max_value=datetime.datetime(2040, 12, 31),
    timezones=st.just(datetime.UTC),
)
days = st.dates(min_value=datetime.date(2024, 10, 28), max_value=datetime.date(2040, 12, 31))
hashes = st.text("0123456789ABCDEF", min_size=64, max_size=64)
lines = st.one_of(
    st.builds(lambda b, r: s1(str(b), r), bases, rates),
    st.builds(lambda b: TaxDetail(treatment="E1", base=b), bases),
)


@st.composite
def altas(draw):
    details = tuple(draw(st.lists(lines, min_size=1, max_size=12)))
    kind = draw(st.sampled_from(["F1", "F2", "R1-I", "E5"]))
    number, issue_date = draw(numbers), draw(days)
    if kind == "F2":
        return alta(number=number, issue_date=issue_date, details=details,
                    invoice_type="F2", recipients=())
    if kind == "R1-I":
        return alta(number=number, issue_date=issue_date, details=details,
                    invoice_type="R1", correction_kind="I")
    if kind == "E5":
        return alta(number=number, issue_date=issue_date, recipients=(EU_BUSINESS,),
                    details=(TaxDetail(treatment="E5", base=draw(bases)),))
    return alta(number=number, issue_date=issue_date, details=details)


@st.composite
def previous_records(draw):
    if draw(st.booleans()):
        return None
    invoice = InvoiceId(issuer_nif="89890001K", number=draw(numbers), issue_date=draw(days))
    return PreviousRecord(invoice=invoice, hash=draw(hashes))


@settings(max_examples=150, deadline=None)
@given(content=st.one_of(altas(), st.builds(lambda n, d: anulacion(n, d), numbers, days)),
       previous=previous_records(), moment=moments)
def test_build_then_recompute_hash_gives_the_same_huella_for_any_valid_content(
    content, previous, moment
):
    built, _ = build_valid(content, previous=previous, generated_at=moment)
    assert recompute_hash(built.xml) == built.hash == hash_of(built.xml)
    assert previous_hash_of(built.xml) == built.previous_hash == (previous.hash if previous else "")
    # Same content, same moment, same chain: the same record, byte for byte.
    again, _ = build_valid(replace(content), previous=previous, generated_at=moment)
    assert again == built
