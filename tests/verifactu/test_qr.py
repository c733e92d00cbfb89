"""The QR code's URL (`verifactu.qr`): AEAT QR specification v0.5.0, §4–§8."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from verifactu.qr import (
    BAD_AMOUNT,
    BAD_DATE,
    BAD_NIF,
    BAD_NUMBER,
    UNKNOWN_ENVIRONMENT,
    qr_url,
)


def url(number: str = "12345678-G33", **changes: str) -> str:
    fields = {
        "environment": "test",
        "issuer_nif": "89890001K",
        "number": number,
        "issue_date": "01-09-2024",
        "total_amount": "241.4",
    }
    return qr_url(**(fields | changes))


def test_aeat_example_8_1_test_environment():
    assert url() == (
        "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR"
        "?nif=89890001K&numserie=12345678-G33&fecha=01-09-2024&importe=241.4"
    )


def test_aeat_example_8_3_production_environment():
    assert url(environment="production") == (
        "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR"
        "?nif=89890001K&numserie=12345678-G33&fecha=01-09-2024&importe=241.4"
    )


def test_aeat_example_4_an_ampersand_in_the_number_is_url_encoded():
    assert url("12345678&G33", issue_date="01-01-2024") == (
        "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR"
        "?nif=89890001K&numserie=12345678%26G33&fecha=01-01-2024&importe=241.4"
    )


@pytest.mark.parametrize(
    ("number", "encoded"),
    [
        ("A+1", "A%2B1"),  # a raw + would arrive as a space
        ("2027/0001", "2027%2F0001"),
        ("F 2027 1", "F+2027+1"),  # Java's URLEncoder, as the AEAT's §4.1 example uses
        ("#1?x%y", "%231%3Fx%25y"),
        ("a*b~c_d.e-f", "a*b%7Ec_d.e-f"),  # URLEncoder keeps * and encodes ~
        ("S/N;1,2:3@4$5!(6)", "S%2FN%3B1%2C2%3A3%404%245%21%286%29"),
    ],
)
def test_awkward_numbers_are_encoded_as_java_urlencoder_does(number, encoded):
    assert f"&numserie={encoded}&fecha=" in url(number)


@pytest.mark.parametrize(
    "number", ["A+1/2 & 3", "R-2027/0001+B", "x=y&z=w", "100%", " ~*|{}[]^`\\ "]
)
def test_every_awkward_number_survives_the_round_trip_with_the_four_parameters_in_order(
    number,
):
    link = url(number, total_amount="-1210.00")
    query = urlsplit(link).query
    assert parse_qsl(query, keep_blank_values=True, strict_parsing=True) == [
        ("nif", "89890001K"),
        ("numserie", number),
        ("fecha", "01-09-2024"),
        ("importe", "-1210.00"),
    ]


def test_the_url_carries_exactly_the_four_parameters_and_nothing_else():
    names = [name for name, _ in parse_qsl(urlsplit(url()).query)]
    assert names == ["nif", "numserie", "fecha", "importe"]


def test_the_amount_is_the_record_literal_as_given():
    assert url(total_amount="126.20").endswith("&importe=126.20")
    assert url(total_amount="-21.00").endswith("&importe=-21.00")


def test_an_unknown_environment_is_refused():
    with pytest.raises(ValueError, match=re.escape(UNKNOWN_ENVIRONMENT)):
        url(environment="prod")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"issuer_nif": "89890001"}, BAD_NIF),
        ({"issuer_nif": "89890001k"}, BAD_NIF),
        ({"number": ""}, BAD_NUMBER),
        ({"number": "X" * 61}, BAD_NUMBER),
        ({"number": "Nº 1"}, BAD_NUMBER),
        ({"issue_date": "2024-09-01"}, BAD_DATE),
        ({"total_amount": "241,40"}, BAD_AMOUNT),
        ({"total_amount": "1234567890123.00"}, BAD_AMOUNT),
        ({"total_amount": "1.234"}, BAD_AMOUNT),
    ],
)
def test_values_the_aeat_would_not_find_are_refused(changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        url(**changes)
