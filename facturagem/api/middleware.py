"""Rails' verbs: `DESTROY` is DELETE, and a POST with `_method` is the verb it names."""

from django.http import HttpRequest

OVERRIDABLE = {"PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE", "DESTROY": "DELETE"}


class MethodOverrideMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.method == "DESTROY":
            request.method = "DELETE"
            request.META["REQUEST_METHOD"] = "DELETE"
        elif request.method == "POST":
            requested = (
                request.GET.get("_method")
                or request.headers.get("X-Http-Method-Override")
                or self._form_method(request)
            )
            verb = OVERRIDABLE.get((requested or "").strip().upper())
            if verb:
                request.method = verb
                request.META["REQUEST_METHOD"] = verb
        return self.get_response(request)

    @staticmethod
    def _form_method(request: HttpRequest) -> str | None:
        # Only form bodies carry `_method` (Rack::MethodOverride reads the same ones).
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return request.POST.get("_method")
        return None
