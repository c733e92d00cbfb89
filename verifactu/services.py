"""The account's chain of records: what the invoices app tells this app when it issues,
corrects or voids an invoice (one service call each, inside its transaction and under the
account lock it holds).

`alta_content` and `alta_prepare` run before the lock: they map the invoice onto the
record's content, say what is missing for a valid record (a 422 before anything is written),
and build as much of its XML as depends on neither its number nor the chain. `record_alta`
and `record_anulacion` run under the lock: they read the chain's last record, finish the
XML and its huella, and append it.
"""

import dataclasses
import datetime
import functools
import logging
import secrets
from decimal import Decimal
from functools import cache
from importlib import metadata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from stdnum.es import nif as es_nif

from accounts.models import Account
from accounts.services import account_lock
from countries.data import EU_MEMBERS
from facturagem import db
from invoices import taxes
from verifactu import data, qr, xml
from verifactu.models import Installation, Record

logger = logging.getLogger(__name__)

FIRST_VALID_ISSUE_DATE = datetime.date(2024, 10, 28)  # AEAT validation 1152
MAX_DETAILS = 12

ISSUER_TAX_ID_REQUIRED = (
    "The account needs a valid Spanish NIF (tax_id) to issue invoices under VERI*FACTU."
)
RECIPIENT_TAX_ID_REQUIRED = (
    "has no tax id: a full invoice identifies its recipient "
    "(add the client's tax_id, or issue a simplified invoice)"
)
RECIPIENT_NIF_INVALID = "has a tax id that is not a valid Spanish NIF"
ISSUE_DATE_IN_FUTURE = "can't be in the future"
ISSUE_DATE_TOO_OLD = "can't be before 28-10-2024 under VERI*FACTU"
NO_LINES = (
    "can't be empty: an issued invoice has at least one line (create a draft, "
    "draft=true, to add them later)"
)
RECORD_REFUSED = "The VERI*FACTU record would be refused by the AEAT: {error}."
TOO_MANY_DETAILS = (
    "combine more than {max} tax treatments and rates (the AEAT's limit for one invoice)"
)
CHAIN_BROKEN = (
    "The account's record chain does not verify: no invoice can be issued until it is "
    "repaired (contact support)."
)
RESEND_NOT_REJECTED = (
    "Only a record the AEAT rejected is sent again: this one is {status}."
)
RESEND_SUPERSEDED = (
    "A later record of this invoice ({id}) stands for it: only the latest is sent again."
)
CLOCK_BEHIND = (
    "The server's clock is behind the account's last record: no invoice can be issued "
    "until it is right (contact support)."
)

# Exports (E2) and their kin (E3) take the export regime: the AEAT refuses them under 01.
_EXPORT_TREATMENTS = ("E2", "E3")
_NO_RECIPIENT_TYPES = ("F2", "R5")


def _madrid_now() -> datetime.datetime:
    return timezone.localtime(timezone.now()).replace(microsecond=0)


@cache
def _version() -> str:
    try:
        return metadata.version("facturagem")
    except metadata.PackageNotFoundError:  # run from a checkout without installing
        return "dev"


def software(installation: Installation) -> data.Software:
    """SistemaInformatico: this product, named in settings, and the account's installation."""
    return data.Software(
        producer_name=settings.VERIFACTU_PRODUCER_NAME,
        producer_nif=settings.VERIFACTU_PRODUCER_NIF,
        system_name=settings.VERIFACTU_SYSTEM_NAME,
        system_id=settings.VERIFACTU_SYSTEM_ID,
        version=_version(),
        installation_number=installation.number,
    )


# -- content (before the lock) ----------------------------------------------------------------


def _spanish_nif(tax_id: str) -> str:
    """`ESB12345674` and `B12345674` are the same NIF; the record wants the 9 characters."""
    return tax_id[2:] if len(tax_id) == 11 and tax_id.startswith("ES") else tax_id


