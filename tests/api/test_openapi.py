"""The OpenAPI 3 document of the v1 API (CONTRACT §10): generated from the URL resolver and
the views' declarations, served at /api/v1/openapi.json, rendered at /docs/reference without
a CDN — and then used to fuzz every operation with schemathesis, so that the next bug like
the all-digit parameter name is found by a test: never a 5xx, every answer as documented."""

import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework import serializers
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from facturagem.api.openapi import api_endpoints
from invoices.services import invoice_register_payment
from tests.factories import make_client, make_invoice
from webhooks.services import webhook_create

D = "/api/v1/openapi.json"


@pytest.fixture
def document(api, db):
    response = api.get(D)
    assert response.status_code == 200
    return response.json()


def test_the_document_served_is_the_one_the_fuzzer_reads(document):
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from facturagem.api.openapi import Generator

    generated = Generator().get_schema(request=None, public=True)
    assert json.loads(OpenApiJsonRenderer().render(generated))["paths"] == document["paths"]


def test_the_document_is_openapi_3_and_needs_no_key(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "FACTURAgem API v1"


def test_every_route_of_the_resolver_is_there_with_both_suffixes(document):
    from facturagem.urls import api_v1
    from playground.routes import api_routes

    assert api_v1  # the routes come from the resolver, not from a list kept here
    expected = set()
    for route in api_routes():
        path = re.sub(r"{(\w+)}", r"{\1}", route["path"])
        # Resources in both formats; a document route (FacturaE) in its own suffixes.
        formats = ["json", "xml"] if "json" in route["formats"] else route["formats"]
        for fmt in formats:
            for method in route["methods"]:
                expected.add((f"{path}.{fmt}", method.lower()))
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}

    assert expected <= documented
    assert ("/api/v1/accounts/{account_id}/invoices/{id}.pdf", "get") in documented
    assert len(documented) == len(api_endpoints())


def test_operations_declare_their_parameters_bodies_and_error_shapes(document):
    create = document["paths"]["/api/v1/accounts/{account_id}/invoices.json"]["post"]
    listing = document["paths"]["/api/v1/accounts/{account_id}/invoices.json"]["get"]

    assert set(create["requestBody"]["content"]) == {
        "application/json", "application/x-www-form-urlencoded", "application/xml"
    }
    assert {p["name"] for p in listing["parameters"]} >= {"account_id", "page", "per_page",
                                                          "client_id", "strict"}
    codes = {"200", "400", "401", "404", "406", "413", "415", "422", "429"}
    assert codes <= set(create["responses"])
    errors = create["responses"]["422"]["content"]["application/json"]["schema"]
    assert errors["properties"]["allowed_params"]["type"] == "array"
    assert document["components"]["securitySchemes"]["ApiKeyHeader"]["name"] == "X-Api-Key"


def test_the_reference_page_renders_the_document_without_a_cdn(api, db):
    response = api.get("/docs/reference")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'spec-url="/api/v1/openapi.json"' in html
    assert re.findall(r'src="([^"]+)"', html) == [
        "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
    ]
    assert "https://" not in html


def test_the_playground_links_to_the_reference(api, db):
    assert b'href="/docs/reference"' in api.get("/playground/").content


# -- fuzzing ------------------------------------------------------------------------------


@pytest.fixture
def objects(alice):
    """Real objects of Alice's for half of the generated ids to point at."""
    client = make_client(alice.account)
    invoice = make_invoice(alice.account, client)
    from decimal import Decimal

    payment = invoice_register_payment(invoice=invoice, amount=Decimal("1.00"))
    webhook = webhook_create(account=alice.account, url="https://hooks.example.com/",
                             events=["invoice.issued"]).webhook
    return {"clients": client.pk, "invoices": invoice.pk, "payments": payment.pk,
            "accounts": alice.account.pk, "webhooks": webhook.pk}


def load_schema():
    """The document the service serves (the test above compares them), loaded when the
    tests are collected; the requests then go to the WSGI application in-process, inside
    each test's database transaction."""
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from facturagem.api.openapi import Generator
    from facturagem.wsgi import application

    document = Generator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = application
    return loaded


schema = load_schema()

FUZZ = settings(
    max_examples=8,
    derandomize=True,  # seeded: the same cases on every run
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def point_at_real_objects(case, alice, objects) -> None:
    """`account_id` is always Alice's (other accounts are 404, tested elsewhere); other ids
    are Alice's real objects when the generated one is odd, so that both a found and a
    missing object are exercised."""
    parameters = case.path_parameters or {}
    if "account_id" in parameters:
        parameters["account_id"] = alice.account.url_id
    segments = case.operation.path.split("/")
    for name, value in list(parameters.items()):
        if name in ("account_id", "code"):
            continue
        leading = re.match(r"\d+", str(value))
        if leading and int(leading.group()) % 2:
            continue
        collection = {"client_id": "clients", "invoice_id": "invoices",
                      "webhook_id": "webhooks"}.get(name)
        if collection is None:  # `id`: the collection before it in the path
            position = next(i for i, s in enumerate(segments) if s.startswith("{id}"))
            collection = segments[position - 1]
        parameters[name] = str(objects.get(collection, value))


@pytest.fixture
def in_process_wsgi():
    """What Django's test client does around a request: the test's database connection
    (and its transaction) must outlive each request, which would otherwise close it."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@FUZZ
def test_no_operation_answers_5xx_or_off_its_documented_shape(
    case, alice, objects, in_process_wsgi
):
    point_at_real_objects(case, alice, objects)

    case.call_and_validate(
        headers={"X-Api-Key": alice.api_key},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


# -- new resources need no edit here ------------------------------------------------------


class UploadFileField(serializers.Field):
    """A file, or its base64."""


class FancyUpload(serializers.Serializer):
    upload = UploadFileField()
    note = serializers.CharField()


def test_a_resources_own_field_type_is_described_not_guessed():
    from facturagem.api.openapi import CustomFieldSchema, LinksFieldSchema

    field = FancyUpload().fields["upload"]

    assert CustomFieldSchema._matches(field)
    assert not CustomFieldSchema._matches(FancyUpload().fields["note"])
    assert CustomFieldSchema(field).map_serializer_field(None, "request") == {
        "description": "A file, or its base64."
    }
    assert LinksFieldSchema.priority > CustomFieldSchema.priority


def test_a_body_with_a_file_is_also_multipart():
    from facturagem.api.openapi import _takes_files

    assert _takes_files(FancyUpload())
    assert not _takes_files(serializers.Serializer())


def test_generating_the_document_warns_about_nothing():
    """`manage.py check --deploy` fails on drf-spectacular's warnings: a route whose
    declarations the generator cannot read shows up here first."""
    from drf_spectacular.drainage import GENERATOR_STATS

    from facturagem.api.openapi import Generator

    GENERATOR_STATS.reset()
    Generator().get_schema(request=None, public=True)

    assert not GENERATOR_STATS, (dict(GENERATOR_STATS._warn_cache),
                                 dict(GENERATOR_STATS._error_cache))
