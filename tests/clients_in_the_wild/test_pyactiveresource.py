"""pyactiveresource 2.2 — what legacy Python integrators run — driving the live server the
way an integrator's script does, in JSON and in XML: create, find, change, save, save
again the object that create returned, validation errors, an unknown parameter, destroy.
Nothing here is adapted to the server: if a real client cannot read it, this fails."""

import pytest
from pyactiveresource import connection, formats
from pyactiveresource.activeresource import ActiveResource

from facturagem.validators import INVALID_SPANISH_TAX_ID
from tests.factories import make_client

FORMATS = {"json": formats.JSONFormat, "xml": formats.XMLFormat}

# The live server needs a transactional database; serialized_rollback keeps the countries
# the migrations load for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(params=["json", "xml"])
def resources(request, live_server, alice):
    """The integrator's resource classes, authenticated with HTTP Basic (the api_key as the
    user name), as ActiveResource's `site`/`user` settings send it."""
    site = f"{live_server.url}/api/v1/"

    def resource(name: str, prefix: str, **attrs) -> type:
        return type(name, (ActiveResource,), {
            "_site": site + prefix, "_format": FORMATS[request.param],
            "_user": alice.api_key, "_password": "x", **attrs,
        })

    account = {"account_id": alice.account.pk}
    return {
        "Client": resource("Client", "accounts/$account_id/"),
        "Invoice": resource("Invoice", "accounts/$account_id/"),
        "Payment": resource("Payment", "accounts/$account_id/invoices/$invoice_id/"),
        "account": account,
        "format": request.param,
    }


def test_clients_round_trip(resources, alice):
    Client, account = resources["Client"], resources["account"]

    created = Client({"name": "Acme Distribuciones SL", "tax_id": "B87654323"}, account)
    assert created.save(), created.errors.full_messages()
    assert isinstance(created.id, int)
    assert created.account_id == alice.account.pk

    created.notes = "Pagos a 30 días"
    assert created.save(), created.errors.full_messages()  # the object create returned
    created.email = "facturas@acme.example"
    assert created.save(), created.errors.full_messages()  # and again

    found = Client.find(created.id, **account)
    assert (found.name, found.tax_id, found.notes) == (
        "Acme Distribuciones SL", "B87654323", "Pagos a 30 días"
    )
    found.city = "Soria"
    assert found.save(), found.errors.full_messages()
    # Rebuilt from its own attributes, as Ruby's ActiveResource does for its URL prefix.
    rebuilt = Client(Client.find(created.id, **account).to_dict(), {"account_id": found.account_id})
    rebuilt.phone = "975 000 000"
    assert rebuilt.save(), rebuilt.errors.full_messages()

    again = Client.find(created.id, **account)
    assert (again.city, again.notes, again.email, again.phone) == (
        "Soria", "Pagos a 30 días", "facturas@acme.example", "975 000 000"
    )

    created.destroy()
    with pytest.raises(connection.ResourceNotFound):
        Client.find(created.id, **account)


def test_client_validation_errors_are_read_by_the_client(resources):
    Client, account = resources["Client"], resources["account"]

    blank = Client({"name": ""}, account)
    bad_nif = Client({"name": "Acme", "tax_id": "12345678A"}, account)

    assert blank.save() is False
    assert blank.errors.full_messages() == ["name can't be blank"]
    assert bad_nif.save() is False
    # pyactiveresource matches an XML message to an attribute by its first word only: a
    # two-word attribute's message is a whole sentence on `base`, as Rails wrote it.
    assert bad_nif.errors.full_messages() == [
        f"tax_id {INVALID_SPANISH_TAX_ID}" if resources["format"] == "json"
        else f"Tax id {INVALID_SPANISH_TAX_ID}"
    ]


def test_an_unknown_parameter_is_an_error_the_client_reads(resources):
    Client, account = resources["Client"], resources["account"]

    client = Client({"name": "Acme", "colour": "red"}, account)

    assert client.save() is False
    messages = client.errors.full_messages()
    assert any("colour" in m.lower() and "is not an allowed parameter" in m for m in messages)


@pytest.fixture
def legacy_rules(alice):
    """Invoices under CONTRACT §1-§7, where an issued invoice's notes may change. (Once
    accounts have the VERI*FACTU switch of §8, an issued invoice's fiscal content is frozen:
    these scenarios are an account's with it off.)"""
    if hasattr(alice.account, "verifactu"):
        alice.account.verifactu = False
        alice.account.save(update_fields=["verifactu"])


