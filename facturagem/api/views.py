"""The base of every v1 resource view: parse → call → render, with the wire in one place."""

import functools
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from facturagem.api import idempotency, pagination, throttling
from facturagem.api import params as wire_params
from facturagem.api.exceptions import UnprocessableEntity
from facturagem.api.links import Linker
from facturagem.api.params import ParamsError

_LEADING_ID = re.compile(r"\A([0-9]{1,18})(?:-|\Z)")
_WRITE_METHODS = ("POST", "PUT", "PATCH")


def resolve_id(value: str | int) -> int:
    """Rails `to_param` ids: `1`, `1-kovacek-nienow` and `1-anything` are all 1."""
    if isinstance(value, int):
        return value
    match = _LEADING_ID.match(value or "")
    if not match:
        raise Http404
    return int(match.group(1))


@functools.cache
def params_of(serializer_class: type[serializers.Serializer]) -> tuple[str, ...]:
    """`serializer_params` of a class, once per process (building fields is not free)."""
    return tuple(serializer_params(serializer_class()))


def serializer_params(serializer: serializers.BaseSerializer, prefix: str = "") -> list[str]:
    """The parameter names a serializer knows, nested lists as `lines[][description]`."""
    names: list[str] = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ListSerializer) and isinstance(
            field.child, serializers.Serializer
        ):
            names.extend(serializer_params(field.child, f"{prefix}{name}[]"))
        elif prefix:
            names.append(f"{prefix}[{name}]")
        else:
            names.append(name)
    return names


