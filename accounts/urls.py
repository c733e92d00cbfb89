from accounts import views
from facturagem.api.routes import route

urlpatterns = [
    route("session", views.SessionView, "session"),
    route("accounts", views.AccountCurrentView, "account-current"),
    route("accounts/(?P<id>ID)", views.AccountDetailView, "account-detail"),
]