def invoice_attributes(client_id: int) -> dict:
    return {
        "client_id": client_id,
        "lines": [{"description": "Consultoría", "quantity": "2", "unit_price": "100.00"}],
    }


def test_invoices_round_trip(resources, alice, legacy_rules):
    Invoice, account = resources["Invoice"], resources["account"]
    client = make_client(alice.account)

    created = Invoice(invoice_attributes(client.pk), account)
    assert created.save(), created.errors.full_messages()
    assert (created.account_id, created.client_id) == (alice.account.pk, client.pk)
    assert created.total == "242.00" if resources["format"] == "json" else True

    created.footer = "Gracias"
    assert created.save(), created.errors.full_messages()  # the object create returned
    created.notes = "Transferencia a 30 días"
    assert created.save(), created.errors.full_messages()  # and again

    found = Invoice.find(created.id, **account)
    assert (found.notes, found.footer) == ("Transferencia a 30 días", "Gracias")
    found.due_date = "2031-01-31"
    assert found.save(), found.errors.full_messages()
    again = Invoice.find(created.id, **account)
    assert str(again.due_date) == "2031-01-31"
    assert len(again.lines) == 1

    created.destroy()
    with pytest.raises(connection.ResourceNotFound):
        Invoice.find(created.id, **account)


def test_invoice_validation_errors_and_unknown_parameters_are_read(resources):
    Invoice, account = resources["Invoice"], resources["account"]

    no_client = Invoice({"client_id": None, "lines": []}, account)
    assert no_client.save() is False
    assert no_client.errors.full_messages() == [
        "client_id can't be blank" if resources["format"] == "json" else "Client id can't be blank"
    ]

    bogus = Invoice({"lines": [], "colour": "red"}, account)
    assert bogus.save() is False
    assert any("is not an allowed parameter" in m for m in bogus.errors.full_messages())


def test_payments_round_trip(resources, alice, legacy_rules):
    Invoice, Payment, account = resources["Invoice"], resources["Payment"], resources["account"]
    client = make_client(alice.account)
    invoice = Invoice(invoice_attributes(client.pk), account)
    assert invoice.save()
    prefix = {**account, "invoice_id": invoice.id}

    payment = Payment({"amount": "42.00", "method": "card"}, prefix)
    assert payment.save(), payment.errors.full_messages()
    assert (payment.account_id, payment.invoice_id) == (alice.account.pk, invoice.id)

    found = Payment.find(payment.id, **prefix)
    assert str(found.amount) == "42.00"
    assert Invoice.find(invoice.id, **account).paid_amount in ("42.00", "42.0", 42)

    too_much = Payment({"amount": "1000.00"}, prefix)
    assert too_much.save() is False
    assert any("outstanding" in m for m in too_much.errors.full_messages())

    unknown = Payment({"amount": "1.00", "tip": "5"}, prefix)
    assert unknown.save() is False
    assert any("is not an allowed parameter" in m for m in unknown.errors.full_messages())

    payment.destroy()
    with pytest.raises(connection.ResourceNotFound):
        Payment.find(payment.id, **prefix)


def test_invoices_under_verifactu_as_a_legacy_script_meets_them(resources, alice):
    """The account has VERI*FACTU on, as every new account: the script's create still issues
    in one call, saving the object create returned unchanged still works, a change is an error
    the client reads, a draft takes changes, and a corrective invoice is one custom POST."""
    Invoice, account = resources["Invoice"], resources["account"]
    client = make_client(alice.account)

    created = Invoice(invoice_attributes(client.pk), account)
    assert created.save(), created.errors.full_messages()
    assert created.status == "issued"
    assert created.save(), created.errors.full_messages()  # unchanged: nothing to refuse

    created.notes = "Transferencia a 30 días"
    assert created.save() is False
    assert any("corrective invoice" in m for m in created.errors.full_messages())
    assert Invoice.find(created.id, **account).notes in ("", None)

    draft = Invoice({**invoice_attributes(client.pk), "draft": True}, account)
    assert draft.save(), draft.errors.full_messages()
    draft.notes = "Revisada"
    assert draft.save(), draft.errors.full_messages()
    draft.status = "issued"
    assert draft.save(), draft.errors.full_messages()
    issued = Invoice.find(draft.id, **account)
    assert (issued.status, issued.notes) == ("issued", "Revisada")

    corrective = Invoice(Invoice.find(created.id, **account).post(
        "corrections", reason="Devolución"), account)
    assert corrective is not None
    corrections = Invoice.find(**{**account, "from": "2000-01-01"})
    assert any(getattr(i, "status", None) == "issued" and str(i.number).startswith("R")
               for i in corrections)
