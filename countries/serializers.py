from rest_framework import serializers

from facturagem.api.serializers import LinksField, Representation


class CountryOutput(Representation):
    code = serializers.CharField()
    alpha3 = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    eu_member = serializers.BooleanField()
    links = LinksField()

    def get_links(self, country, links):
        return [links.link("self", f"/countries/{country.code}")]
