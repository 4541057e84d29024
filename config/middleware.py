"""Refuse a request body that is too large with 413, before anything reads it.

Django reads a body only when a view asks for request.POST or request.body, and then answers an
oversized one with 400 (RequestDataTooBig) after having started to read it. Checking the declared
Content-Length first answers with the right status and a message that says what went wrong, and
never spends memory or time on the body. Django's own limits stay in place behind this one for a
body whose Content-Length is missing or wrong (a WSGI server never hands over more than it declares).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat

from accounts.api_problems import ApiProblem, problem_response

# Room for the encoding of field names and separators, above the size of the fields themselves.
FORM_OVERHEAD = 64 * 1024


def body_limit(request: HttpRequest) -> int:
    """The largest body this request may carry: uploads (multipart) get the larger allowance."""
    if request.content_type == "multipart/form-data":
        return settings.MLFIT_MAX_UPLOAD_SIZE
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django treats an unreadable length as an empty body, and so do we
        limit = body_limit(request)
        if length > limit + (0 if request.content_type == "multipart/form-data" else FORM_OVERHEAD):
            return self.too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def too_large(request: HttpRequest, limit: int) -> HttpResponse:
        message = f"The request is too large: at most {filesizeformat(limit)} can be sent at once."
        if request.path.startswith("/api/"):
            # The API's one error model (accounts.api_problems), as its every other error.
            response: HttpResponse = problem_response(ApiProblem(413, message, code="too_large"))
        else:
            response = render(request, "413.html", {"message": message}, status=413)
        # The body was not read, so the connection cannot carry another request.
        response["Connection"] = "close"
        return response
