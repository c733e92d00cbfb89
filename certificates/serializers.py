import base64
import binascii
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from rest_framework import serializers

from accounts.serializers import account_path
from certificates.services import MAX_SIZE, TOO_LARGE
from facturagem.api.serializers import NOT_A_BOOLEAN, InputSerializer, LinksField, Representation

NOT_A_FILE = "must be a PKCS#12 file (a multipart file part, or its bytes in base64)"


def certificate_path(account) -> str:
    return f"{account_path(account)}/certificate"


class CertificateOutput(Representation):
    """Metadata only: the key is never rendered, nor the certificate's PEM."""

    account_id = serializers.IntegerField()
    tax_id = serializers.CharField()
    holder_name = serializers.CharField()
    kind = serializers.CharField()
    representative = serializers.BooleanField()
    subject = serializers.CharField()
    issuer = serializers.CharField()
    serial_number = serializers.CharField()
    fingerprint = serializers.CharField()
    not_before = serializers.DateTimeField()
    not_after = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = LinksField()

    def get_links(self, certificate, links):
        account = self.context["account"]
        return [
            links.link("self", certificate_path(account)),
            links.link("account", account_path(account)),
        ]


class CertificateFileField(serializers.Field):
    """The PKCS#12 bytes: an uploaded file, or base64 text (JSON and XML clients)."""

    def to_internal_value(self, data: Any) -> bytes:
        if isinstance(data, UploadedFile):
            if data.size is not None and data.size > MAX_SIZE:
                raise serializers.ValidationError(TOO_LARGE)
            return data.read(MAX_SIZE + 1)
        if isinstance(data, str) and data.strip():
            try:
                return base64.b64decode("".join(data.split()), validate=True)
            except (binascii.Error, ValueError) as error:
                raise serializers.ValidationError(NOT_A_FILE) from error
        raise serializers.ValidationError(NOT_A_FILE)

    def to_representation(self, value: Any) -> None:  # never rendered
        return None


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": NOT_A_BOOLEAN}


class CertificateInput(InputSerializer):
    certificate = CertificateFileField()
    password = serializers.CharField(max_length=1024, allow_blank=True, trim_whitespace=False)
    representative = StrictBooleanField(required=False, default=False)
