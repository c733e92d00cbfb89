"""Accounts, users and API sessions: the business rules, one transaction each."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from stdnum.es import nif as es_nif

from accounts import api_keys
from accounts.models import Account, User
from facturagem.db import by_key
from facturagem.validators import (
    normalize_iban,
    normalize_tax_id,
    validate_iban,
    validate_tax_id,
)

# One message for every refused login (unknown login, wrong password, a user who has no
# password): which case it is must not tell whether the login exists (CONTRACT §2).
INVALID_CREDENTIALS = (
    "Invalid login or password (a user who signed up through Heroku or another "
    "third party has no password until they set one)"
)
INACTIVE_ACCOUNT = "This account is not active"
VERIFACTU_NEEDS_NIF = "can't be switched on without a valid Spanish NIF as tax_id"
VERIFACTU_KEEPS_NIF = "must be a valid Spanish NIF while VERI*FACTU is on"
VERIFACTU_OFF_WITH_RECORDS = (
    "can't be switched off: the account has generated VERI*FACTU records this calendar year"
)


class AuthenticationFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ApiSession:
    user: User
    api_key: str


def _clean_fiscal_fields(data: dict[str, Any], *, country: str) -> dict[str, Any]:
    if "tax_id" in data:
        data["tax_id"] = normalize_tax_id(data["tax_id"])
    if "iban" in data:
        data["iban"] = normalize_iban(data["iban"])
    errors: dict[str, list[str]] = {}
    try:
        validate_tax_id(data.get("tax_id", ""), country)
    except ValidationError as error:
        errors["tax_id"] = error.messages
    try:
        validate_iban(data.get("iban", ""))
    except ValidationError as error:
        errors["iban"] = error.messages
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def account_create(
    *,
    login: str,
    password: str | None,
    email: str,
    account_name: str,
    tax_id: str = "",
    first_name: str = "",
    last_name: str = "",
    country: str = "ES",
    **account_fields: Any,
) -> User:
    """Creates an account and its owner. A `None` password makes a user who cannot open
    API sessions (third-party sign-ups, Heroku add-on installs)."""
    fields = _clean_fiscal_fields(
        {"tax_id": tax_id, **account_fields}, country=country
    )
    account = Account(name=account_name, email=email, country_id=country.upper(), **fields)
    account.full_clean()
    account.save()
    user = User(
        login=login, email=email, first_name=first_name, last_name=last_name, account=account
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def _check_verifactu_switch(account: Account, data: dict[str, Any]) -> None:
    """CONTRACT §8: on needs a valid Spanish NIF; off only while no record was generated
    this calendar year. While on, the NIF stays a valid Spanish one."""
    switching_off = data.get("verifactu") is False and account.verifactu
    on = data.get("verifactu", account.verifactu)
    if switching_off:
        year_start = timezone.localtime().replace(
            month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        # `records`: the chain the verifactu app keeps for the account (its related name).
        if account.records.filter(created_at__gte=year_start).exists():
            raise ValidationError({"verifactu": [VERIFACTU_OFF_WITH_RECORDS]})
    tax_id = data.get("tax_id", account.tax_id)
    if data.get("verifactu") and not account.verifactu and not _is_spanish_nif(tax_id):
        raise ValidationError({"verifactu": [VERIFACTU_NEEDS_NIF]})
    # While on, a tax id is a Spanish NIF (none yet is allowed: no invoice can be issued).
    if on and "tax_id" in data and tax_id and not _is_spanish_nif(tax_id):
        raise ValidationError({"tax_id": [VERIFACTU_KEEPS_NIF]})


def _is_spanish_nif(tax_id: str) -> bool:
    tax_id = normalize_tax_id(tax_id)
    tax_id = tax_id[2:] if len(tax_id) == 11 and tax_id.startswith("ES") else tax_id
    return bool(tax_id) and es_nif.is_valid(tax_id)


@transaction.atomic(savepoint=False)  # in the caller's transaction, which the lock lasts
def account_lock(account_id: int, *fields: str) -> tuple | None:
    """Locks the account row until the transaction ends — what is serial per account
    (numbering and the chain of records, the plan's counts, a client's deletion against an
    invoice's creation) takes it — and returns `fields` as they stand under the lock (None
    when the account is gone)."""
    return _locking(account_id).values_list("pk", *fields).first()


def account_lock_statement(account_id: int) -> tuple[str, tuple]:
    """The SQL and parameters of a statement that takes `account_lock` (inside a
    transaction), to send together with what follows it in one round trip."""
    return _locking(account_id).values_list("pk").query.sql_with_params()


def _locking(account_id: int) -> QuerySet[Account]:
    return Account.objects.select_for_update().filter(pk=account_id)


def account_update(*, account: Account, data: dict[str, Any]) -> Account:
    country = data.get("country", account.country_id)
    merged = {"tax_id": account.tax_id, "iban": account.iban, **data}
    data = {**data, **_clean_fiscal_fields(merged, country=country)}
    # The switch and the NIF are read under the account lock that issuing takes.
    locked = _locking(account.pk).get()
    _check_verifactu_switch(locked, data)
    for name, value in data.items():
        setattr(account, "country_id" if name == "country" else name, value)
    account.full_clean()
    account.save()
    return account


@transaction.atomic
def account_set_limits(
    *,
    account: Account,
    plan_name: str,
    max_clients: int | None,
    max_invoices_per_month: int | None,
    api_requests_per_hour: int | None,
) -> Account:
    """The limits of the plan the account is on (None: unlimited / the default rate)."""
    account.plan_name = plan_name
    account.max_clients = max_clients
    account.max_invoices_per_month = max_invoices_per_month
    account.api_requests_per_hour = api_requests_per_hour
    account.save(
        update_fields=[
            "plan_name", "max_clients", "max_invoices_per_month", "api_requests_per_hour",
            "updated_at",
        ]
    )
    return account


def api_key_for(user: User) -> str:
    """The user's current key, issuing one if the user has none (one key at a time)."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.api_key_salt:
            locked.api_key_salt = api_keys.new_salt()
            locked.api_key_digest = api_keys.digest(api_keys.derive(locked.pk, locked.api_key_salt))
            locked.save(update_fields=["api_key_salt", "api_key_digest"])
    user.api_key_salt = locked.api_key_salt
    user.api_key_digest = locked.api_key_digest
    return api_keys.derive(user.pk, user.api_key_salt)


