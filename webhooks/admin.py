"""Webhooks for staff: read-only (the account manages its webhooks through the API); each
delivery with every attempt, and an action that tries a delivery again now."""

from django.contrib import admin, messages
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import format_html

from facturagem.admin import ConstantQueriesAdmin, ReadOnlyMixin, local_datetime
from webhooks import delivery as deliveries
from webhooks.models import Attempt, Delivery, Webhook

RETRIED = "{count} entrega(s) en cola para intentarlo ahora."


def _pre(text: str) -> str:
    return format_html('<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">'
                       "{}</pre>", text or "")


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyMixin, ConstantQueriesAdmin):
    list_display = ("id", "account", "url", "active", "consecutive_failures", "disabled")
    list_select_related = ("account",)
    changelist_only = ("id", "account__id", "account__name", "url", "active",
                       "consecutive_failures", "disabled_at")
    list_filter = ("active",)
    search_fields = ("url", "account__name")
    # Never the secrets (encrypted or not): staff have no use for them.
    fields = ("account", "url", "description", "events", "active", "consecutive_failures",
              "disabled", "disabled_reason", "previous_secret_until", "created_at",
              "updated_at")
    readonly_fields = fields

    @admin.display(description="desactivado por fallos")
    def disabled(self, webhook: Webhook) -> str:
        return local_datetime(webhook.disabled_at)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("number", "started_at", "duration_ms", "address", "status_code", "error",
              "response_excerpt")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyMixin, ConstantQueriesAdmin):
    list_display = ("id", "event_type", "webhook", "state", "attempts", "last_status_code",
                    "next_attempt", "created_at")
    list_select_related = ("event", "webhook")
    changelist_only = ("id", "event__id", "event__type", "webhook__id", "webhook__url",
                       "state", "attempts", "last_status_code", "next_attempt_at",
                       "created_at")
    list_filter = ("state",)
    search_fields = ("webhook__url", "event__type")
    list_per_page = 50
    actions = ["retry_now"]
    inlines = [AttemptInline]
    fields = ("webhook", "event_type", "event_id", "state", "attempts", "next_attempt_at",
              "delivered_at", "last_status_code", "last_error", "body")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(
            Prefetch("attempt_log", queryset=Attempt.objects.order_by("number")))

    @admin.display(description="evento")
    def event_type(self, delivery: Delivery) -> str:
        return delivery.event.type

    @admin.display(description="id del evento")
    def event_id(self, delivery: Delivery) -> str:
        return str(delivery.event.uuid)

    @admin.display(description="próximo intento")
    def next_attempt(self, delivery: Delivery) -> str:
        return local_datetime(delivery.next_attempt_at)

    @admin.display(description="cuerpo enviado")
    def body(self, delivery: Delivery) -> str:
        return _pre(delivery.event.body)

    def has_retry_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    @admin.action(description="Intentar ahora (también las fallidas o canceladas: "
                  "con 8 intentos nuevos)", permissions=["retry"])
    def retry_now(self, request, queryset) -> None:
        ids = list(queryset.exclude(state=Delivery.State.DELIVERED).values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids).update(
            state=Delivery.State.PENDING, attempts=0, next_attempt_at=timezone.now(),
            lease_until=None)
        for delivery_id in ids:
            deliveries.schedule(delivery_id)
        self.message_user(request, RETRIED.format(count=len(ids)), messages.SUCCESS)
