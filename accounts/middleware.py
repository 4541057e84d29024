from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.inputs import InputRefused
from accounts.tenancy import SESSION_KEY, resolve_membership


class OrganisationMiddleware:
    """Sets request.membership and request.organisation for a signed-in person.

    The active organisation is kept in the session; a person who belongs to several switches
    between them (accounts.views.switch_organisation). One query per request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = None
        if request.user.is_authenticated:
            membership = resolve_membership(request.user, request.session.get(SESSION_KEY))
            # Write only on change: a session write on every request costs an UPDATE per page.
            if membership is not None and request.session.get(SESSION_KEY) != membership.organisation_id:
                request.session[SESSION_KEY] = membership.organisation_id
        request.membership = membership
        request.organisation = membership.organisation if membership else None
        return self.get_response(request)


class InputBoundaryMiddleware:
    """A body in another charset than UTF-8, and a value refused by accounts.inputs, answer 400.

    Django answers a form posted as "charset=latin-1" with a bare 400 once something reads
    request.POST, and reads a form in an unknown charset as UTF-8; both are refused here, before
    the CSRF check reads the body, with a page (or, under /api/, JSON) that says why. A view that parses an id with
    accounts.inputs.parse_id lets InputRefused rise, and the person reads why here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.content_params.get("charset") if request.content_params else None
        # Spelled "utf-8" (any case), as Django's form parser wants it: it refuses "utf8" too.
        if charset is not None and charset.lower() != "utf-8":
            return bad_request(
                request,
                f"The request declares the character set {charset[:40]!r}; send it as UTF-8 "
                "(charset=utf-8), which is what this site reads.",
            )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, InputRefused):
            return bad_request(request, str(exception))
        return None


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """400 with the reason: JSON for the API, the 400 page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "400.html", {"message": message}, status=400)
