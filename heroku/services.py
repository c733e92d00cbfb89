"""The Heroku add-on's business rules (Add-on Partner API v3): provision, change plan,
deprovision, and the single sign-on check. One transaction each; keyword-only arguments.

Errors are `HerokuError`s carrying the HTTP status Heroku expects and a message Heroku
shows to the user.
"""

import logging
import re
import time
import uuid as uuid_module
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account
from accounts.services import account_create, account_set_limits, api_key_for
from heroku import selectors, tokens
from heroku.models import AddonResource, Plan

logger = logging.getLogger(__name__)

PROVISIONED = (
    "FACTURAgem is ready: FACTURAGEM_URL and FACTURAGEM_API_KEY are in your app's config "
    "vars. Open FACTURAgem from your Heroku dashboard to see your api_key and invoices."
)
PLAN_CHANGED = "Plan changed to {plan}."
PLAN_UNCHANGED = "Already on the {plan} plan: nothing changed."
UNKNOWN_PLAN = "Unknown plan {plan!r}. Plans: {plans}."
RESOURCE_NOT_FOUND = "No FACTURAgem add-on with this id."
RESOURCE_GONE = (
    "This FACTURAgem add-on was deprovisioned. Its invoices are kept, as Spanish law "
    "requires; contact support to recover them."
)
PROVISION_CONFLICT = "This add-on could not be provisioned: {reason}"

SSO_INVALID_TOKEN = "The single sign-on token is not valid."  # noqa: S105 (a message)
SSO_MISSING_FIELDS = "The single sign-on request is incomplete."
SSO_INVALID_TIMESTAMP = "The single sign-on timestamp is not valid."
SSO_EXPIRED = "This single sign-on link has expired: open FACTURAgem from Heroku again."
SSO_DEPROVISIONED = "This FACTURAgem add-on was deprovisioned."

LOGIN_PREFIX = "heroku-"
ACCOUNT_NAME_MAX = Account._meta.get_field("name").max_length
_TIMESTAMP = re.compile(r"\A\d{1,12}\Z")


class HerokuError(Exception):
    status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(HerokuError):
    status = 422


class UnknownPlan(HerokuError):
    status = 422


class ResourceNotFound(HerokuError):
    status = 404


class ResourceGone(HerokuError):
    status = 410


class SsoRefused(HerokuError):
    status = 403


@dataclass(frozen=True)
class Provisioning:
    resource: AddonResource
    api_key: str
    created: bool


@dataclass(frozen=True)
class PlanChange:
    resource: AddonResource
    changed: bool


def login_for(uuid: UUID) -> str:
    return f"{LOGIN_PREFIX}{uuid}"


def plan_get(slug: str) -> Plan:
    plan = Plan.objects.filter(slug=slug).first() if isinstance(slug, str) else None
    if plan is None:
        raise UnknownPlan(UNKNOWN_PLAN.format(plan=slug, plans=", ".join(selectors.plan_slugs())))
    return plan


def apply_plan(account: Account, plan: Plan) -> None:
    """The add-on's plans are mapped onto the account's own limits (accounts.limits)."""
    account_set_limits(
        account=account,
        plan_name=plan.name,
        max_clients=plan.max_clients,
        max_invoices_per_month=plan.max_invoices_per_month,
        api_requests_per_hour=plan.api_requests_per_hour,
    )


def _replay(resource: AddonResource) -> Provisioning:
    """A repeated provisioning call: the same answer, nothing created."""
    if not resource.is_active:
        raise ResourceGone(RESOURCE_GONE)
    return Provisioning(resource=resource, api_key=api_key_for(resource.owner), created=False)


@transaction.atomic
def resource_provision(
    *,
    uuid: UUID,
    plan: str,
    name: str = "",
    region: str = "",
    callback_url: str = "",
    options: dict[str, Any] | None = None,
) -> Provisioning:
    """Creates the app's account, its password-less owner and the resource row, or answers
    a repeated call for the same uuid with what the first one created.

    Concurrent calls for one uuid race on the database's unique constraints (the owner's
    login is derived from the uuid, and the uuid itself is unique): the loser's savepoint
    rolls back and it answers with the winner's resource.
    """
    existing = selectors.resource_find(uuid)
    if existing is not None:
        return _replay(existing)
    plan_obj = plan_get(plan)
    try:
        with transaction.atomic():
            owner = account_create(
                login=login_for(uuid),
                password=None,
                email="",
                account_name=(name or f"Heroku add-on {uuid}")[:ACCOUNT_NAME_MAX],
            )
            resource = AddonResource(
                uuid=uuid,
                account=owner.account,
                owner=owner,
                plan=plan_obj,
                name=name,
                region=region,
                callback_url=callback_url,
                options=options or {},
            )
            # Uniqueness is the database's job (see the docstring): no racy pre-check.
            resource.full_clean(validate_unique=False, validate_constraints=False)
            resource.save()
            apply_plan(owner.account, plan_obj)
    except (IntegrityError, ValidationError) as error:
        winner = selectors.resource_find(uuid)
        if winner is not None:
            return _replay(winner)
        reason = "; ".join(error.messages) if isinstance(error, ValidationError) else "conflict"
        raise InvalidRequest(PROVISION_CONFLICT.format(reason=reason)) from error
    logger.info(
        "heroku: provisioned %s on plan %s (account %s)", uuid, plan_obj.slug, owner.account_id
    )
    return Provisioning(resource=resource, api_key=api_key_for(owner), created=True)


