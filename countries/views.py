from django.http import Http404
from rest_framework.permissions import AllowAny

from countries.models import Country
from countries.selectors import country_get
from countries.serializers import CountryOutput
from facturagem.api.views import ApiView


class CountryView(ApiView):
    """Countries need no key (handy to try a client library against)."""

    resource_name = "country"
    collection_name = "countries"
    output_serializer = CountryOutput
    authentication_classes = []
    permission_classes = [AllowAny]


class CountryListView(CountryView):
    def get(self, request, format=None):
        return self.many(Country.objects.order_by("code"))


class CountryDetailView(CountryView):
    def get(self, request, code, format=None):
        country = country_get(code)
        if country is None:
            raise Http404
        return self.ok(country)
