from django.http import Http404
from rest_framework import exceptions
from rest_framework.permissions import AllowAny, IsAuthenticated

from accounts import serializers, services
from facturagem.api.views import ApiView, resolve_id


class SessionView(ApiView):
    """POST logs in (no key needed), GET shows the current user, DELETE logs out everywhere."""

    resource_name = "session"
    xml_root = "user"  # what Rails rendered for the user model (CONTRACT §6)
    shows_secrets = True  # the api_key
    output_serializer = serializers.UserOutput
    input_serializer = serializers.SessionInput

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_authenticators(self):
        if self.request and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def post(self, request, format=None):
        data = self.validated(self.input_serializer)
        try:
            session = services.session_create(
                request=request._request, login=data["login"], password=data["password"]
            )
        except services.AuthenticationFailed as error:
            raise exceptions.AuthenticationFailed(error.message) from error
        return self.created(session.user, api_key=session.api_key)

    def get(self, request, format=None):
        # Through a web session (no key sent), show the key the user would use.
        return self.ok(request.user, api_key=request.auth or services.api_key_for(request.user))

    def delete(self, request, format=None):
        services.session_destroy(user=request.user)
        return self.no_content()


class AccountCurrentView(ApiView):
    """GET /accounts: the current user's account, as one object."""

    resource_name = "account"
    output_serializer = serializers.AccountOutput

    def get(self, request, format=None):
        return self.ok(request.user.account)


class AccountDetailView(ApiView):
    resource_name = "account"
    output_serializer = serializers.AccountOutput
    input_serializer = serializers.AccountInput

    def get_object(self):
        account = self.request.user.account
        if account.pk != resolve_id(self.kwargs["id"]):
            raise Http404
        return account

    def get(self, request, id, format=None):
        return self.ok(self.get_object())

    def put(self, request, id, format=None):
        account = self.get_object()
        data = self.validated(self.input_serializer, partial=True)
        services.account_update(account=account, data=dict(data))
        return self.no_content()
