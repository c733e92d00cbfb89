from rest_framework import serializers

from accounts.serializers import AddressInput, AddressOutput
from facturagem.api.serializers import (
    LinksField,
    Representation,
    percent_field,
)
from facturagem.validators import normalize_dir3, validate_dir3


class Dir3Field(serializers.CharField):
    """A DIR3 unit code, normalised (`l0128 0796` → `L01280796`) before it is checked."""

    def __init__(self, **kwargs):
        super().__init__(max_length=10, allow_blank=True, required=False,
                         validators=[validate_dir3], **kwargs)

    def to_internal_value(self, data):
        return normalize_dir3(super().to_internal_value(data))


def client_path(account, client) -> str:
    return f"/accounts/{account.url_id}/clients/{client.url_id}"


class ClientLinks:
    def get_links(self, client, links):
        account = self.context["account"]
        path = client_path(account, client)
        return [
            links.link("self", path),
            links.link("account", f"/accounts/{account.url_id}"),
            links.link("invoices", f"{path}/invoices"),
        ]


class ClientSummary(ClientLinks, Representation):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tax_id = serializers.CharField()
    links = LinksField()


class ClientOutput(ClientLinks, AddressOutput):
    # ActiveResource takes the URL prefix (/accounts/:account_id) from it (CONTRACT §6).
    account_id = serializers.IntegerField()
    discount_percent = percent_field()
    equivalence_surcharge = serializers.BooleanField()
    notes = serializers.CharField()
    public_administration = serializers.BooleanField()
    dir3_accounting_office = serializers.CharField()
    dir3_managing_body = serializers.CharField()
    dir3_processing_unit = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = LinksField()


class ClientInput(AddressInput):
    discount_percent = percent_field(required=False)
    equivalence_surcharge = serializers.BooleanField(required=False)
    notes = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    public_administration = serializers.BooleanField(required=False)
    # (normalised before the length check: `l0128 0796` fits once its space is gone)
    dir3_accounting_office = Dir3Field()
    dir3_managing_body = Dir3Field()
    dir3_processing_unit = Dir3Field()
