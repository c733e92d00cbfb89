from decimal import Decimal

from rest_framework import serializers

from facturagem.api.serializers import (
    CountryCodeField,
    InputSerializer,
    LinksField,
    Representation,
    money_field,
    percent_field,
)
from invoices import numbering
from invoices.taxes import IVA_RATES

# RD 1619/2012 art. 4.1: 400 € in general, 3,000 € for the activities of its letter b.
SIMPLIFIED_LIMITS = (Decimal("400.00"), Decimal("3000.00"))
NOT_A_SIMPLIFIED_LIMIT = (
    "is not a legal limit (400.00, or 3000.00 for the activities of RD 1619/2012 art. 4.1.b)"
)

INVALID_IVA_RATE = "is not a Spanish IVA rate (21, 10, 4, 0, or 7.5, 5, 2 of 2021–2024)"


def account_path(account) -> str:
    return f"/accounts/{account.url_id}"


class UserOutput(Representation):
    id = serializers.IntegerField()
    login = serializers.CharField()
    email = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    api_key = serializers.SerializerMethodField()
    account_id = serializers.IntegerField()
    links = LinksField()

    def get_api_key(self, user) -> str:
        return self.context["api_key"]

    def get_links(self, user, links):
        return [links.link("self", "/session"), links.link("account", "/accounts")]


class SessionInput(InputSerializer):
    login = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class AddressOutput(Representation):
    """Fiscal identity and address, as accounts and clients both render them."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    tax_id = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    street1 = serializers.CharField()
    street2 = serializers.CharField()
    city = serializers.CharField()
    province = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField(source="country_id")


class AddressInput(InputSerializer):
    name = serializers.CharField(max_length=200)
    tax_id = serializers.CharField(max_length=20, allow_blank=True, required=False)
    email = serializers.EmailField(allow_blank=True, max_length=254, required=False)
    phone = serializers.CharField(max_length=40, allow_blank=True, required=False)
    street1 = serializers.CharField(max_length=200, allow_blank=True, required=False)
    street2 = serializers.CharField(max_length=200, allow_blank=True, required=False)
    city = serializers.CharField(max_length=100, allow_blank=True, required=False)
    province = serializers.CharField(max_length=100, allow_blank=True, required=False)
    postal_code = serializers.CharField(max_length=20, allow_blank=True, required=False)
    country = CountryCodeField(required=False)


class AccountOutput(AddressOutput):
    website = serializers.CharField()
    iban = serializers.CharField()
    currency = serializers.CharField()
    default_iva_percent = percent_field()
    default_irpf_percent = percent_field()
    invoice_footer = serializers.CharField()
    verifactu = serializers.BooleanField()
    corrective_series = serializers.CharField()
    simplified_invoice_limit = money_field()
    # Records not yet accepted by the AEAT: count, oldest, why (CONTRACT §8; verifactu app).
    verifactu_pending = serializers.SerializerMethodField()
    # Webhooks the service switched off after repeated failures, and why (webhooks app).
    disabled_webhooks = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = LinksField()

    def get_verifactu_pending(self, account) -> dict:
        from verifactu.selectors import pending_summary

        return pending_summary(account=account)

    def get_disabled_webhooks(self, account) -> list:
        from webhooks.selectors import disabled_webhooks

        return disabled_webhooks(account=account)

    def get_links(self, account, links):
        path = account_path(account)
        return [
            links.link("self", path),
            links.link("clients", f"{path}/clients"),
            links.link("invoices", f"{path}/invoices"),
            links.link("new_invoice", f"{path}/invoices/new"),
            links.link("verifactu_records", f"{path}/verifactu/records"),
            links.link("webhooks", f"{path}/webhooks"),
        ]


def validate_iva_rate(value: Decimal) -> Decimal:
    if value not in IVA_RATES:
        raise serializers.ValidationError(INVALID_IVA_RATE)
    return value


class AccountInput(AddressInput):
    website = serializers.URLField(max_length=200, allow_blank=True, required=False)
    iban = serializers.CharField(max_length=42, allow_blank=True, required=False)
    default_iva_percent = percent_field(validators=[validate_iva_rate], required=False)
    default_irpf_percent = percent_field(required=False)
    invoice_footer = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    verifactu = serializers.BooleanField(required=False)
    corrective_series = serializers.CharField(
        max_length=numbering.SERIES_MAX_LENGTH, required=False,
        validators=[numbering.validate_series],
    )
    simplified_invoice_limit = money_field(max_digits=7, required=False)

    def validate_simplified_invoice_limit(self, value: Decimal) -> Decimal:
        if value not in SIMPLIFIED_LIMITS:
            raise serializers.ValidationError(NOT_A_SIMPLIFIED_LIMIT)
        return value