def _recipient(invoice) -> data.Party:
    """The client as the AEAT identifies it: a Spanish NIF, or IDOtro (an EU VAT number, or
    a foreign id with its country)."""
    tax_id = invoice.client_tax_id
    country = invoice.client_country
    id_type = invoice.client.id_type if invoice.client_id else ""
    name = invoice.client_name
    if not tax_id:
        raise ValidationError({"client_id": [RECIPIENT_TAX_ID_REQUIRED]})
    if country == "ES" and id_type not in ("03", "07"):
        nif = _spanish_nif(tax_id)
        if not es_nif.is_valid(nif):
            raise ValidationError({"client_id": [RECIPIENT_NIF_INVALID]})
        return data.Party(name=name, nif=nif)
    if country in EU_MEMBERS and country != "ES" and id_type in ("", "02"):
        prefix = "EL" if country == "GR" else country
        vat = tax_id if tax_id.startswith(prefix) else prefix + tax_id
        return data.Party(name=name, id_type="02", id=vat[:20])
    return data.Party(name=name, id_type=id_type or "04", id=tax_id[:20], country=country)


def _details(invoice, breakdown: taxes.Breakdown) -> tuple[data.TaxDetail, ...]:
    if not breakdown.taxes:
        raise ValidationError({"lines": [NO_LINES]})
    details = []
    for row in breakdown.taxes:
        regime = "02" if row.treatment in _EXPORT_TREATMENTS else "01"
        if row.treatment == taxes.TAXED:
            surcharged = row.surcharge_percent > 0
            details.append(
                data.TaxDetail(
                    treatment=row.treatment,
                    base=row.base,
                    regime=regime,
                    rate=row.iva_percent,
                    tax=row.iva,
                    surcharge_rate=row.surcharge_percent if surcharged else None,
                    surcharge=row.surcharge if surcharged else None,
                )
            )
        elif row.treatment == taxes.REVERSE_CHARGE:
            details.append(
                data.TaxDetail(
                    treatment=row.treatment, base=row.base, regime=regime,
                    rate=Decimal("0.00"), tax=Decimal("0.00"),
                )
            )
        else:
            details.append(data.TaxDetail(treatment=row.treatment, base=row.base, regime=regime))
    if len(details) > MAX_DETAILS:
        raise ValidationError({"lines": [TOO_MANY_DETAILS.format(max=MAX_DETAILS)]})
    return tuple(details)


def _invoice_id(invoice) -> data.InvoiceId:
    return data.InvoiceId(
        issuer_nif=_spanish_nif(invoice.account_tax_id),
        number=invoice.number,
        issue_date=invoice.issue_date,
    )


def _description(invoice, lines) -> str:
    if invoice.description:
        return invoice.description
    text = "; ".join(line.description.split("\n", 1)[0].strip() for line in lines)
    return text.strip()[:500] or "Factura"


def alta_content(*, invoice, lines, breakdown: taxes.Breakdown) -> data.Alta:
    """The RegistroAlta's content for `invoice` (issue date set, number not yet: it is filled
    in under the lock). Raises ValidationError naming what the record can't do without."""
    issuer = _spanish_nif(invoice.account_tax_id)
    if not issuer or not es_nif.is_valid(issuer):
        raise ValidationError({"base": [ISSUER_TAX_ID_REQUIRED]})
    if invoice.issue_date > timezone.localdate():
        raise ValidationError({"issue_date": [ISSUE_DATE_IN_FUTURE]})
    if invoice.issue_date < FIRST_VALID_ISSUE_DATE:
        raise ValidationError({"issue_date": [ISSUE_DATE_TOO_OLD]})
    recipients = () if invoice.invoice_type in _NO_RECIPIENT_TYPES else (_recipient(invoice),)
    corrected: tuple[data.InvoiceId, ...] = ()
    corrected_amounts = None
    kind = ""
    original = invoice.corrects
    if original is not None:
        corrected = (_invoice_id(original),)
        if invoice.correction_method == "substitution":
            kind = "S"
            corrected_amounts = data.CorrectedAmounts(
                base=original.tax_base,
                tax=original.iva,
                surcharge=original.surcharge if original.surcharge else None,
            )
        else:
            kind = "I"
    operation_date = invoice.operation_date
    return data.Alta(
        invoice=data.InvoiceId(issuer_nif=issuer, number="", issue_date=invoice.issue_date),
        issuer_name=invoice.account_name,
        invoice_type=invoice.invoice_type,
        description=_description(invoice, lines),
        details=_details(invoice, breakdown),
        total_tax=breakdown.iva + breakdown.surcharge,
        total_amount=breakdown.tax_base + breakdown.iva + breakdown.surcharge,
        recipients=recipients,
        operation_date=operation_date if operation_date != invoice.issue_date else None,
        correction_kind=kind,
        corrected=corrected,
        corrected_amounts=corrected_amounts,
    )


