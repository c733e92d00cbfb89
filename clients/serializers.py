from rest_framework import serializers

from accounts.serializers import AddressInput, AddressOutput
from facturagem.api.serializers import (
    LinksField,
    Representation,
    percent_field,
)


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
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = LinksField()


class ClientInput(AddressInput):
    discount_percent = percent_field(required=False)
    equivalence_surcharge = serializers.BooleanField(required=False)
    notes = serializers.CharField(max_length=5000, allow_blank=True, required=False)
