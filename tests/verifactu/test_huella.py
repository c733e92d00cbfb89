"""The huella of a record (`verifactu.huella`), against the AEAT's own worked examples.

AEAT, "Especificaciones técnicas para generación de la huella o hash de los registros de
facturación" v0.1.2, §6.1–§6.3. A wrong huella is not rejected by the AEAT (the record is
"accepted with errors", code 2000), so these vectors are what catches a mistake.
"""

from __future__ import annotations

import hashlib

from verifactu.huella import alta_hash, anulacion_hash

FIRST = "3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60"
SECOND = "F7B94CFD8924EDFF273501B01EE5153E4CE8F259766F88CF6ACB8935802A2B97"
VOIDED = "177547C0D57AC74748561D054A9CEC14B4C4EA23D1BEFD6F2E69E3A388F90C68"


def first_alta(**changes: str) -> str:
    fields = {
        "issuer_nif": "89890001K",
        "number": "12345678/G33",
        "issue_date": "01-01-2024",
        "invoice_type": "F1",
        "total_tax": "12.35",
        "total_amount": "123.45",
        "previous_hash": "",
        "generated_at": "2024-01-01T19:20:30+01:00",
    }
    return alta_hash(**(fields | changes))


def test_aeat_case_1_the_first_alta_of_a_system_hashes_an_empty_previous_huella():
    assert first_alta() == FIRST


def test_aeat_case_2_a_following_alta_chains_the_previous_huella():
    assert (
        alta_hash(
            issuer_nif="89890001K",
            number="12345679/G34",
            issue_date="01-01-2024",
            invoice_type="F1",
            total_tax="12.35",
            total_amount="123.45",
            previous_hash=FIRST,
            generated_at="2024-01-01T19:20:35+01:00",
        )
        == SECOND
    )


def test_aeat_case_3_an_anulacion_hashes_the_voided_invoice_and_the_previous_huella():
    assert (
        anulacion_hash(
            issuer_nif="89890001K",
            number="12345679/G34",
            issue_date="01-01-2024",
            previous_hash=SECOND,
            generated_at="2024-01-01T19:20:40+01:00",
        )
        == VOIDED
    )


def test_the_hashed_text_is_name_equals_value_joined_by_ampersands_in_utf8():
    text = (
        "IDEmisorFactura=89890001K&NumSerieFactura=12345678/G33&FechaExpedicionFactura="
        "01-01-2024&TipoFactura=F1&CuotaTotal=12.35&ImporteTotal=123.45&Huella="
        "&FechaHoraHusoGenRegistro=2024-01-01T19:20:30+01:00"
    )
    assert hashlib.sha256(text.encode("utf-8")).hexdigest().upper() == FIRST


def test_values_are_trimmed_as_the_specification_shows_for_a_spaced_number():
    # §3: "<NumSerieFactura>    12345678 / G33  </NumSerieFactura>" hashes "12345678 / G33".
    assert first_alta(number="    12345678 / G33  ") == first_alta(number="12345678 / G33")
    assert first_alta(issuer_nif=" 89890001K\n", total_amount="\t123.45 ") == FIRST


def test_values_are_hashed_as_written_so_the_stored_literal_is_what_reproduces_a_huella():
    # The AEAT says it accepts 123.4 and 123.40 alike when it checks, but the digests
    # differ: a chain can only be verified from the literal it was computed over.
    assert first_alta(total_amount="123.4") != first_alta(total_amount="123.40")


def test_a_huella_is_64_uppercase_hexadecimal_characters():
    assert len(FIRST) == 64
    assert FIRST.upper() == FIRST
    int(FIRST, 16)
