"""Shared pieces of the staff admin (the apps register their own models)."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils import formats, timezone

admin.site.site_header = "FACTURAgem · administración"
admin.site.site_title = "FACTURAgem"
admin.site.index_title = "Administración"
admin.site.site_url = "/playground/"


class OnlyColumnsChangeList(ChangeList):
    """A changelist that loads only the columns its rows show (`changelist_only`)."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        only = getattr(self.model_admin, "changelist_only", None)
        return queryset.only(*only) if only else queryset


class ConstantQueriesAdmin(admin.ModelAdmin):
    """Changelists in a constant number of queries whatever their length: related rows
    come through `list_select_related`, the columns through `changelist_only`, and
    `list_display` never touches what neither loaded."""

    changelist_only: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        return OnlyColumnsChangeList


def local_datetime(value) -> str:
    """A timestamp as the admin shows its own (local time, the admin's language)."""
    return formats.localize(timezone.template_localtime(value)) if value else "-"


class TimestampsMixin:
    """`created_at` / `updated_at`, labelled in the admin's language."""

    @admin.display(description="creado")
    def created(self, obj) -> str:
        return local_datetime(obj.created_at)

    @admin.display(description="modificado")
    def updated(self, obj) -> str:
        return local_datetime(obj.updated_at)


class ReadOnlyMixin:
    """Staff look, never touch: rows that only data migrations or the services write
    (countries, Heroku plans and resources, invoice lines and payments, a user's account)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
