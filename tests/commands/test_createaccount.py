"""`manage.py createaccount`: an account and its owner from the command line, with an
api_key that works at once (what `make run` and operators use)."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, User
from facturagem.validators import INVALID_SPANISH_TAX_ID
from tests.conftest import PASSWORD


def create(*args: str, **options: str) -> str:
    out = StringIO()
    defaults = {
        "password": PASSWORD,
        "email": "erin@example.com",
        "account_name": "Erin Estudio Creativo SL",
        "tax_id": "b-12.345.674",
    }
    call_command("createaccount", *(args or ("erin",)), **{**defaults, **options}, stdout=out)
    return out.getvalue()


def test_createaccount_creates_the_account_and_its_owner(db):
    create("erin", first_name="Erin", last_name="Ortega")

    user = User.objects.get(login="erin")
    account = user.account
    assert (user.email, user.first_name, user.last_name) == ("erin@example.com", "Erin", "Ortega")
    assert user.check_password(PASSWORD)
    assert account.name == "Erin Estudio Creativo SL"
    assert account.tax_id == "B12345674"
    assert account.country_id == "ES"
    assert account.email == "erin@example.com"


def test_createaccount_prints_the_url_id_and_a_working_api_key(api, db):
    output = create()

    account = Account.objects.get(name="Erin Estudio Creativo SL")
    assert f"account: {account.pk}-erin-estudio-creativo-sl" in output
    key = re.search(r"api_key: (\S+)", output).group(1)
    session = api.send("GET", "/api/v1/session.json", key=key)
    assert session.status_code == 200
    assert session.json()["login"] == "erin"
    assert session.json()["account_id"] == account.pk


def test_the_printed_key_is_the_one_a_login_returns(api, db):
    output = create()

    key = re.search(r"api_key: (\S+)", output).group(1)
    login = api.send("POST", "/api/v1/session.json", {"login": "erin", "password": PASSWORD})
    assert login.json()["api_key"] == key


def test_a_foreign_account_keeps_its_country(db):
    create("pierre", email="pierre@example.com", account_name="Pierre SARL",
           tax_id="FR40303265045", country="FR")

    assert User.objects.get(login="pierre").account.country_id == "FR"


def test_a_bad_tax_id_is_a_command_error_and_creates_nothing(db):
    with pytest.raises(CommandError, match=INVALID_SPANISH_TAX_ID):
        create(tax_id="B12345670")

    assert not User.objects.filter(login="erin").exists()
    assert not Account.objects.filter(name="Erin Estudio Creativo SL").exists()


def test_a_login_that_is_taken_is_a_command_error_and_creates_no_account(db):
    create()
    accounts = Account.objects.count()

    with pytest.raises(CommandError):
        create("ERIN", email="other@example.com", account_name="Otra SL")

    assert Account.objects.count() == accounts


def test_a_missing_option_is_a_command_error(db):
    with pytest.raises(CommandError):
        call_command("createaccount", "erin", password=PASSWORD)
