from facturagem.api.routes import route
from webhooks import views

WEBHOOKS = "accounts/(?P<account_id>ID)/webhooks"

urlpatterns = [
    route(WEBHOOKS, views.WebhookListView, "webhook-list"),
    route(f"{WEBHOOKS}/(?P<id>ID)", views.WebhookDetailView, "webhook-detail"),
    route(f"{WEBHOOKS}/(?P<id>ID)/rotate_secret", views.WebhookRotateSecretView,
          "webhook-rotate-secret"),
    route(f"{WEBHOOKS}/(?P<webhook_id>ID)/deliveries", views.DeliveryListView,
          "webhook-delivery-list"),
    route(f"{WEBHOOKS}/(?P<webhook_id>ID)/deliveries/(?P<id>ID)", views.DeliveryDetailView,
          "webhook-delivery-detail"),
]
