"""The AEAT's own example record (`fixtures/ejemploRegistro.xml`, see fixtures/README.md):
our schema validation accepts it and our huella reproduces the AEAT's."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from verifactu import schema
from verifactu.xml import hash_of, previous_hash_of, recompute_hash

EXAMPLE = Path(__file__).resolve().parent / "fixtures" / "ejemploRegistro.xml"
EXAMPLE_SHA256 = "328ff6571e8c75614f0fbe6e6456e472b897c2ed20a86ec42f2667782fdcdc8d"
EXAMPLE_HUELLA = "FF954378B64ED331A9B2366AD317D86E9DEC1716B12DD0ACCB172A6DC4C105AA"
EXAMPLE_PREVIOUS = "C9AF4AF1EF5EBBA700350DE3EEF12C2D355C56AC56F13DB2A25E0031BD2B7ED5"


def example() -> bytes:
    return EXAMPLE.read_bytes()


def test_the_fixture_is_the_aeat_file_byte_for_byte():
    assert hashlib.sha256(example()).hexdigest() == EXAMPLE_SHA256


def test_the_aeat_example_record_is_valid_against_the_schema():
    schema.validate(example(), "SuministroInformacion")


def test_the_aeat_example_huella_is_reproduced_from_its_literals():
    # Its amounts are written without trailing zeros (41.4, 241.4): hashed as written.
    assert hash_of(example()) == EXAMPLE_HUELLA
    assert recompute_hash(example()) == EXAMPLE_HUELLA


def test_the_aeat_example_previous_huella_is_read_back():
    assert previous_hash_of(example()) == EXAMPLE_PREVIOUS


def test_the_schema_check_the_tests_rely_on_does_refuse_a_record_out_of_order():
    swapped = example().replace(
        b"<sum1:Subsanacion>N</sum1:Subsanacion>\r\n\t<sum1:RechazoPrevio>N</sum1:RechazoPrevio>",
        b"<sum1:RechazoPrevio>N</sum1:RechazoPrevio>\r\n\t<sum1:Subsanacion>N</sum1:Subsanacion>",
    )
    assert swapped != example()
    with pytest.raises(schema.SchemaError):
        schema.validate(swapped, "SuministroInformacion")
