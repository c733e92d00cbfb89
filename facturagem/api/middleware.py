"""Request bodies read whole and bounded before any view; Rails' verbs (`DESTROY` is DELETE,
and a POST with `_method` is the verb it names)."""

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError

from facturagem.api.exceptions import BODY_TOO_LARGE, TOO_MANY_FIELDS, early_error_response

MALFORMED_FORM = "Malformed form body: {error}"
BODY_TOO_SLOW = "The request body did not arrive in time"
BODY_UNREADABLE = "The request body could not be read"
LENGTH_REQUIRED = "A chunked request body is not accepted here: send Content-Length"
INVALID_LENGTH = "Content-Length is not a number"


def _timed_out(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, TimeoutError) or "timed out" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


class RequestBodyMiddleware:
    """Every request body, read whole here (it is at most DATA_UPLOAD_MAX_MEMORY_SIZE),
    so that no view ever waits on a client and no part of a body escapes the limit.

    - `Content-Length` over the limit: 413 before a byte is read. Django's own limit leaves
      out multipart file parts; this one counts the whole body, files included.
    - `Transfer-Encoding: chunked`: WSGI has no length for it and Django reads such a body
      as empty. The server (gunicorn) decodes the chunks; the body is read here up to the
      limit (413 beyond) and handed on with its length, as if it had been sent with one.
      A server that cannot decode chunks (`wsgi.input_terminated` unset) gets a 411.
    - Under gunicorn, the client's socket gets REQUEST_BODY_TIMEOUT for the read: a client
      that sends one byte of a hundred holds a worker thread for seconds, not forever (408).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        meta = request.META
        chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return early_error_response(request, 400, INVALID_LENGTH)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return early_error_response(request, 413, BODY_TOO_LARGE)
        if chunked and not meta.get("wsgi.input_terminated"):
            return early_error_response(request, 411, LENGTH_REQUIRED)
        if not (chunked or length):
            return self.get_response(request)
        sock = meta.get("gunicorn.socket")
        if sock is not None:
            sock.settimeout(settings.REQUEST_BODY_TIMEOUT)
        try:
            if chunked:
                body = meta["wsgi.input"].read(limit + 1 if limit is not None else -1)
                if limit is not None and len(body) > limit:
                    return early_error_response(request, 413, BODY_TOO_LARGE)
                meta["CONTENT_LENGTH"] = str(len(body))
                request._body = body
                request._stream = io.BytesIO(body)
            else:
                request.body  # noqa: B018 - read whole, now, under the timeout
        except OSError as error:  # Django wraps it in an UnreadablePostError (an OSError)
            if _timed_out(error):
                return early_error_response(request, 408, BODY_TOO_SLOW)
            return early_error_response(request, 400, BODY_UNREADABLE)
        finally:
            if sock is not None:
                sock.settimeout(None)
        return self.get_response(request)

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
