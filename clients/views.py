from django.db.models import Q
from django.http import Http404

from clients import serializers, services
from clients.models import Client
from facturagem.api.views import AccountScopedView, resolve_id
from facturagem.db import by_key
from facturagem.validators import normalize_tax_id


def get_client(account, client_id) -> Client:
    client = by_key(Client.objects.filter(account=account, pk=resolve_id(client_id)))
    if client is None:
        raise Http404
    return client


class ClientView(AccountScopedView):
    resource_name = "client"
    collection_name = "clients"
    output_serializer = serializers.ClientOutput
    input_serializer = serializers.ClientInput
    summary_serializer = serializers.ClientSummary


class ClientListView(ClientView):
    paginated_methods = ("GET",)
    list_params = ("q",)

    def get(self, request, account_id, format=None):
        clients = Client.objects.filter(account=self.get_account()).order_by("name", "id")
        query = str(self.params.get("q") or "").strip()
        if query:
            clients = clients.filter(
                Q(name__icontains=query) | Q(tax_id__icontains=normalize_tax_id(query) or query)
            )
        return self.page(clients, serializers.ClientSummary)

    def post(self, request, account_id, format=None):
        data = self.validated(self.input_serializer)
        client = services.client_create(account=self.get_account(), data=dict(data))
        return self.created(client)


class ClientDetailView(ClientView):
    def get(self, request, account_id, id, format=None):
        return self.ok(get_client(self.get_account(), id))

    def put(self, request, account_id, id, format=None):
        client = get_client(self.get_account(), id)
        data = self.validated(self.input_serializer, partial=True)
        services.client_update(client=client, data=dict(data))
        return self.no_content()

    def delete(self, request, account_id, id, format=None):
        client = get_client(self.get_account(), id)
        services.client_delete(client=client)
        return self.no_content()
