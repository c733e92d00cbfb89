"""POST /api/v1/accounts/:account_id/verifactu/records/:id/resend.:fmt — a record the AEAT
rejected, appended again as a new link of the chain with the flags the AEAT wants for a
record sent after a rejection (spanish-einvoicing §1.9): an alta as a subsanación of an
invoice it does not hold (Subsanacion=S, RechazoPrevio=X); an anulación with RechazoPrevio=S,
or SinRegistroPrevio=S when the invoice's alta never registered. The rejected record stays
as it was (CONTRACT §8: records are never changed); nothing else is recomputed."""

import pytest
from defusedxml.ElementTree import fromstring

from facturagem.api.exceptions import NOT_FOUND
from tests.factories import make_invoice
from verifactu import schema, xml
from verifactu.models import Record
from verifactu.services import RESEND_NOT_REJECTED, RESEND_SUPERSEDED

SF = "{https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/SuministroInformacion.xsd}"


def url(persona, record_id, suffix=".json", account_id=None) -> str:
    account = account_id or persona.account.pk
    return f"/api/v1/accounts/{account}/verifactu/records/{record_id}/resend{suffix}"


def reject(record: Record, code: int = 1100) -> Record:
    """The AEAT's answer is the one thing written on a record after it is made."""
    Record.objects.filter(pk=record.pk).update(status=Record.Status.REJECTED, error_code=code,
                                               error_description="Rechazado")
    record.refresh_from_db()
    return record


def children(record_xml: str) -> list[str]:
    return [child.tag.removeprefix(SF) for child in fromstring(record_xml)]


def flags(record_xml: str) -> dict[str, str]:
    names = ("Subsanacion", "RechazoPrevio", "SinRegistroPrevio")
    return {child.tag.removeprefix(SF): child.text for child in fromstring(record_xml)
            if child.tag.removeprefix(SF) in names}


@pytest.fixture
def rejected_alta(alice) -> Record:
    invoice = make_invoice(alice.account)
    return reject(Record.objects.get(invoice=invoice))


def test_a_rejected_alta_is_appended_again_as_a_subsanacion(api, alice, rejected_alta):
    make_invoice(alice.account)  # the chain moved on since
    last = Record.objects.order_by("-position").first()

    response = api.send("POST", url(alice, rejected_alta.pk), key=alice.api_key)

    assert response.status_code == 200
    body = response.json()
    assert response["Location"].endswith(f"/verifactu/records/{body['id']}.json")
    new = Record.objects.get(pk=body["id"])
    assert (new.kind, new.position, new.status) == ("alta", last.position + 1, "pending")
    assert new.previous_id == last.pk and new.previous_hash == last.hash
    # The same invoice, the same literals, a new link of the chain.
    for name in ("invoice_id", "invoice_type", "issuer_tax_id", "invoice_number",
                 "issue_date", "total_tax", "total_amount"):
        assert getattr(new, name) == getattr(rejected_alta, name)
    assert new.hash != rejected_alta.hash
    assert flags(new.xml) == {"Subsanacion": "S", "RechazoPrevio": "X"}
    tags = children(new.xml)
    assert tags.index("Subsanacion") == tags.index("NombreRazonEmisor") + 1
    assert tags.index("RechazoPrevio") == tags.index("Subsanacion") + 1
    schema.validate(new.xml.encode())
    assert xml.recompute_hash(new.xml.encode()) == new.hash == body["hash"]
    assert body["aeat_xml"] == new.xml
    # The rejected record is as it was.
    before = rejected_alta.xml
    rejected_alta.refresh_from_db()
    assert (rejected_alta.xml, rejected_alta.status) == (before, "rejected")


def test_the_content_is_the_rejected_records_own_apart_from_flags_and_link(
        api, alice, rejected_alta):
    body = api.send("POST", url(alice, rejected_alta.pk), key=alice.api_key).json()
    old, new = fromstring(rejected_alta.xml), fromstring(body["aeat_xml"])
    changing = {"Subsanacion", "RechazoPrevio", "Encadenamiento", "SistemaInformatico",
                "FechaHoraHusoGenRegistro", "Huella"}

    def same_part(root):
        from xml.etree.ElementTree import tostring
        return [tostring(child) for child in root if child.tag.removeprefix(SF) not in changing]

    assert same_part(old) == same_part(new)


def test_the_invoice_shows_the_record_sent_again(api, alice, rejected_alta):
    api.send("POST", url(alice, rejected_alta.pk), key=alice.api_key)
    invoice = api.send(
        "GET", f"/api/v1/accounts/{alice.account.pk}/invoices/{rejected_alta.invoice_id}.json",
        key=alice.api_key).json()

    latest = Record.objects.filter(invoice_id=rejected_alta.invoice_id).latest("position")
    assert invoice["verifactu"]["hash"] == latest.hash
    assert invoice["verifactu"]["status"] == "pending"


def test_in_xml_too(api, alice, rejected_alta):
    response = api.send("POST", url(alice, rejected_alta.pk, ".xml"), key=alice.api_key)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = fromstring(response.content)
    assert root.tag == "record"
    assert root.findtext("kind") == "alta"
    assert "<sum1:Subsanacion>S</sum1:Subsanacion>" in root.findtext("aeat-xml")