def session_create(*, request: HttpRequest, login: str, password: str) -> ApiSession:
    """Logs in with login name or e-mail through Django's authenticate(), so that failures
    are counted and throttled as the other logins' are (accounts.throttling). Raises
    AuthenticationFailed (→ 401; 429 once the login or the address is locked out)."""
    user = authenticate(request, username=login, password=password)
    if user is None:
        raise AuthenticationFailed(INVALID_CREDENTIALS)
    if user.account is None or not user.account.is_active:
        raise AuthenticationFailed(INACTIVE_ACCOUNT)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return ApiSession(user=user, api_key=api_key_for(user))


def session_destroy(*, user: User) -> None:
    """Invalidates the user's key on every device; the next login issues a new one."""
    User.objects.filter(pk=user.pk).update(api_key_salt="", api_key_digest=None)
    user.api_key_salt = ""
    user.api_key_digest = None


def user_for_api_key(api_key: str) -> User | None:
    if not api_key or len(api_key) > 200:
        return None
    # The digest is unique: one row by it, without an ORDER BY.
    user = by_key(User.objects.select_related("account").filter(
        api_key_digest=api_keys.digest(api_key)
    ))
    if user is None or not api_keys.matches(api_key, user_id=user.pk, salt=user.api_key_salt):
        return None
    if not user.is_active or user.account is None or not user.account.is_active:
        return None
    return user
