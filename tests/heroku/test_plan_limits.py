"""A Heroku add-on plan's limits hold where clients and invoices are created; accounts that
did not come through Heroku have none."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.limits import CLIENT_LIMIT_REACHED, INVOICE_LIMIT_REACHED
from clients.services import client_create
from heroku.models import Plan
from heroku.services import resource_change_plan, resource_provision
from invoices.services import LineData, invoice_create

LINE = LineData("Servicio", Decimal("1"), Decimal("10"), Decimal("21"))


@pytest.fixture
def test_plan_account(db):
    resource = resource_provision(uuid=uuid.uuid4(), plan="test", name="limited-app").resource
    account = resource.account
    # A provisioned account has no NIF yet; invoices under VERI*FACTU need one.
    account.tax_id = "B12345674"
    account.save(update_fields=["tax_id"])
    return account


def test_the_test_plan_refuses_a_client_beyond_its_limit(test_plan_account):
    plan = Plan.objects.get(slug="test")
    for n in range(plan.max_clients):
        client_create(account=test_plan_account, data={"name": f"Cliente {n}"})
    with pytest.raises(ValidationError) as refused:
        client_create(account=test_plan_account, data={"name": "Uno de más"})
    expected = CLIENT_LIMIT_REACHED.format(plan=plan.name, limit=plan.max_clients)
    assert refused.value.message_dict == {"base": [expected]}


def test_the_test_plan_refuses_an_invoice_beyond_its_monthly_limit(test_plan_account):
    plan = Plan.objects.get(slug="test")
    client = client_create(account=test_plan_account,
                           data={"name": "Cliente", "tax_id": "B87654323"})
    for _ in range(plan.max_invoices_per_month):
        invoice_create(account=test_plan_account, client=client, lines=[LINE], data={})
    with pytest.raises(ValidationError) as refused:
        invoice_create(account=test_plan_account, client=client, lines=[LINE], data={})
    expected = INVOICE_LIMIT_REACHED.format(plan=plan.name, limit=plan.max_invoices_per_month)
    assert refused.value.message_dict == {"base": [expected]}


def test_a_larger_plan_lifts_the_limit(test_plan_account):
    plan = Plan.objects.get(slug="test")
    for n in range(plan.max_clients):
        client_create(account=test_plan_account, data={"name": f"Cliente {n}"})
    resource_change_plan(uuid=test_plan_account.heroku_resource.uuid, plan="pro")
    client_create(account=test_plan_account, data={"name": "Ahora sí"})


def test_the_limit_reaches_the_api_as_a_422(api, test_plan_account):
    from accounts.services import api_key_for

    plan = Plan.objects.get(slug="test")
    for n in range(plan.max_clients):
        client_create(account=test_plan_account, data={"name": f"Cliente {n}"})
    key = api_key_for(test_plan_account.users.get())
    response = api.send(
        "POST", f"/api/v1/accounts/{test_plan_account.pk}/clients.json", {"name": "X"}, key=key
    )
    assert response.status_code == 422
    assert response.json()["errors"]["base"] == [
        CLIENT_LIMIT_REACHED.format(plan=plan.name, limit=plan.max_clients)
    ]


def test_accounts_outside_heroku_have_no_limits(alice):
    for n in range(Plan.objects.get(slug="test").max_clients + 1):
        client_create(account=alice.account, data={"name": f"Cliente {n}"})
