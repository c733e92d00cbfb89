from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request

from certificates import crypto, serializers, services
from certificates.models import AccountCertificate
from facturagem.api.views import AccountScopedView

UNAVAILABLE = (
    "This service cannot store certificates: its operator has not set "
    "CERTIFICATE_ENCRYPTION_KEY"
)
# Never echoed in a 422 nor kept among the parameters: read once, apart.
SECRET_PARAMS = ("certificate", "password")


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = UNAVAILABLE


class CertificateView(AccountScopedView):
    """/accounts/:account_id/certificate: the account's AEAT client certificate (CONTRACT §8)."""

    resource_name = "certificate"
    output_serializer = serializers.CertificateOutput
    input_serializer = serializers.CertificateInput

    def get_params(self, request: Request) -> dict[str, Any]:
        params = super().get_params(request)
        if not hasattr(request, "_certificate_secrets"):
            request._certificate_secrets = {
                name: params.pop(name) for name in SECRET_PARAMS if name in params
            }
        return params

    def get_object(self) -> AccountCertificate:
        try:
            return services.certificate_get(account=self.get_account())
        except AccountCertificate.DoesNotExist as error:
            raise NotFound from error

    def get(self, request, account_id, format=None):
        return self.ok(self.get_object())

    def put(self, request, account_id, format=None):
        account = self.get_account()
        self.get_params(request)
        serializer = self.input_serializer(
            data={**self.attributes, **request._certificate_secrets},
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            certificate = services.certificate_upload(
                account=account,
                data=data["certificate"],
                password=data["password"],
                representative=data["representative"],
            )
        except crypto.KeyMissing as error:
            raise ServiceUnavailable from error
        return self.ok(certificate)

    def delete(self, request, account_id, format=None):
        try:
            services.certificate_delete(account=self.get_account())
        except AccountCertificate.DoesNotExist as error:
            raise NotFound from error
        return self.no_content()