@dataclasses.dataclass
class PreparedAlta:
    """What `record_alta` needs, computed before the account lock: the record's content,
    its XML but for the number and the chain, and the account's installation (None until
    its first record, which creates it under the lock)."""

    content: data.Alta
    xml: xml.PreparedAlta
    installation: Installation | None


def alta_prepare(*, invoice, lines, breakdown: taxes.Breakdown) -> PreparedAlta:
    """`alta_content`, checked against the AEAT's rules and built, before the lock."""
    content = alta_content(invoice=invoice, lines=lines, breakdown=breakdown)
    try:
        prepared = xml.prepare_alta(content)
    except xml.RecordError as error:
        raise ValidationError({"base": [RECORD_REFUSED.format(error=error)]}) from error
    installation = Installation.objects.filter(account=invoice.account).first()
    return PreparedAlta(content=content, xml=prepared, installation=installation)


# -- the chain (under the account lock) -----------------------------------------------------------


def _installation(account: Account, known: Installation | None = None) -> Installation:
    """The account's installation (an account has one; `known` was read before the lock)."""
    installation = known or Installation.objects.filter(account=account).first()
    if installation is None:
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        installation = Installation.objects.create(
            account=account, number=f"{account.pk}-{stamp}-{secrets.token_hex(3)}"
        )
    return installation


def _previous(installation: Installation, now: datetime.datetime) -> Record | None:
    """The chain's last record, after checking it links to the one before it and that the
    clock has not gone back (Orden HAC/1177/2024 art. 7.i)."""
    # The last two in one read: the one before the last is (almost always) its `previous`.
    last, *before_last = (
        Record.objects.filter(installation=installation)
        .order_by("-position")
        .only("id", "position", "previous_id", "previous_hash", "hash", "issuer_tax_id",
              "invoice_number", "issue_date", "generated_at")[:2]
    ) or [None]
    if last is None:
        return None
    if last.previous_id is not None:
        if before_last and before_last[0].pk == last.previous_id:
            previous_hash = before_last[0].hash
        else:
            before = Record.objects.filter(pk=last.previous_id).values_list("hash", flat=True)
            previous_hash = before.first()
        if last.previous_hash != previous_hash:
            logger.critical("VERI*FACTU chain broken after record %s", last.pk)
            raise ValidationError({"base": [CHAIN_BROKEN]})
    if datetime.datetime.fromisoformat(last.generated_at) > now + datetime.timedelta(minutes=1):
        logger.critical("clock behind record %s (%s)", last.pk, last.generated_at)
        raise ValidationError({"base": [CLOCK_BEHIND]})
    return last


def _link(installation: Installation) -> tuple[datetime.datetime, Record | None,
                                               data.PreviousRecord | None]:
    """Now, the chain's last record and the link to it (under the account lock)."""
    now = _madrid_now()
    last = _previous(installation, now)
    if last is None:
        return now, None, None
    return now, last, data.PreviousRecord(
        invoice=data.InvoiceId(
            issuer_nif=last.issuer_tax_id,
            number=last.invoice_number,
            issue_date=datetime.datetime.strptime(last.issue_date, "%d-%m-%Y").date(),
        ),
        hash=last.hash,
    )