def _locked_active_resource(uuid: UUID) -> AddonResource:
    # Lock the resource row only, not the plan row it joins.
    resource = (
        AddonResource.objects.select_for_update(of=("self",))
        .select_related("plan")
        .filter(uuid=uuid)
        .first()
    )
    if resource is None:
        raise ResourceNotFound(RESOURCE_NOT_FOUND)
    if not resource.is_active:
        raise ResourceGone(RESOURCE_GONE)
    return resource


@transaction.atomic
def resource_change_plan(*, uuid: UUID, plan: str) -> PlanChange:
    """Idempotent: the plan the resource is already on is a no-op."""
    resource = _locked_active_resource(uuid)
    new_plan = plan_get(plan)
    if resource.plan_id == new_plan.slug:
        return PlanChange(resource=resource, changed=False)
    old = resource.plan_id
    resource.plan = new_plan
    resource.plan_changed_at = timezone.now()
    resource.save(update_fields=["plan", "plan_changed_at"])
    apply_plan(resource.account, new_plan)
    logger.info("heroku: %s changed plan %s -> %s", uuid, old, new_plan.slug)
    return PlanChange(resource=resource, changed=True)


@transaction.atomic
def resource_deprovision(*, uuid: UUID) -> AddonResource:
    """Deactivates the account (its api_keys stop working) and keeps all of its data."""
    resource = _locked_active_resource(uuid)
    resource.deprovisioned_at = timezone.now()
    resource.save(update_fields=["deprovisioned_at"])
    Account.objects.filter(pk=resource.account_id).update(
        is_active=False, updated_at=resource.deprovisioned_at
    )
    logger.info("heroku: deprovisioned %s (account %s kept, inactive)", uuid, resource.account_id)
    return resource


def sso_verify(
    *,
    resource_id: str,
    timestamp: str,
    resource_token: str = "",
    user_scoped_resource_token: str = "",
    user_id: str = "",
    email: str = "",
    now: float | None = None,
) -> AddonResource:
    """Checks a single sign-on request and returns the resource to sign in to.

    Every token sent must be right (`resource_token`, `user_scoped_resource_token`, and
    the legacy `token` passed as `resource_token`), at least one must be sent, and the
    timestamp must be within five minutes of now. Tokens are checked before the resource
    is looked up, so that nobody without the salt learns which resources exist.
    """
    salt = settings.HEROKU_SSO_SALT
    if not salt or not resource_id or not timestamp:
        raise SsoRefused(SSO_MISSING_FIELDS)
    if not (resource_token or user_scoped_resource_token):
        raise SsoRefused(SSO_MISSING_FIELDS)
    if user_scoped_resource_token and not (user_id and email):
        raise SsoRefused(SSO_MISSING_FIELDS)
    if not _TIMESTAMP.match(timestamp):
        raise SsoRefused(SSO_INVALID_TIMESTAMP)

    results = []
    if resource_token:
        expected = tokens.resource_token(resource_id, salt, timestamp)
        results.append(tokens.token_matches(expected, resource_token))
    if user_scoped_resource_token:
        expected = tokens.user_scoped_resource_token(resource_id, salt, timestamp, user_id, email)
        results.append(tokens.token_matches(expected, user_scoped_resource_token))
    if not all(results):
        raise SsoRefused(SSO_INVALID_TOKEN)
    if not tokens.timestamp_is_fresh(int(timestamp), now=time.time() if now is None else now):
        raise SsoRefused(SSO_EXPIRED)

    try:
        uuid = uuid_module.UUID(resource_id)
    except ValueError as error:
        raise ResourceNotFound(RESOURCE_NOT_FOUND) from error
    resource = selectors.resource_find(uuid)
    if resource is None:
        raise ResourceNotFound(RESOURCE_NOT_FOUND)
    if not resource.is_active or not resource.account.is_active:
        raise SsoRefused(SSO_DEPROVISIONED)
    return resource
