from facturagem.api.routes import route
from invoices import views

ACCOUNT = "accounts/(?P<account_id>ID)"
INVOICE = f"{ACCOUNT}/invoices/(?P<invoice_id>ID)"

urlpatterns = [
    route(f"{ACCOUNT}/invoices", views.InvoiceListView, "invoice-list"),
    route(f"{ACCOUNT}/invoices/new", views.InvoiceNewView, "invoice-new"),
    route(f"{ACCOUNT}/invoices/(?P<id>ID)", views.InvoiceDetailView, "invoice-detail"),
    route(f"{ACCOUNT}/clients/(?P<client_id>ID)/invoices", views.ClientInvoiceListView,
          "client-invoice-list"),
    route(f"{INVOICE}/corrections", views.InvoiceCorrectionsView, "invoice-corrections"),
    route(f"{INVOICE}/void", views.InvoiceVoidView, "invoice-void"),
    route(f"{INVOICE}/payments", views.PaymentListView, "payment-list"),
    route(f"{INVOICE}/payments/(?P<id>ID)", views.PaymentDetailView, "payment-detail"),
]
