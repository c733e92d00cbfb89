from facturae import views
from facturagem.api.routes import route

INVOICE = "accounts/(?P<account_id>ID)/invoices/(?P<invoice_id>ID)"

urlpatterns = [
    route(f"{INVOICE}/facturae", views.FacturaeView, "invoice-facturae"),
]
