from django.contrib import admin

from certificates.models import AccountCertificate
from facturagem.admin import ReadOnlyMixin, local_datetime


@admin.register(AccountCertificate)
class AccountCertificateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Metadata only: the certificate's PEM and the encrypted key are never shown."""

    list_display = ("account", "tax_id", "holder_name", "kind", "representative", "expires")
    list_select_related = ("account",)
    list_filter = ("kind", "representative")
    search_fields = ("tax_id", "holder_name", "account__name")
    fields = ("account", "kind", "representative", "tax_id", "holder_name", "person_tax_id",
              "person_name", "subject", "issuer", "serial_number", "fingerprint",
              "not_before", "not_after", "created_at", "updated_at")
    readonly_fields = fields

    @admin.display(description="válido hasta", ordering="not_after")
    def expires(self, obj) -> str:
        return local_datetime(obj.not_after)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("certificate_pem", "private_key_encrypted")
