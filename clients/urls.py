from clients import views
from facturagem.api.routes import route

urlpatterns = [
    route("accounts/(?P<account_id>ID)/clients", views.ClientListView, "client-list"),
    route("accounts/(?P<account_id>ID)/clients/(?P<id>ID)", views.ClientDetailView,
          "client-detail"),
]
