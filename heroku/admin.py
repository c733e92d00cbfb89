"""Plans and add-on resources, read-only: Heroku's calls (and migrations, for plans) are
the only way they change."""

from django.contrib import admin

from heroku.models import AddonResource, Plan


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("slug", "name", "max_invoices_per_month", "max_clients")


@admin.register(AddonResource)
class AddonResourceAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "account", "plan", "region", "provisioned_at", "deprovisioned_at")
    list_filter = ("plan", "deprovisioned_at")
    search_fields = ("uuid", "name", "account__name")
    list_select_related = ("account", "plan")
