from certificates import views
from facturagem.api.routes import route

urlpatterns = [
    route("accounts/(?P<account_id>ID)/certificate", views.CertificateView, "certificate"),
]
