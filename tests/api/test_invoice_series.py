"""Series and numbers (CONTRACT §6, §8): numbering per account, series and year, gap-free
under concurrency; a number as printed is the record's NumSerieFactura (≤ 60 printable ASCII
without " ' < > =) and never longer than its column."""

import datetime

import pytest

from invoices import numbering
from invoices.models import Invoice
from invoices.services import NUMBER_SEQUENCE_TOO_LONG, NUMBER_TAKEN
from tests.factories import make_client, make_invoice

YEAR = datetime.date.today().year


def create(api, persona, body):
    url = f"/api/v1/accounts/{persona.account.pk}/invoices.json"
    lines = [{"description": "Servicio", "quantity": "1", "unit_price": "10"}]
    return api.send("POST", url, {"lines": lines, **body}, key=persona.api_key)


@pytest.fixture
def acme(alice):
    return make_client(alice.account)


def test_each_series_is_numbered_on_its_own(api, alice, acme):
    numbers = [
        create(api, alice, {"client_id": acme.pk, "series": series}).json()["number"]
        for series in ("", "A", "A", "", "B2", "A")
    ]

    assert numbers == [
        f"{YEAR}/0001", f"A{YEAR}/0001", f"A{YEAR}/0002", f"{YEAR}/0002", f"B2-{YEAR}/0001",
        f"A{YEAR}/0003",
    ]
    assert Invoice.objects.get(number=f"A{YEAR}/0002").series == "A"


def test_a_series_is_shown_with_its_invoice(api, alice, acme):
    body = create(api, alice, {"client_id": acme.pk, "series": "TPV"}).json()

    assert (body["series"], body["number"]) == ("TPV", f"TPV{YEAR}/0001")


@pytest.mark.parametrize("series", ["A B", "Ñ", "R<1", "ABCDEFGHIJK"])
def test_a_series_of_other_characters_or_too_long_is_422(api, alice, acme, series):
    response = create(api, alice, {"client_id": acme.pk, "series": series})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["series"]


@pytest.mark.parametrize("number", ['F"1', "F'1", "F<1", "F>1", "F=1", "Fáctura-1", "F\t1"])
def test_a_number_that_is_not_a_valid_numserie_is_422(api, alice, acme, number):
    response = create(api, alice, {"client_id": acme.pk, "number": number})

    assert response.status_code == 422
    assert response.json()["errors"] == {"number": [numbering.INVALID_NUMBER]}


def test_a_number_with_an_ampersand_or_slashes_is_fine(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk, "number": "A&B/2026-1"})

    assert response.status_code == 200, response.content


def test_a_number_longer_than_its_column_is_422(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk, "number": "9" * 41})

    assert response.status_code == 422
    assert "40" in response.json()["errors"]["number"][0]


def test_the_invoice_whose_counter_reaches_the_year_is_followed_by_the_next(api, alice, acme):
    """The counter of `2026/2026` is the last 2026, not the year: next is `2026/2027` (not
    `2026/2026-2`, which grew a suffix on every pass until the column refused the issue)."""
    reached = create(api, alice, {"client_id": acme.pk, "number": f"{YEAR}/{YEAR - 1}"})
    assert reached.status_code == 200

    numbers = [create(api, alice, {"client_id": acme.pk}).json()["number"] for _ in range(2)]

    assert numbers == [f"{YEAR}/{YEAR}", f"{YEAR}/{YEAR + 1}"]


def test_a_sequence_that_would_outgrow_the_column_is_422_not_a_500(api, alice, acme):
    long_number = f"{YEAR}/" + "9" * 35  # 40 characters: the next one would be 41
    assert create(api, alice, {"client_id": acme.pk, "number": long_number}).status_code == 200

    response = create(api, alice, {"client_id": acme.pk})

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [NUMBER_SEQUENCE_TOO_LONG.format(
        latest=long_number, max=40)]}
    assert create(api, alice, {"client_id": acme.pk, "number": f"{YEAR}/X1"}).status_code == 200


def test_with_verifactu_a_number_is_unique_in_the_account_across_years(api, alice, acme):
    make_invoice(alice.account, acme, number="UNICA-1", issue_date="2025-06-01")

    response = create(api, alice, {"client_id": acme.pk, "number": "UNICA-1"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"number": [NUMBER_TAKEN]}


def test_the_corrective_series_of_an_account_is_validated(api, alice):
    url = f"/api/v1/accounts/{alice.account.pk}.json"

    response = api.send("PUT", url, {"corrective_series": "R R"}, key=alice.api_key)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["corrective_series"]
