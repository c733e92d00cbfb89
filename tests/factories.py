"""Test data made the way the application makes it: through the services, so that every
client has a normalised tax id and every invoice carries its computed figures, its frozen
fiscal data and a number from the account's sequence.

Plain functions with sensible defaults; pass keyword arguments to override any field.
"""

import datetime
from decimal import Decimal
from typing import Any

from accounts.models import Account
from clients.models import Client
from clients.services import client_create
from invoices.models import Invoice
from invoices.services import LineData, invoice_create, invoice_register_payment

D = Decimal


def make_client(account: Account, **fields: Any) -> Client:
    """A Spanish client with a valid NIF; any field may be overridden (`country="US"`)."""
    data: dict[str, Any] = {
        "name": "Acme Distribuciones SL",
        "tax_id": "b-87.654.323",  # normalised by the service to B87654323
        "email": "facturas@acme.example",
        "street1": "Calle Mayor 1",
        "city": "Madrid",
        "province": "Madrid",
        "postal_code": "28013",
        "country": "ES",
    }
    data.update(fields)
    return client_create(account=account, data=data)


def line(
    description: str = "Consultoría",
    quantity: str = "1",
    unit_price: str = "100",
    iva_percent: str = "21",
    discount_percent: str = "0",
) -> LineData:
    return LineData(
        description=description,
        quantity=D(quantity),
        unit_price=D(unit_price),
        iva_percent=D(iva_percent),
        discount_percent=D(discount_percent),
    )


def make_invoice(
    account: Account,
    client: Client | None = None,
    *,
    lines: list[LineData] | None = None,
    **data: Any,
) -> Invoice:
    """An invoice of `client` (a new default client if none) with one 100.00 + 21 % line
    unless `lines` are given. `data` takes the invoice fields: number, issue_date, …"""
    client = client or make_client(account)
    if isinstance(data.get("issue_date"), str):
        data["issue_date"] = datetime.date.fromisoformat(data["issue_date"])
    for name in ("discount_percent", "irpf_percent"):
        if isinstance(data.get(name), str):
            data[name] = D(data[name])
    return invoice_create(
        account=account,
        client=client,
        lines=[line()] if lines is None else lines,
        data=data,
    )


def pay(invoice: Invoice, amount: str, **options: Any):
    return invoice_register_payment(invoice=invoice, amount=D(amount), **options)
