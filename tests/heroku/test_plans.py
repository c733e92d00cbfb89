"""The plans table (a data migration) and its read-only admin; the system check that
catches a half-configured add-on."""

import pytest
from django.core.management import call_command

from heroku.checks import heroku_settings_complete
from heroku.models import Plan

pytestmark = pytest.mark.django_db


def test_the_plans_are_test_basic_and_pro_with_their_limits():
    plans = {
        plan.slug: (plan.max_invoices_per_month, plan.max_clients)
        for plan in Plan.objects.all()
    }

    assert plans == {"test": (10, 5), "basic": (100, 100), "pro": (None, None)}
    assert list(Plan.objects.values_list("slug", flat=True)) == ["test", "basic", "pro"]


@pytest.fixture
def staff(admin_client):
    return admin_client


def test_the_admin_lists_plans_and_resources_read_only(staff):
    assert staff.get("/admin/heroku/plan/").status_code == 200
    assert staff.get("/admin/heroku/plan/pro/change/").status_code == 200
    assert staff.get("/admin/heroku/plan/add/").status_code == 403
    assert staff.post("/admin/heroku/plan/pro/delete/").status_code == 403
    assert staff.get("/admin/heroku/addonresource/").status_code == 200
    assert staff.get("/admin/heroku/addonresource/add/").status_code == 403


def test_a_partly_configured_add_on_is_a_warning(settings):
    settings.HEROKU_ADDON_ID = "facturagem"
    settings.HEROKU_ADDON_PASSWORD = ""
    settings.HEROKU_SSO_SALT = "salt"

    warnings = heroku_settings_complete(None)

    assert [w.id for w in warnings] == ["heroku.W001"]
    assert "HEROKU_ADDON_PASSWORD" in warnings[0].msg


@pytest.mark.parametrize("value", ["", "x"])
def test_all_or_nothing_is_no_warning(settings, value):
    for name in ("HEROKU_ADDON_ID", "HEROKU_ADDON_PASSWORD", "HEROKU_SSO_SALT"):
        setattr(settings, name, value)

    assert heroku_settings_complete(None) == []


def test_the_models_match_the_migrations():
    call_command("makemigrations", "heroku", "--check", "--dry-run", verbosity=0)
