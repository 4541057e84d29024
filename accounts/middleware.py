from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare

from accounts.api_problems import ApiProblem, problem_response
from accounts.inputs import InputRefused
from accounts.models import Membership
from accounts.tenancy import SESSION_KEY, resolve_membership, session_member


class MemberMiddleware(AuthenticationMiddleware):
    """Sets request.user, request.membership and request.organisation, in one query.

    Django's AuthenticationMiddleware and our organisation look-up cost two queries on every
    signed-in request, and compiling them through the ORM was most of the cost of a signed-in
    page that does nothing else (/ping/). Here one prepared query (accounts.tenancy.
    session_member) loads the user with their membership and its organisation, and the session is
    verified exactly as django.contrib.auth.get_user does: the backend must be one of
    AUTHENTICATION_BACKENDS, the user active, and the session's password hash must match (a
    password change signs other sessions out). A session signed in through another backend takes
    Django's own path. Subclassing AuthenticationMiddleware keeps the admin's check for it.

    The active organisation is kept in the session; a person who belongs to several switches
    between them (accounts.views.switch_organisation).
    """

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)  # the session check, request.auser
        user, membership = self._signed_in(request)
        request.user = user
        request._cached_user = user  # what django.contrib.auth.middleware.get_user would cache
        # Write only on change: a session write on every request costs an UPDATE per page.
        if membership is not None and request.session.get(SESSION_KEY) != membership.organisation_id:
            request.session[SESSION_KEY] = membership.organisation_id
        request.membership = membership
        request.organisation = membership.organisation if membership else None

    def _signed_in(self, request: HttpRequest) -> tuple[Any, Membership | None]:
        session = request.session
        try:
            raw_id = session[auth.SESSION_KEY]
            backend = session[auth.BACKEND_SESSION_KEY]
        except KeyError:
            return AnonymousUser(), None
        if backend != _MODEL_BACKEND or backend not in settings.AUTHENTICATION_BACKENDS:
            user = auth.get_user(request)
            if not user.is_authenticated:
                return user, None
            return user, resolve_membership(user, session.get(SESSION_KEY))
        try:
            user_id = get_user_model()._meta.pk.to_python(raw_id)
        except ValidationError:
            return AnonymousUser(), None
        user, membership = session_member(user_id, session.get(SESSION_KEY))
        if user is None or not ModelBackend().user_can_authenticate(user):
            return AnonymousUser(), None
        if not _session_verified(request, user):
            session.flush()
            return AnonymousUser(), None
        return user, membership


_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _session_verified(request: HttpRequest, user: Any) -> bool:
    """django.contrib.auth.get_user's check: the session's hash of the password, under the current
    secret key or (then re-keyed) a fallback one."""
    session_hash = request.session.get(auth.HASH_SESSION_KEY)
    if not session_hash:
        return False
    current = user.get_session_auth_hash()
    if constant_time_compare(session_hash, current):
        return True
    if any(constant_time_compare(session_hash, fallback) for fallback in user.get_session_auth_fallback_hash()):
        request.session.cycle_key()
        request.session[auth.HASH_SESSION_KEY] = current
        return True
    return False


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
                code="unsupported_charset",
            )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, InputRefused):
            return bad_request(request, str(exception))
        return None


def bad_request(request: HttpRequest, message: str, code: str = "bad_request") -> HttpResponse:
    """400 with the reason: a problem document for the API, the 400 page otherwise."""
    if request.path.startswith("/api/"):
        # The API's one error model (accounts.api_problems), as its every other error.
        return problem_response(ApiProblem(400, message, code=code))
    return render(request, "400.html", {"message": message}, status=400)
