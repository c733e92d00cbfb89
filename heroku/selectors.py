"""Reads for the Heroku add-on: plans, resources, and what the dashboard shows."""

import uuid as uuid_module
from typing import Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from accounts.models import Account, User
from heroku.models import AddonResource, Plan

RECENT_INVOICES = 10


def heroku_enabled() -> bool:
    """The add-on is on only when all of its shared secrets are configured."""
    return bool(
        settings.HEROKU_ADDON_ID and settings.HEROKU_ADDON_PASSWORD and settings.HEROKU_SSO_SALT
    )


def plan_slugs() -> list[str]:
    return list(Plan.objects.values_list("slug", flat=True))


def resource_find(uuid: UUID) -> AddonResource | None:
    return (
        AddonResource.objects.select_related("account", "owner", "plan")
        .filter(uuid=uuid)
        .first()
    )


def account_plan(account: Account) -> Plan | None:
    """The plan limiting an account: its add-on's plan, or None (not a Heroku install)."""
    resource = (
        AddonResource.objects.select_related("plan")
        .filter(account=account, deprovisioned_at__isnull=True)
        .first()
    )
    return resource.plan if resource else None


def recent_invoices(account: Account, *, limit: int = RECENT_INVOICES) -> list[Any]:
    """The account's newest invoices; [] while the invoices app has no Invoice model."""
    try:
        invoice_model = apps.get_model("invoices", "Invoice")
    except LookupError:
        return []
    return list(
        invoice_model.objects.filter(account=account).order_by("-issue_date", "-id")[:limit]
    )


def dashboard_resource(
    *, user: User | AnonymousUser, resource_uuid: str | None
) -> AddonResource | None:
    """The resource a signed-in session came through Heroku for, while it is active."""
    if not user.is_authenticated or not resource_uuid:
        return None
    try:
        uuid = uuid_module.UUID(resource_uuid)
    except ValueError:
        return None
    resource = resource_find(uuid)
    if resource is None or resource.owner_id != user.pk:
        return None
    if not resource.is_active or not resource.account.is_active:
        return None
    return resource