def _record(*, installation: Installation, invoice, kind: str, invoice_type: str,
            issuer_tax_id: str, invoice_number: str, last: Record | None,
            built: data.BuiltRecord) -> Record:
    return Record(
        installation=installation,
        account=invoice.account,
        position=1 if last is None else last.position + 1,
        previous=last,
        kind=kind,
        invoice=invoice,
        invoice_type=invoice_type,
        issuer_tax_id=issuer_tax_id,
        invoice_number=invoice_number,
        issue_date=built.issue_date,
        total_tax=built.total_tax,
        total_amount=built.total_amount,
        previous_hash=built.previous_hash,
        hash=built.hash,
        generated_at=built.generated_at,
        xml=built.xml.decode("utf-8"),
    )


@dataclasses.dataclass(frozen=True)
class Linked:
    """A record finished onto the chain as it stood when it was read (`record.previous`,
    None for the first), not yet written: `record_store` appends it, under the account lock,
    while `chain_head` still finds that previous record there. Linked ahead of the lock, its
    INSERT is compiled already (`insert`)."""

    record: Record
    insert: db.Insert | None = None


def _link_record(
    *,
    invoice,
    kind: str,
    content: data.Alta | data.Anulacion,
    invoice_type: str = "",
    prepared: PreparedAlta | None = None,
    ahead: bool = False,
) -> Linked:
    installation = _installation(invoice.account, prepared.installation if prepared else None)
    now, last, previous = _link(installation)
    try:
        if prepared is not None:
            built = xml.finish_alta(
                prepared.xml, number=content.invoice.number, external_ref=content.external_ref,
                previous=previous, software=software(installation), generated_at=now,
            )
        else:
            built = xml.build(content, previous=previous, software=software(installation),
                              generated_at=now)
    except xml.RecordError as error:
        raise ValidationError({"base": [RECORD_REFUSED.format(error=error)]}) from error
    record = _record(installation=installation, invoice=invoice, kind=kind,
                     invoice_type=invoice_type, issuer_tax_id=content.invoice.issuer_nif,
                     invoice_number=content.invoice.number, last=last, built=built)
    if not ahead:
        return Linked(record)
    db.reserve_id(record)
    return Linked(record, db.insert_later(record))


def record_store(linked: Linked, *, written: bool = False) -> Record:
    """Appends `linked` to its chain. Under the account lock, with the chain's head still
    the record it was linked to; `written`: its compiled INSERT went in already, in a
    statement of the caller's."""
    # Once the issue commits (never inside it), a send is queued for the issuer.
    transaction.on_commit(functools.partial(_queue_send, linked.record.installation_id),
                          robust=True)
    if written:
        return linked.insert.written()
    if linked.insert is not None:
        return linked.insert.run()
    linked.record.save(force_insert=True)
    return linked.record


def chain_head(installation: Installation) -> QuerySet:
    """The id of the chain's last record, as a subquery (for a check under the lock that
    the chain a record was linked to has not grown since)."""
    return (Record.objects.filter(installation=installation).order_by("-position")
            .values("id")[:1])


def _queue_send(installation_id: int) -> None:
    from verifactu import sending

    sending.after_record(installation_id)


def alta_link(*, invoice, content: data.Alta | PreparedAlta, ahead: bool = False) -> Linked:
    """The RegistroAlta of `invoice` (numbered, its id known) finished onto its account's
    chain as it stands. Under the account lock, to store at once (`record_alta`); or
    `ahead` of it on PostgreSQL (its id reserved, its INSERT compiled), as a guess that
    stands if `chain_head` still finds the same last record under the lock (else
    `record_alta` with `content.content`: a PreparedAlta is used once, its XML is finished
    in place)."""
    prepared = content if isinstance(content, PreparedAlta) else None
    alta = prepared.content if prepared is not None else content
    alta = dataclasses.replace(
        alta,
        invoice=dataclasses.replace(alta.invoice, number=invoice.number),
        external_ref=str(invoice.pk),
    )
    return _link_record(invoice=invoice, kind=Record.Kind.ALTA, content=alta,
                        invoice_type=alta.invoice_type, prepared=prepared, ahead=ahead)


