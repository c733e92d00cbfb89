"""Heroku's provisioning and plan-change bodies are JSON from the internet too: NUL
characters, lone surrogates and deep nesting are a 400 or normalised, never a 500."""

import json

import pytest

from facturagem.api.params import NULL_CHARACTER
from heroku.models import AddonResource
from tests.heroku.conftest import _provision_body

DEEP = '{"uuid": "x", "plan": "test", "options": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize("field", ["plan", "name", "region", "callback_url", "uuid"])
def test_a_null_character_in_a_provisioning_field_is_a_400(heroku, db, field):
    body = _provision_body(**{field: "test\u0000x"})

    response = heroku.provision(body)

    assert response.status_code == 400
    assert response.json() == {"message": NULL_CHARACTER}
    assert not AddonResource.objects.exists()


def test_a_null_character_in_the_options_is_a_400(heroku, db):
    response = heroku.provision(_provision_body(options={"a\u0000": "b"}))

    assert response.status_code == 400


@pytest.mark.parametrize("field", ["name", "region", "callback_url"])
def test_a_lone_surrogate_in_a_provisioning_field_is_stored_as_a_replacement(heroku, db, field):
    body = json.dumps(_provision_body(**{field: "x\ud800y"}))

    response = heroku.provision(body)

    assert response.status_code == 200
    assert getattr(AddonResource.objects.get(), field) == "x\ufffdy"


def test_a_lone_surrogate_as_the_plan_is_an_unknown_plan(heroku, db):
    response = heroku.provision(json.dumps(_provision_body(plan="\udfff")))

    assert response.status_code == 422


def test_deeply_nested_provisioning_json_is_a_400(heroku, db):
    response = heroku.provision(DEEP)

    assert response.status_code == 400


@pytest.mark.parametrize("plan", ["basic\u0000", "\ud800", {"a": [[[]]]}])
def test_a_hostile_plan_change_is_a_4xx(heroku, provisioned, plan):
    uuid, _ = provisioned

    response = heroku.call("PUT", f"/heroku/resources/{uuid}", json.dumps({"plan": plan}))

    assert 400 <= response.status_code < 500


def test_a_deeply_nested_plan_change_is_a_400(heroku, provisioned):
    uuid, _ = provisioned

    response = heroku.call("PUT", f"/heroku/resources/{uuid}", DEEP)

    assert response.status_code == 400
