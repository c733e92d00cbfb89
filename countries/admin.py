from django.contrib import admin

from countries.models import Country
from facturagem.admin import ReadOnlyMixin


@admin.register(Country)
class CountryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Countries come from ISO 3166 through a data migration: read-only for staff."""

    list_display = ["code", "alpha3", "name", "name_en", "eu_member"]
    list_filter = ["eu_member"]
    search_fields = ["code", "alpha3", "name", "name_en"]

