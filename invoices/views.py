from typing import Any

from clients.models import Client
from clients.views import get_client
from facturagem.api.exceptions import UnprocessableEntity, flatten_errors
from facturagem.api.views import AccountScopedView
from facturagem.db import by_key
from invoices import selectors, serializers, services
from invoices.filters import FILTER_PARAMS, InvoiceFilter
from invoices.models import ZERO, Invoice
from invoices.renderers import InvoicePDFRenderer
from invoices.taxes import TAXED

UNKNOWN_CLIENT = "does not exist"
NOT_A_SCALAR = "must be a single value"


class InvoiceView(AccountScopedView):
    resource_name = "invoice"
    collection_name = "invoices"
    output_serializer = serializers.InvoiceOutput
    input_serializer = serializers.InvoiceInput
    summary_serializer = serializers.InvoiceSummary

    def client_from(self, data: dict[str, Any]) -> Client | None:
        """The client named by `client_id`, which must be the account's own (422 otherwise:
        it is a parameter here, not a URL)."""
        if data.get("client_id") is None:
            return None
        client = by_key(Client.objects.filter(account=self.get_account(),
                                              pk=data["client_id"]))
        if client is None:
            raise UnprocessableEntity({"client_id": [UNKNOWN_CLIENT]})
        return client

    def lines_from(self, data: dict[str, Any]) -> list[services.LineData] | None:
        if "lines" not in data:
            return None
        default_iva = self.get_account().default_iva_percent
        lines = []
        for line in data["lines"]:
            treatment = line.get("treatment") or TAXED
            iva = line.get("iva_percent")
            if iva is None:  # the account's rate on taxed lines; untaxed ones carry none
                iva = default_iva if treatment == TAXED else ZERO
            lines.append(
                services.LineData(
                    description=line["description"],
                    quantity=line["quantity"],
                    unit_price=line["unit_price"],
                    discount_percent=line["discount_percent"],
                    iva_percent=iva,
                    treatment=treatment,
                )
            )
        return lines


class InvoiceListView(InvoiceView):
    paginated_methods = ("GET",)
    list_params = FILTER_PARAMS

    def list_client(self) -> Client | None:
        """The client whose invoices the URL lists (None: the whole account's)."""
        return None

    def base_queryset(self):
        queryset = selectors.invoice_list(account=self.get_account())
        client = self.list_client()
        return queryset if client is None else queryset.filter(client=client)

    def get(self, request, format=None, **kwargs):
        values = {}
        for name in FILTER_PARAMS:
            value = self.params.get(name)
            if isinstance(value, dict | list):
                raise UnprocessableEntity({name: [NOT_A_SCALAR]})
            if value is not None:
                values[name] = str(value)
        client = self.list_client()
        client_id = client.pk if client is not None else None
        if not values:  # the common case: no form to validate
            pages = selectors.invoice_pages(
                self.base_queryset(), account=self.get_account(), client_id=client_id
            )
            return self.page(pages, serializers.InvoiceSummary)
        filterset = InvoiceFilter(data=values, queryset=self.base_queryset())
        if not filterset.is_valid():
            # Messages only: get_json_data() would add {message, code} dicts to the names.
            errors = {name: [e["message"] for e in messages]
                      for name, messages in filterset.errors.get_json_data().items()}
            raise UnprocessableEntity(flatten_errors(errors))
        pages = selectors.invoice_pages(
            filterset.qs, account=self.get_account(), client_id=client_id,
            filters=filterset.form.cleaned_data,
        )
        return self.page(pages, serializers.InvoiceSummary)

    def post(self, request, account_id, format=None):
        data = self.validated(self.input_serializer)
        client = self.client_from(data)
        if client is None and not data.get("simplified"):
            raise UnprocessableEntity({"client_id": [serializers.ID_REQUIRED]})
        invoice = services.invoice_create(
            account=self.get_account(),
            client=client,
            lines=self.lines_from(data) or [],
            data=data,
        )
        if data.get("paid"):  # its payment was registered too: read it back whole
            invoice = selectors.invoice_get(account=invoice.account, invoice_id=invoice.pk)
        return self.created(invoice)


class ClientInvoiceListView(InvoiceListView):
    """A client's invoices: the same list, the client fixed by the URL."""

    list_params = tuple(name for name in FILTER_PARAMS if name != "client_id")

    def list_client(self) -> Client:
        if not hasattr(self, "_list_client"):
            self._list_client = get_client(self.get_account(), self.kwargs["client_id"])
        return self._list_client

    http_method_names = ["get", "head", "options"]