@pytest.mark.parametrize("status", ["pending", "accepted", "accepted_with_errors"])
def test_only_a_rejected_record_is_sent_again(api, alice, status):
    record = Record.objects.get(invoice=make_invoice(alice.account))
    Record.objects.filter(pk=record.pk).update(status=status)

    response = api.send("POST", url(alice, record.pk), key=alice.api_key)

    assert response.status_code == 422
    assert response.json() == {"errors": {"base": [RESEND_NOT_REJECTED.format(status=status)]}}
    assert Record.objects.count() == 1


def test_only_the_latest_record_of_an_invoice_is_sent_again(api, alice, rejected_alta):
    first = api.send("POST", url(alice, rejected_alta.pk), key=alice.api_key).json()

    again = api.send("POST", url(alice, rejected_alta.pk), key=alice.api_key)

    assert again.status_code == 422
    assert again.json() == {"errors": {"base": [RESEND_SUPERSEDED.format(id=first["id"])]}}
    # The one sent again may itself be rejected, and sent again.
    reject(Record.objects.get(pk=first["id"]))
    third = api.send("POST", url(alice, first["id"]), key=alice.api_key)
    assert third.status_code == 200
    assert flags(third.json()["aeat_xml"]) == {"Subsanacion": "S", "RechazoPrevio": "X"}


def test_a_void_of_an_invoice_the_aeat_never_registered_says_so(api, alice, rejected_alta):
    invoices = f"/api/v1/accounts/{alice.account.pk}/invoices"
    response = api.send("POST", f"{invoices}/{rejected_alta.invoice_id}/void.json",
                        {"reason": "Emitida por error"}, key=alice.api_key)

    assert response.status_code == 200
    anulacion = Record.objects.get(kind="anulacion")
    assert flags(anulacion.xml) == {"SinRegistroPrevio": "S"}
    schema.validate(anulacion.xml.encode())


def test_a_void_of_an_invoice_the_aeat_holds_has_no_flag(api, alice):
    invoice = make_invoice(alice.account)
    api.send("POST", f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}/void.json",
             {"reason": "Emitida por error"}, key=alice.api_key)

    assert flags(Record.objects.get(kind="anulacion").xml) == {}


@pytest.mark.parametrize(("alta_status", "expected"), [
    ("accepted", {"RechazoPrevio": "S"}),
    ("accepted_with_errors", {"RechazoPrevio": "S"}),
    ("rejected", {"SinRegistroPrevio": "S"}),
])
def test_a_rejected_anulacion_is_sent_again_with_the_flag_the_aeat_wants(
        api, alice, alta_status, expected):
    invoice = make_invoice(alice.account)
    alta = Record.objects.get(invoice=invoice)
    api.send("POST", f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}/void.json",
             {"reason": "Emitida por error"}, key=alice.api_key)
    Record.objects.filter(pk=alta.pk).update(status=alta_status)
    anulacion = reject(Record.objects.get(kind="anulacion"), 3002)

    response = api.send("POST", url(alice, anulacion.pk), key=alice.api_key)

    assert response.status_code == 200
    new = Record.objects.get(pk=response.json()["id"])
    assert new.kind == "anulacion" and new.total_amount is None
    assert flags(new.xml) == expected
    tags = children(new.xml)
    assert tags.index("Encadenamiento") > tags.index(next(iter(expected)))
    assert xml.recompute_hash(new.xml.encode()) == new.hash


def test_a_rejected_record_links_to_its_resend(api, alice, rejected_alta):
    other = Record.objects.get(invoice=make_invoice(alice.account))
    base = f"/api/v1/accounts/{alice.account.pk}/verifactu/records"

    rejected = api.send("GET", f"{base}/{rejected_alta.pk}.json", key=alice.api_key).json()
    fine = api.send("GET", f"{base}/{other.pk}.json", key=alice.api_key).json()

    resend = [link["uri"] for link in rejected["links"] if link["rel"] == "resend"]
    assert resend and resend[0].endswith(f"/verifactu/records/{rejected_alta.pk}/resend.json")
    assert "resend" not in {link["rel"] for link in fine["links"]}


def test_unknown_parameters_are_refused(api, alice, rejected_alta):
    response = api.send("POST", url(alice, rejected_alta.pk), {"force": True},
                        key=alice.api_key)

    assert response.status_code == 422
    assert Record.objects.count() == 1


def test_only_post(api, alice, rejected_alta):
    response = api.send("GET", url(alice, rejected_alta.pk), key=alice.api_key)

    assert response.status_code == 405
    assert Record.objects.count() == 1


def test_an_outsider_cannot_send_anothers_record(api, alice, bob, rejected_alta):
    theirs = api.send("POST", url(bob, rejected_alta.pk), key=bob.api_key)
    foreign_account = api.send("POST", url(alice, rejected_alta.pk), key=bob.api_key)
    anonymous = api.send("POST", url(alice, rejected_alta.pk))
    unknown = api.send("POST", url(alice, 999999), key=alice.api_key)

    assert (theirs.status_code, theirs.json()) == (404, {"errors": [NOT_FOUND]})
    assert foreign_account.status_code in (403, 404)
    assert anonymous.status_code == 401
    assert (unknown.status_code, unknown.json()) == (404, {"errors": [NOT_FOUND]})
    assert Record.objects.count() == 1
