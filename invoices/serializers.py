from decimal import Decimal

from django.utils.text import slugify
from rest_framework import serializers

from accounts.serializers import validate_iva_rate
from facturagem.api.links import url_id
from facturagem.api.serializers import (
    InputSerializer,
    LinksField,
    Representation,
    money_field,
    percent_field,
)
from invoices.models import Payment

MAX_LINES = 500
ID_REQUIRED = "This field is required."


def invoice_path(account, invoice) -> str:
    return f"/accounts/{account.url_id}/invoices/{invoice.url_id}"


# -- representations ----------------------------------------------------------------------


class LineOutput(Representation):
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=15, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=16, decimal_places=4)
    discount_percent = percent_field()
    iva_percent = percent_field()
    surcharge_percent = percent_field()
    total = money_field()


class TaxOutput(Representation):
    iva_percent = percent_field()
    base = money_field()
    iva = money_field()
    surcharge_percent = percent_field()
    surcharge = money_field()


class PaymentOutput(Representation):
    id = serializers.IntegerField()
    # ActiveResource's URL prefix: /accounts/:account_id/invoices/:invoice_id (CONTRACT §6).
    account_id = serializers.SerializerMethodField()
    invoice_id = serializers.IntegerField()
    amount = money_field()
    date = serializers.DateField()
    method = serializers.CharField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    links = LinksField()

    def get_account_id(self, payment) -> int:
        return self.context["account"].pk

    def get_links(self, payment, links):
        path = invoice_path(self.context["account"], self.context["invoice"])
        return [
            links.link("self", f"{path}/payments/{payment.pk}"),
            links.link("invoice", path),
        ]


class InvoiceLinks:
    def get_links(self, invoice, links):
        account = self.context["account"]
        account_path = f"/accounts/{account.url_id}"
        if invoice.pk is None:  # the unsaved invoice of `new`
            return [
                links.link("self", f"{account_path}/invoices/new"),
                links.link("account", account_path),
                links.link("create", f"{account_path}/invoices"),
            ]
        path = invoice_path(account, invoice)
        return [
            links.link("self", path),
            links.link("account", account_path),
            links.link(
                "client",
                f"{account_path}/clients/{url_id(invoice.client_id, slugify(invoice.client_name))}",
            ),
            links.link("payments", f"{path}/payments"),
            links.link("pdf", path, suffix=".pdf"),
            links.link("copy", f"{account_path}/invoices/new", query={"invoice_id": invoice.pk}),
        ]


class InvoiceSummary(InvoiceLinks, Representation):
    id = serializers.IntegerField()
    number = serializers.CharField()
    issue_date = serializers.DateField()
    client_name = serializers.CharField()
    total = money_field()
    paid = serializers.BooleanField()
    links = LinksField()


class InvoiceOutput(InvoiceLinks, Representation):
    id = serializers.IntegerField()
    number = serializers.CharField()
    issue_date = serializers.DateField()
    operation_date = serializers.DateField()
    due_date = serializers.DateField()
    account_id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    account_name = serializers.CharField()
    account_tax_id = serializers.CharField()
    account_street1 = serializers.CharField()
    account_street2 = serializers.CharField()
    account_city = serializers.CharField()
    account_province = serializers.CharField()
    account_postal_code = serializers.CharField()
    account_country = serializers.CharField()
    account_iban = serializers.CharField()
    client_name = serializers.CharField()
    client_tax_id = serializers.CharField()
    client_street1 = serializers.CharField()
    client_street2 = serializers.CharField()
    client_city = serializers.CharField()
    client_province = serializers.CharField()
    client_postal_code = serializers.CharField()
    client_country = serializers.CharField()
    equivalence_surcharge = serializers.BooleanField()
    lines = LineOutput(many=True, source="line_list")
    discount_percent = percent_field()
    irpf_percent = percent_field()
    subtotal = money_field()
    discount = money_field()
    tax_base = money_field()
    taxes = serializers.SerializerMethodField()
    iva = money_field()
    surcharge = money_field()
    irpf = money_field()
    total = money_field()
    paid_amount = money_field()
    outstanding = money_field()
    paid = serializers.BooleanField()
    notes = serializers.CharField()
    footer = serializers.CharField()
    currency = serializers.CharField()
    payments = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = LinksField()

    def get_taxes(self, invoice) -> list:
        return TaxOutput(invoice.breakdown(invoice.line_list).taxes, many=True).data

    def get_payments(self, invoice) -> list:
        context = {**self.context, "invoice": invoice}
        return PaymentOutput(invoice.payment_list, many=True, context=context).data


# -- input --------------------------------------------------------------------------------


class LineInput(InputSerializer):
    description = serializers.CharField(max_length=2000)
    # At most 12 integer digits (max_digits − decimal_places): one request cannot overflow.
    quantity = serializers.DecimalField(max_digits=15, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=16, decimal_places=4)
    discount_percent = percent_field(required=False, default=Decimal("0"))
    iva_percent = percent_field(required=False, validators=[validate_iva_rate])


class InvoiceInput(InputSerializer):
    number = serializers.CharField(max_length=40, allow_blank=True, required=False)
    issue_date = serializers.DateField(required=False, allow_null=True)
    operation_date = serializers.DateField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    client_id = serializers.IntegerField(required=False, min_value=1)
    discount_percent = percent_field(required=False)
    irpf_percent = percent_field(required=False)
    notes = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    footer = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    lines = LineInput(many=True, required=False, max_length=MAX_LINES, allow_empty=True)
    paid = serializers.BooleanField(required=False, allow_null=True)

    def to_internal_value(self, data):
        # XML without type="array": <lines><line>…</line><line>…</line></lines>.
        if isinstance(data, dict) and isinstance(data.get("lines"), dict):
            inner = data["lines"].get("line", [])
            data = {**data, "lines": inner if isinstance(inner, list) else [inner]}
        return super().to_internal_value(data)


class PaymentInput(InputSerializer):
    amount = money_field(max_digits=14)
    date = serializers.DateField(required=False, allow_null=True)
    method = serializers.ChoiceField(choices=Payment.Method.choices, required=False)
    notes = serializers.CharField(max_length=2000, allow_blank=True, required=False)
