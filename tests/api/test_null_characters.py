"""NUL characters: PostgreSQL refuses them in text, so they never reach a query. Any
parameter carrying one is a 400, wherever it comes from and whichever list it filters."""

import pytest

from facturagem.api.params import NULL_CHARACTER


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/accounts/{account}/clients.json?q=a%00b",
        "/api/v1/accounts/{account}/invoices.json?q=a%00b",
        "/api/v1/accounts/{account}/invoices.json?a%00b=1",
        "/api/v1/accounts/{account}/invoices/new.json?client_id=1%00",
    ],
)
def test_a_null_character_in_the_query_string_is_a_400(api, alice, path):
    response = api.send("GET", path.format(account=alice.account.pk), key=alice.api_key)
    assert response.status_code == 400
    assert response.json() == {"errors": {"base": [NULL_CHARACTER]}}


def test_a_null_character_in_a_json_body_is_a_400_and_nothing_is_created(api, alice):
    response = api.send(
        "POST", f"/api/v1/accounts/{alice.account.pk}/clients.json", {"name": "Ac\u0000me"},
        key=alice.api_key,
    )
    assert response.status_code == 400
    assert not alice.account.clients.exists()


def test_a_null_character_in_a_form_body_is_a_400(api, alice):
    response = api.send(
        "PUT", f"/api/v1/accounts/{alice.account.pk}.json", "name=A%00B",
        key=alice.api_key, content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
