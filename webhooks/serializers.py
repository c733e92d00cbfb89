import datetime

from rest_framework import serializers

from accounts.serializers import account_path
from facturagem.api.serializers import InputSerializer, LinksField, Representation
from webhooks import events


def webhook_path(account, webhook) -> str:
    return f"{account_path(account)}/webhooks/{webhook.pk}"


class WebhookOutput(Representation):
    """A webhook: where the account's events go. The signing secret is shown once, when it
    is made (creation, `rotate_secret`), never here."""

    id = serializers.IntegerField()
    account_id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField()
    events = serializers.SerializerMethodField()
    active = serializers.BooleanField()
    disabled_at = serializers.DateTimeField()
    disabled_reason = serializers.SerializerMethodField()
    previous_secret_valid_until = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = LinksField()

    def get_events(self, webhook) -> list[str]:
        return list(webhook.events)

    def get_disabled_reason(self, webhook) -> str | None:
        return webhook.disabled_reason or None

    def get_previous_secret_valid_until(self, webhook) -> datetime.datetime | None:
        """While a rotated-out secret still signs deliveries: until when (else null)."""
        return webhook.previous_secret_until if webhook.previous_secret else None

    def get_links(self, webhook, links):
        account = self.context["account"]
        path = webhook_path(account, webhook)
        return [
            links.link("self", path),
            links.link("account", account_path(account)),
            links.link("deliveries", f"{path}/deliveries"),
            links.link("rotate_secret", f"{path}/rotate_secret"),
        ]


class WebhookWithSecretOutput(WebhookOutput):
    """At creation and at rotation only: the signing secret, in clear, this once."""

    secret = serializers.SerializerMethodField()

    def get_secret(self, webhook) -> str:
        return self.context["secret"]


class WebhookInput(InputSerializer):
    url = serializers.CharField(max_length=2000)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(events.EVENT_TYPES)), allow_empty=False,
        max_length=len(events.EVENT_TYPES) * 2,
    )
    description = serializers.CharField(max_length=200, allow_blank=True, required=False)
    active = serializers.BooleanField(required=False, allow_null=True)


class AttemptOutput(Representation):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    url = serializers.CharField()
    address = serializers.CharField()
    status_code = serializers.IntegerField()
    response_excerpt = serializers.CharField()
    # (a list item's fields are plain: `error_or_none` is the model's)
    error = serializers.CharField(source="error_or_none")


class DeliveryOutput(Representation):
    """One event to this webhook, and every attempt at it."""

    id = serializers.IntegerField()
    webhook_id = serializers.IntegerField()
    event_id = serializers.SerializerMethodField()
    event_type = serializers.SerializerMethodField()
    event_created_at = serializers.SerializerMethodField()
    state = serializers.CharField()
    attempt_count = serializers.IntegerField(source="attempts")
    next_attempt_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField()
    last_status_code = serializers.IntegerField()
    last_error = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    attempts = AttemptOutput(many=True, source="attempt_list")
    links = LinksField()

    def get_event_id(self, delivery) -> str:
        return str(delivery.event.uuid)

    def get_event_type(self, delivery) -> str:
        return delivery.event.type

    def get_event_created_at(self, delivery) -> datetime.datetime:
        return delivery.event.created_at

    def get_last_error(self, delivery) -> str | None:
        return delivery.last_error or None

    def get_links(self, delivery, links):
        path = webhook_path(self.context["account"], self.context["webhook"])
        return [
            links.link("self", f"{path}/deliveries/{delivery.pk}"),
            links.link("webhook", path),
        ]


class DeliveryDetailOutput(DeliveryOutput):
    """One delivery with the body it sends (the event, byte for byte as delivered)."""

    body = serializers.SerializerMethodField()

    def get_body(self, delivery) -> str:
        return delivery.event.body