def record_alta(*, invoice, content: data.Alta | PreparedAlta) -> Record:
    """Appends the RegistroAlta of `invoice`, just numbered and saved, to its account's
    chain. Call under the account lock, in the transaction that issued the invoice.
    `content` from `alta_prepare` (once: its XML is finished in place) leaves only the
    number, the chain link and the huella to do here."""
    return record_store(alta_link(invoice=invoice, content=content))


def _never_registered(alta: Record | None) -> bool:
    """The AEAT holds no record of the invoice: its latest alta was rejected."""
    return alta is not None and alta.status == Record.Status.REJECTED


def record_anulacion(*, invoice) -> Record:
    """Appends the RegistroAnulacion of `invoice`, just voided. Under the account lock.
    When the AEAT rejected the invoice's alta, it says so (SinRegistroPrevio=S): the AEAT
    would otherwise refuse to void what it never registered (3002)."""
    alta = invoice.records.filter(kind=Record.Kind.ALTA).order_by("-position").first()
    identity = data.InvoiceId(
        issuer_nif=alta.issuer_tax_id if alta else _spanish_nif(invoice.account_tax_id),
        number=invoice.number,
        issue_date=invoice.issue_date,
    )
    content = data.Anulacion(invoice=identity, external_ref=str(invoice.pk),
                             without_prior_record=_never_registered(alta))
    return record_store(_link_record(invoice=invoice, kind=Record.Kind.ANULACION,
                                     content=content))


def _resend_flags(record: Record) -> dict[str, str]:
    """The operation flags of `record` sent again (the AEAT's matrix, spanish-einvoicing
    §1.9): a rejected alta goes as a subsanación of an invoice the AEAT does not hold; a
    rejected anulación again with RechazoPrevio, or SinRegistroPrevio when the invoice's
    alta was never registered either."""
    if record.kind == Record.Kind.ALTA:
        return {"Subsanacion": "S", "RechazoPrevio": "X"}
    alta = (Record.objects.filter(invoice_id=record.invoice_id, kind=Record.Kind.ALTA,
                                  position__lt=record.position)
            .order_by("-position").first())
    if _never_registered(alta):
        return {"SinRegistroPrevio": "S"}
    return {"RechazoPrevio": "S"}


def record_resend(*, record: Record) -> Record:
    """Appends `record` again, after the AEAT rejected it: a new link of the chain with the
    same content (CONTRACT §8: records are never changed; this is a new one). Takes the
    account lock; 422 unless the record is rejected and nothing later stands for its
    invoice."""
    with transaction.atomic():
        account_lock(record.account_id)
        current = Record.objects.select_related("invoice__account").get(pk=record.pk)
        if current.status != Record.Status.REJECTED:
            raise ValidationError({"base": [RESEND_NOT_REJECTED.format(
                status=current.status)]})
        later = (Record.objects.filter(invoice_id=current.invoice_id,
                                       position__gt=current.position)
                 .order_by("position").first())
        if later is not None:
            raise ValidationError({"base": [RESEND_SUPERSEDED.format(id=later.pk)]})
        installation = current.installation
        now, last, previous = _link(installation)
        try:
            built = xml.resend(current.xml.encode(), flags=_resend_flags(current),
                               previous=previous, software=software(installation),
                               generated_at=now)
        except xml.RecordError as error:
            raise ValidationError({"base": [RECORD_REFUSED.format(error=error)]}) from error
        return record_store(Linked(_record(
            installation=installation, invoice=current.invoice, kind=current.kind,
            invoice_type=current.invoice_type, issuer_tax_id=current.issuer_tax_id,
            invoice_number=current.invoice_number, last=last, built=built)))


# -- reads ----------------------------------------------------------------------------------------


def qr_url(record: Record) -> str:
    """The AEAT's ValidarQR address for an alta, from the literals the record carries."""
    return qr.qr_url(
        environment=settings.AEAT_ENVIRONMENT,
        issuer_nif=record.issuer_tax_id,
        number=record.invoice_number,
        issue_date=record.issue_date,
        total_amount=record.total_amount,
    )
