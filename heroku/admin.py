"""Plans and add-on resources, read-only: Heroku's calls (and migrations, for plans) are
the only way they change."""

from django.contrib import admin

from facturagem.admin import ReadOnlyMixin
from heroku.models import AddonResource, Plan


@admin.register(Plan)
class PlanAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("slug", "name", "max_invoices_per_month", "max_clients")


@admin.register(AddonResource)
class AddonResourceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("uuid", "account", "plan", "region", "provisioned_at", "deprovisioned_at")
    list_filter = ("plan", "deprovisioned_at")
    search_fields = ("uuid", "name", "account__name")
    list_select_related = ("account", "plan")
