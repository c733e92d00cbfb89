"""Passwords are hashed with Argon2id at OWASP's setting (accounts.hashers); hashes written
before (Django's PBKDF2) still log in and are rewritten as Argon2id; and a login that fails
for want of a user or of a password still costs one hash of the current hasher, as a wrong
password does (the tests otherwise hash with MD5, for speed)."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password

import facturagem.settings as production
from accounts import services
from accounts.hashers import Argon2idPasswordHasher
from accounts.models import User
from tests.conftest import PASSWORD


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS


def api_login(api, login, password, address):
    return api.send("POST", "/api/v1/session.json", {"login": login, "password": password},
                    REMOTE_ADDR=address)


def test_production_hashes_new_passwords_with_argon2id_at_the_owasp_setting(
    production_hashers,
):
    assert make_password(PASSWORD).startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_pbkdf2_hash_still_logs_in_and_is_rewritten_as_argon2id(
    api, db, production_hashers
):
    user = services.account_create(login="frank", password=None, email="frank@example.com",
                                   account_name="Frank SL", tax_id="B12345674")
    user.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    user.save(update_fields=["password"])

    response = api_login(api, "frank", PASSWORD, address="10.5.0.1")

    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).password.startswith("argon2$argon2id$")


class CountingArgon2id(Argon2idPasswordHasher):
    """Counts the Argon2id computations (a hash, or a check: the same work)."""

    computed = 0

    def encode(self, password, salt):
        type(self).computed += 1
        return super().encode(password, salt)

    def verify(self, password, encoded):
        type(self).computed += 1
        return super().verify(password, encoded)


def test_unknown_login_wrong_password_and_no_password_cost_one_argon2id_each(
    api, settings, db
):
    settings.PASSWORD_HASHERS = [
        "tests.api.test_password_hashing.CountingArgon2id",
        *production.PASSWORD_HASHERS[1:],
    ]
    services.account_create(login="erin", password=PASSWORD, email="erin@example.com",
                            account_name="Erin SL", tax_id="B12345674")
    services.account_create(login="dora", password=None, email="dora@example.com",
                            account_name="Dora SL", tax_id="12345678Z")
    counter = type(get_hasher())

    def computed_by(login: str) -> int:
        counter.computed = 0
        assert api_login(api, login, "wrong", address=f"10.6.0.{len(login)}").status_code == 401
        return counter.computed

    assert [computed_by("nobody"), computed_by("erin"), computed_by("dora")] == [1, 1, 1]
