"""One JSON line per request, and a request id that follows the request into the jobs it starts.

The id comes from the X-Request-ID header (a proxy or load balancer that sets one ties its logs to
ours), or is made here; it is echoed in the response's X-Request-ID. While the request runs it sits
in a context variable, so every log record made meanwhile carries it (`install_log_record_factory`),
and so does every Celery job the request sends: `on_task_publish` copies it into the message's
headers, and `on_task_prerun` puts it back in the worker, where the job's own log records carry it.

The request line names the method, path, status, duration, user id, organisation id and request id
(logger `mlfit.request`, INFO). RequestLogMiddleware is the first middleware, so its duration and
status are what the client got, the 413, the HTTPS redirect and the 503 included. It also feeds the
Prometheus request metrics (config/metrics.py): one clock for both.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from config import metrics

logger = logging.getLogger("mlfit.request")

REQUEST_ID_HEADER = "X-Request-ID"
# The message header a job carries the id in (a custom Celery header becomes an attribute of
# task.request in the worker).
TASK_HEADER = "mlfit_request_id"
# An id from outside is taken as it is only if it cannot garble a log line or a header: a proxy's
# UUID or trace id fits; anything else is replaced by one of ours.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current_request_id: ContextVar[str | None] = ContextVar("mlfit_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def incoming_request_id(value: str | None) -> str:
    if value and _VALID_ID.match(value):
        return value
    return new_request_id()


# --------------------------------------------------------------------------------------------
# Log records


def install_log_record_factory() -> None:
    """Every log record gets `request_id` (the current one, or "-"), whoever made the record.

    A record factory rather than a filter: filters sit on loggers or handlers, and Celery's worker
    replaces the root logger's handlers with its own, while the factory sees every record made in
    the process. Installed once; a second call does nothing.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "mlfit_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = current_request_id.get() or "-"
        return record

    factory.mlfit_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, request id, and the fields passed
    in `extra={"fields": {...}}` (the request line's)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# --------------------------------------------------------------------------------------------
# The middleware


def _user_id(request: HttpRequest) -> int | None:
    # Only a user already looked up: the log line must not add a session and user query to a
    # request that never needed them (the health probes, a static file, a 413).
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


def _route(request: HttpRequest) -> str:
    # The URL pattern, not the path: a label per proposal id would grow the metrics without bound.
    match = getattr(request, "resolver_match", None)
    return f"/{match.route}" if match is not None else "<unmatched>"


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        # Left set until the response is closed (request_finished, below): Django logs a 4xx or 5xx
        # ("Not Found: ...") after the last middleware has returned, and that line is the request's too.
        current_request_id.set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            duration = time.perf_counter() - started
            organisation = getattr(request, "organisation", None)
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "fields": {
                        "method": request.method,
                        "path": request.path,
                        "status": status,
                        "duration_ms": round(duration * 1000, 2),
                        "user_id": _user_id(request),
                        "organisation_id": organisation.pk if organisation is not None else None,
                    }
                },
            )
            metrics.observe_request(method=request.method or "", route=_route(request), status=status, seconds=duration)


def on_request_finished(**kwargs: Any) -> None:
    """request_finished: the next record made in this thread belongs to no request until one sets it."""
    current_request_id.set(None)


request_finished.connect(on_request_finished, dispatch_uid="mlfit_request_id_finished")


# --------------------------------------------------------------------------------------------
# Celery: the id travels with the job


def on_task_publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """before_task_publish: the id of the request (or job) sending this job goes into its headers."""
    request_id = current_request_id.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


# Each running job's token, to put back the id that was current before it (an eager job runs inside
# the request that sent it, and must leave that request's id in place).
_task_tokens: dict[str, Token] = {}


def on_task_prerun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """task_prerun: the job's log records carry the id of the request that sent it."""
    request_id = getattr(getattr(task, "request", None), TASK_HEADER, None) or current_request_id.get()
    if task_id is not None:
        _task_tokens[task_id] = current_request_id.set(request_id)


def on_task_postrun(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        current_request_id.reset(token)
