from rest_framework import serializers

from facturagem.api.serializers import LinksField, Representation


def record_path(account, record) -> str:
    return f"/accounts/{account.url_id}/verifactu/records/{record.pk}"


class RecordLinks:
    def get_links(self, record, links):
        account = self.context["account"]
        return [
            links.link("self", record_path(account, record)),
            links.link("invoice", f"/accounts/{account.url_id}/invoices/{record.invoice_id}"),
        ]


class RecordOutput(RecordLinks, Representation):
    """A record as CONTRACT §8 shows it: the literals it hashed, its chain link, the AEAT's
    answer, and its XML as it is sent."""

    id = serializers.IntegerField()
    account_id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.CharField()
    invoice_id = serializers.IntegerField()
    invoice_type = serializers.SerializerMethodField()
    issuer_tax_id = serializers.CharField()
    invoice_number = serializers.CharField()
    issue_date = serializers.CharField()
    total_tax = serializers.CharField()
    total_amount = serializers.CharField()
    previous_hash = serializers.CharField()
    hash = serializers.CharField()
    generated_at = serializers.CharField()
    status = serializers.CharField()
    error_code = serializers.IntegerField()
    error_description = serializers.CharField()
    csv = serializers.CharField()
    aeat_xml = serializers.CharField(source="xml")
    links = LinksField()

    def get_invoice_type(self, record) -> str | None:
        return record.invoice_type or None