class InvoiceNewView(InvoiceView):
    """An unsaved invoice, prefilled (`client_id` and `invoice_id` optional)."""

    list_params = ("client_id", "invoice_id")

    def allowed_params(self, method: str) -> list[str]:
        return [*super().allowed_params(method), *self.list_params]

    def get(self, request, account_id, format=None):
        account = self.get_account()
        client = source = None
        if self.params.get("client_id") not in (None, ""):
            client = get_client(account, str(self.params["client_id"]))
        if self.params.get("invoice_id") not in (None, ""):
            source = selectors.invoice_get(
                account=account, invoice_id=str(self.params["invoice_id"]), with_details=False
            )
        invoice = services.invoice_new(account=account, client=client, source=source)
        return self.ok(invoice)


class InvoiceDetailView(InvoiceView):
    def get_renderers(self):
        # The PDF is a representation to read: a write (or OPTIONS) on `.pdf` is a 406.
        renderers = super().get_renderers()
        request = getattr(self, "request", None)  # None: introspected (the playground)
        if request is None or request.method in ("GET", "HEAD"):
            renderers.append(InvoicePDFRenderer())
        return renderers

    def allowed_params(self, method: str) -> list[str]:
        names = super().allowed_params(method)
        return [*names, "locale"] if method == "GET" else names

    def get_object(self) -> Invoice:
        return selectors.invoice_get(account=self.get_account(), invoice_id=self.kwargs["id"])

    def get(self, request, account_id, id, format=None):
        return self.ok(selectors.invoice_to_show(account=self.get_account(),
                                                 invoice_id=self.kwargs["id"]))

    def put(self, request, account_id, id, format=None):
        invoice = self.get_object()
        # Not `partial`: every invoice field is optional already, and a line sent must be
        # a whole line (partial validation would let a line without its price through).
        data = self.validated(self.input_serializer)
        services.invoice_update(
            invoice=invoice,
            data=data,
            client=self.client_from(data),
            lines=self.lines_from(data),
        )
        return self.no_content()

    def delete(self, request, account_id, id, format=None):
        services.invoice_delete(invoice=self.get_object())
        return self.no_content()


class InvoiceActionView(InvoiceView):
    """POST …/invoices/:invoice_id/<action>: an operation on an issued invoice."""

    http_method_names = ["post", "options"]

    def get_invoice(self) -> Invoice:
        return selectors.invoice_get(
            account=self.get_account(), invoice_id=self.kwargs["invoice_id"],
            with_details=False,
        )


class InvoiceCorrectionsView(InvoiceActionView):
    """Issues a corrective invoice (factura rectificativa) for the invoice: CONTRACT §8."""

    input_serializer = serializers.CorrectionInput

    def post(self, request, account_id, invoice_id, format=None):
        invoice = self.get_invoice()
        data = self.validated(self.input_serializer)
        corrective = services.invoice_correct(
            invoice=invoice,
            reason=data["reason"],
            correction_type=data.get("correction_type") or None,
            method=data.get("method") or None,
            lines=self.lines_from(data),
            issue_date=data.get("issue_date"),
        )
        return self.created(selectors.invoice_get(account=invoice.account,
                                                  invoice_id=corrective.pk))


class InvoiceVoidView(InvoiceActionView):
    """Voids an invoice issued by mistake (anulación): CONTRACT §8."""

    input_serializer = serializers.VoidInput

    def post(self, request, account_id, invoice_id, format=None):
        invoice = self.get_invoice()
        data = self.validated(self.input_serializer)
        services.invoice_void(invoice=invoice, reason=data["reason"])
        return self.ok(selectors.invoice_get(account=invoice.account, invoice_id=invoice.pk))


class PaymentView(AccountScopedView):
    resource_name = "payment"
    collection_name = "payments"
    output_serializer = serializers.PaymentOutput
    input_serializer = serializers.PaymentInput

    def get_invoice(self) -> Invoice:
        return selectors.invoice_get(
            account=self.get_account(), invoice_id=self.kwargs["invoice_id"], with_details=False
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "invoice": self.invoice}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.invoice = self.get_invoice()


class PaymentListView(PaymentView):
    def get(self, request, account_id, invoice_id, format=None):
        payments = self.invoice.payments.order_by("date", "id")
        return self.many(payments)

    def post(self, request, account_id, invoice_id, format=None):
        data = self.validated(self.input_serializer)
        payment = services.invoice_register_payment(invoice=self.invoice, **data)
        return self.created(payment)


class PaymentDetailView(PaymentView):
    def get_object(self):
        return selectors.payment_get(invoice=self.invoice, payment_id=self.kwargs["id"])

    def get(self, request, account_id, invoice_id, id, format=None):
        return self.ok(self.get_object())

    def delete(self, request, account_id, invoice_id, id, format=None):
        services.payment_delete(payment=self.get_object())
        return self.no_content()
