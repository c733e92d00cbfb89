"""Clients for staff, saved through `clients.services` (tax ids normalised and checked)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from clients import services
from clients.models import Client
from facturagem.admin import ConstantQueriesAdmin, TimestampsMixin
from facturagem.validators import normalize_dir3, normalize_tax_id, validate_tax_id

SERVICE_FIELDS = (
    "name", "tax_id", "email", "phone", "street1", "street2", "city", "province",
    "postal_code", "country", "discount_percent", "equivalence_surcharge", "notes",
    "public_administration", "dir3_accounting_office", "dir3_managing_body",
    "dir3_processing_unit",
)


class ClientAdminForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ("account", *SERVICE_FIELDS)
        labels = {"account": "Cuenta", "country": "País"}

    def _clean_dir3(self, name: str) -> str:
        return normalize_dir3(self.cleaned_data.get(name, ""))

    def clean_dir3_accounting_office(self) -> str:
        return self._clean_dir3("dir3_accounting_office")

    def clean_dir3_managing_body(self) -> str:
        return self._clean_dir3("dir3_managing_body")

    def clean_dir3_processing_unit(self) -> str:
        return self._clean_dir3("dir3_processing_unit")

    def clean(self):
        cleaned = super().clean()
        if "tax_id" in cleaned:
            cleaned["tax_id"] = normalize_tax_id(cleaned["tax_id"])
            country = cleaned.get("country") or getattr(self.instance, "country", None)
            try:
                validate_tax_id(cleaned["tax_id"], country.code if country else None)
            except ValidationError as error:
                self.add_error("tax_id", error)
        return cleaned

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in SERVICE_FIELDS
                if name in self.cleaned_data}
        if data.get("country") is not None:
            data["country"] = data["country"].code
        return data


@admin.register(Client)
class ClientAdmin(TimestampsMixin, ConstantQueriesAdmin):
    form = ClientAdminForm
    list_display = ("name", "tax_id", "email", "city", "country_code", "account_column")
    changelist_only = ("id", "name", "tax_id", "email", "city", "country", "account",
                       "account__name")
    list_select_related = ("account",)
    list_filter = (("account", admin.RelatedOnlyFieldListFilter),
                   ("country", admin.RelatedOnlyFieldListFilter), "equivalence_surcharge")
    search_fields = ("name", "tax_id", "email")
    search_help_text = "Nombre, NIF o e-mail del cliente."
    autocomplete_fields = ("account",)
    fieldsets = (
        (None, {"fields": ("account", "name", "tax_id", "email", "phone")}),
        ("Dirección", {"fields": ("street1", "street2", "postal_code", "city", "province",
                                  "country")}),
        ("Facturación", {"fields": ("discount_percent", "equivalence_surcharge", "notes")}),
        ("Administración pública (FACe)", {"fields": (
            "public_administration", "dir3_accounting_office", "dir3_managing_body",
            "dir3_processing_unit")}),
        ("Registro", {"fields": ("created", "updated")}),
    )

    @admin.display(description="país", ordering="country")
    def country_code(self, client: Client) -> str:
        return client.country_id

    @admin.display(description="cuenta", ordering="account__name")
    def account_column(self, client: Client) -> str:
        return client.account.name

    def get_readonly_fields(self, request, obj=None):
        # A client's invoices belong to its account: it never moves to another one.
        if obj is not None:
            return ("account", "created", "updated")
        return ("created", "updated")

    def save_model(self, request, obj, form, change) -> None:
        if change:
            services.client_update(client=obj, data=form.service_data())
        else:
            created = services.client_create(account=obj.account, data=form.service_data())
            obj.pk = created.pk

    def delete_model(self, request, obj) -> None:
        services.client_delete(client=obj)
