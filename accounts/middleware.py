from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