class ApiView(APIView):
    """A v1 resource view. Subclasses declare:

    - `resource_name` (`client`) and `collection_name` (`clients`) for XML roots and wrapping;
    - `output_serializer` (the representation) and `input_serializer` (what POST/PUT accept);
    - `list_params` for collection filters.
    """

    resource_name = "hash"
    collection_name: str | None = None
    input_serializer: type[serializers.Serializer] | None = None
    output_serializer: type[serializers.Serializer] | None = None
    # What a list shows of each item (the OpenAPI document reads it; lists pass it to page()).
    summary_serializer: type[serializers.Serializer] | None = None
    list_params: tuple[str, ...] = ()
    paginated_methods: tuple[str, ...] = ()
    # Responses that show an api_key or a token are never stored by a cache or a browser.
    shows_secrets = False

    def dispatch(self, request, *args: Any, **kwargs: Any):
        # The wire speaks English (as FACTURAgem always did); the admin and PDFs are Spanish.
        with translation.override("en"):
            try:
                return super().dispatch(request, *args, **kwargs)
            finally:
                # An operation that raised (a 500): its Idempotency-Key is free again.
                claim = getattr(self, "_idempotency_claim", None)
                if claim is not None and not claim.finished:
                    idempotency.release(claim)

    # -- parse ---------------------------------------------------------------------------

    def get_params(self, request: Request) -> dict[str, Any]:
        cached = getattr(request, "_wire_params", None)
        if cached is None:
            try:
                cached = wire_params.collect(
                    query_string=wire_params.query_string(request._request),
                    body=request.data,
                    wrapper=self.resource_name,
                )
            except ParamsError as error:
                from rest_framework.exceptions import ParseError

                raise ParseError(str(error)) from error
            request._wire_params = cached
        return cached

    @property
    def params(self) -> dict[str, Any]:
        return self.get_params(self.request)

    @property
    def attributes(self) -> dict[str, Any]:
        """The resource's own attributes from the parameters (switches and ids removed)."""
        return wire_params.attributes(self.params, self.kwargs)

    def allowed_params(self, method: str) -> list[str]:
        names: list[str] = [*wire_params.ALWAYS_ALLOWED]
        names += [name for name in self.kwargs if name != "format"]
        if method in self.paginated_methods:
            names += [*pagination.PAGINATION_PARAMS, *self.list_params]
        if method in _WRITE_METHODS:
            names += self.writable_params(method)
        return list(dict.fromkeys(names))

    def writable_params(self, method: str) -> list[str]:
        """What a write accepts: the input fields, and the representation's read-only ones
        (ignored, so that a GET → edit → PUT round-trip works)."""
        names: list[str] = []
        if self.input_serializer is not None:
            names += params_of(self.input_serializer)
        if self.output_serializer is not None:
            names += params_of(self.output_serializer)
        return names

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # A verb the route does not support is a 405 whatever its parameters (not a 422
        # listing parameters for an operation that does not exist).
        if request.method in self._allowed_methods():
            self.check_params(request)
            # Last: only a request that will run claims its Idempotency-Key (CONTRACT §10).
            self._idempotency_claim = idempotency.begin(request, params=self.get_params(request))

    def handle_exception(self, exc: Exception):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def check_params(self, request: Request) -> None:
        params = self.get_params(request)
        if not wire_params.is_strict(params):
            return
        allowed = self.allowed_params(request.method)
        unexpected = wire_params.unexpected(params, allowed)
        if unexpected:
            raise UnprocessableEntity(
                {name: [wire_params.UNEXPECTED_PARAM] for name in unexpected},
                extra={"allowed_params": allowed},
            )

    def validated(self, serializer_class: type[serializers.Serializer], **options: Any):
        serializer = serializer_class(
            data=self.attributes, context=self.get_serializer_context(), **options
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    # -- render --------------------------------------------------------------------------

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, "links": self.linker, "view": self}

    @property
    def linker(self) -> Linker:
        if not hasattr(self, "_linker"):
            self._linker = Linker(self.request)
        return self._linker

    def represent(self, instance: Any, serializer_class=None, **context: Any) -> dict[str, Any]:
        serializer_class = serializer_class or self.output_serializer
        context = {**self.get_serializer_context(), **context}
        return serializer_class(instance, context=context).data

    def ok(self, instance: Any, serializer_class=None, **context: Any) -> Response:
        return Response(self.represent(instance, serializer_class, **context))

    def created(self, instance: Any, serializer_class=None, **context: Any) -> Response:
        """POST that creates: 200 with the resource and `Location` = its self URI."""
        data = self.represent(instance, serializer_class, **context)
        location = next(link["uri"] for link in data["links"] if link["rel"] == "self")
        return Response(data, status=200, headers={"Location": location})

    def many(self, items: Iterable[Any], serializer_class=None) -> Response:
        """A collection that is not paginated (countries, an invoice's payments)."""
        serializer_class = serializer_class or self.output_serializer
        context = self.get_serializer_context()
        return Response(serializer_class(items, many=True, context=context).data)

    def no_content(self) -> Response:
        """PUT and DELETE: 200 with an empty body (a legacy client's expectation)."""
        return Response(None, status=200)

    def page(self, queryset: QuerySet | pagination.Windowed,
             serializer_class: type[serializers.Serializer]) -> Response:
        # A summary that declares the columns it reads renders from rows, not model
        # instances (a page of 25 spent a sixth of its time building instances).
        row_fields = getattr(serializer_class, "row_fields", None)
        if row_fields and isinstance(queryset, QuerySet | pagination.Windowed):
            queryset = queryset.values(*row_fields)
        page = pagination.paginate(queryset, self.params)
        data = serializer_class(page.items, many=True, context=self.get_serializer_context()).data
        query = {
            key: value
            for key, value in self.request.query_params.lists()
            if key not in ("api_key", "page", "per_page")
        }
        url = self.request.build_absolute_uri(self.request.path)
        return Response(data, headers=pagination.headers(page, url=url, query=query))

    def finalize_response(self, request, response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Every API response says where its caller stands (CONTRACT §10), errors included.
        for name, value in throttling.state_for(request).headers.items():
            response[name] = value
        if self.shows_secrets:
            response["Cache-Control"] = "no-store"
        claim = getattr(self, "_idempotency_claim", None)
        if claim is not None and not claim.finished:
            idempotency.finish(claim, response, secret=self.shows_secrets)
        return response

    # -- verbs ---------------------------------------------------------------------------

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """PATCH behaves as PUT: PUT is already partial (CONTRACT §1)."""
        put = getattr(self, "put", None)
        if put is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return put(request, *args, **kwargs)

    def _allowed_methods(self) -> list[str]:
        methods = super()._allowed_methods()
        if "PATCH" in methods and not hasattr(self, "put"):
            methods.remove("PATCH")
        return methods


class AccountScopedView(ApiView):
    """Views under /accounts/:account_id: the account must be the user's own, else 404."""

    def get_account(self):
        account_id = resolve_id(self.kwargs["account_id"])
        account = self.request.user.account
        if account is None or account.pk != account_id:
            raise Http404
        return account

    def get_serializer_context(self) -> dict[str, Any]:
        # Every representation under an account links through it.
        return {**super().get_serializer_context(), "account": self.get_account()}
