from rest_framework import serializers

from facturagem.api.serializers import (
    CountryCodeField,
    InputSerializer,
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


class ClientOutput(ClientLinks, Representation):
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
    discount_percent = percent_field()
    equivalence_surcharge = serializers.BooleanField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = LinksField()


class ClientInput(InputSerializer):
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
    discount_percent = percent_field(required=False)
    equivalence_surcharge = serializers.BooleanField(required=False)
    notes = serializers.CharField(max_length=5000, allow_blank=True, required=False)
