"""While the database is unreachable, answer 503 "try again" rather than 500 "something broke".

PostgreSQL restarting (an upgrade, a failover) makes every query fail for a few seconds with
OperationalError or InterfaceError. That is not a bug in the page, and the person should retry,
not report it: so the answer is a 503 with Retry-After, a plain page for people and JSON for
the API. Nothing here touches the database, the session or the request's user, since all of
them may need the database that is down.

The database can fail in two places, and each has its hook:
- in a view: `DatabaseUnavailableMiddleware.process_exception` (listed in MIDDLEWARE);
- in a middleware below it (the session or the membership lookup, the first queries of a signed-in
  request): Django turns that into a 500 before any outer middleware sees the exception, so
  `server_error`, the handler500 in config/urls.py, looks at the exception being handled;
- in saving the session, which Django reports as a 400: `bad_request`, the handler400.

With CONN_MAX_AGE a worker keeps its connection between requests; CONN_HEALTH_CHECKS (settings)
makes it test that connection at the start of each request and reconnect, so once PostgreSQL is
back the next request works instead of failing on the dead connection.
"""

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is unreachable for a moment. Nothing was lost; please try again in a few seconds."


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        # Rendered without the request: its context processors read the user, from the database.
        response = HttpResponse(render_to_string("503.html", {"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # A 503 must not be cached in place of the page by a proxy or the browser.
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, UNAVAILABLE):
            logger.warning("Database unavailable during %s %s: %s", request.method, request.path, exception)
            return unavailable_response(request)
        return None


def _caused_by_database(exception: BaseException | None) -> bool:
    seen = 0
    while exception is not None and seen < 10:  # the chain of `raise ... from` and `during handling`
        if isinstance(exception, UNAVAILABLE):
            return True
        exception, seen = exception.__cause__ or exception.__context__, seen + 1
    return False


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """handler500: Django calls it inside its `except`, so the exception is still at hand."""
    if _caused_by_database(sys.exc_info()[1]):
        return unavailable_response(request)
    return defaults.server_error(request, template_name)


def bad_request(
    request: HttpRequest, exception: Exception, template_name: str = defaults.ERROR_400_TEMPLATE_NAME
) -> HttpResponse:
    """handler400: a session that could not be saved because the database is down is no bad request.

    Django's database session store turns any database error on saving into "the session was
    deleted by a concurrent request" (SessionInterrupted, a 400); the database error is its context.
    """
    if _caused_by_database(exception):
        return unavailable_response(request)
    return defaults.bad_request(request, exception, template_name)
