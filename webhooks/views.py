from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException

from facturagem.api.views import AccountScopedView, resolve_id
from webhooks import crypto, selectors, serializers, services
from webhooks.models import Webhook

UNAVAILABLE = (
    "This service cannot store webhook signing secrets: its operator has not set "
    "WEBHOOK_ENCRYPTION_KEY"
)


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = UNAVAILABLE


class WebhookView(AccountScopedView):
    """An account's webhooks: where its events are POSTed, signed (CONTRACT §10)."""

    resource_name = "webhook"
    collection_name = "webhooks"
    output_serializer = serializers.WebhookOutput
    input_serializer = serializers.WebhookInput

    def get_object(self) -> Webhook:
        return selectors.webhook_get(account=self.get_account(), webhook_id=self.kwargs["id"])

    def with_secret(self, result: services.WithSecret):
        return self.created(result.webhook, serializers.WebhookWithSecretOutput,
                            secret=result.secret)


class WebhookListView(WebhookView):
    paginated_methods = ("GET",)
    # The answer to a POST shows the signing secret: never cached, and kept encrypted by
    # Idempotency-Key.
    shows_secrets = True

    def get(self, request, account_id, format=None):
        return self.page(selectors.webhook_list(account=self.get_account()),
                         serializers.WebhookOutput)

    def post(self, request, account_id, format=None):
        """Creates a webhook; its signing `secret` is in this answer, and in no other."""
        data = self.validated(self.input_serializer)
        try:
            result = services.webhook_create(
                account=self.get_account(), url=data["url"], events=data["events"],
                description=data.get("description") or "",
                active=data["active"] if data.get("active") is not None else True,
            )
        except crypto.KeyMissing as error:
            raise ServiceUnavailable from error
        return self.with_secret(result)


class WebhookDetailView(WebhookView):
    def get(self, request, account_id, id, format=None):
        return self.ok(self.get_object())

    def put(self, request, account_id, id, format=None):
        webhook = self.get_object()
        data = self.validated(self.input_serializer, partial=True)
        services.webhook_update(webhook=webhook, data=dict(data))
        return self.no_content()

    def delete(self, request, account_id, id, format=None):
        services.webhook_delete(webhook=self.get_object())
        return self.no_content()


class WebhookRotateSecretView(WebhookView):
    """A new signing secret, shown in this answer only. The previous one keeps signing
    deliveries (a second `v1=`) for WEBHOOK_SECRET_GRACE_HOURS."""

    http_method_names = ["post", "options"]
    input_serializer = None
    output_serializer = serializers.WebhookWithSecretOutput
    shows_secrets = True

    def post(self, request, account_id, id, format=None):
        try:
            result = services.webhook_rotate_secret(webhook=self.get_object())
        except crypto.KeyMissing as error:
            raise ServiceUnavailable from error
        return self.ok(result.webhook, secret=result.secret)


class DeliveryView(AccountScopedView):
    resource_name = "delivery"
    collection_name = "deliveries"
    output_serializer = serializers.DeliveryOutput

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.webhook = selectors.webhook_get(account=self.get_account(),
                                             webhook_id=self.kwargs["webhook_id"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "webhook": self.webhook}


class DeliveryListView(DeliveryView):
    """The webhook's deliveries, newest first, each with every attempt (status, duration,
    the start of the receiver's answer, or what went wrong)."""

    paginated_methods = ("GET",)

    def get(self, request, account_id, webhook_id, format=None):
        return self.page(selectors.delivery_list(webhook=self.webhook),
                         serializers.DeliveryOutput)


class DeliveryDetailView(DeliveryView):
    """One delivery, with the body it sends."""

    output_serializer = serializers.DeliveryDetailOutput

    def get(self, request, account_id, webhook_id, id, format=None):
        delivery = selectors.delivery_list(webhook=self.webhook).defer(None).filter(
            pk=resolve_id(id)).first()
        if delivery is None:
            raise Http404
        return self.ok(delivery)

