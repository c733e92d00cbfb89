from django.contrib import admin

from countries.models import Country


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    """Countries come from ISO 3166 through a data migration: read-only for staff."""

    list_display = ["code", "alpha3", "name", "name_en", "eu_member"]
    list_filter = ["eu_member"]
    search_fields = ["code", "alpha3", "name", "name_en"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
