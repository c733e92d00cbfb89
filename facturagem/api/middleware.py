"""Rails' verbs: `DESTROY` is DELETE, and a POST with `_method` is the verb it names."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError

from facturagem.api.exceptions import BODY_TOO_LARGE, TOO_MANY_FIELDS, early_error_response

MALFORMED_FORM = "Malformed form body: {error}"

OVERRIDABLE = {"PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE", "DESTROY": "DELETE"}


class MethodOverrideMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.method == "DESTROY":
            request.method = "DELETE"
            request.META["REQUEST_METHOD"] = "DELETE"
        elif request.method == "POST":
            # Reading `_method` parses the body here, before any view: a body Django refuses
            # gets the contract's error (not Django's HTML 400) and no view runs.
            try:
                requested = (
                    request.GET.get("_method")
                    or request.headers.get("X-Http-Method-Override")
                    or self._form_method(request)
                )
            except RequestDataTooBig:
                return early_error_response(request, 413, BODY_TOO_LARGE)
            except (TooManyFieldsSent, TooManyFilesSent):
                return early_error_response(request, 400, TOO_MANY_FIELDS)
            except MultiPartParserError as error:
                return early_error_response(request, 400, MALFORMED_FORM.format(error=error))
            verb = OVERRIDABLE.get((requested or "").strip().upper())
            if verb:
                request.method = verb
                request.META["REQUEST_METHOD"] = verb
        return self.get_response(request)

    @staticmethod
    def _form_method(request: HttpRequest) -> str | None:
        # Only form bodies carry `_method` (Rack::MethodOverride reads the same ones).
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # Keep the raw body (Django would stream a multipart one away): the view's parser
            # then reads the fields again in their order, which request.POST forgets.
            request.body  # noqa: B018
            return request.POST.get("_method")
        return None
