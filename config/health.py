"""Health endpoints for a load balancer or an orchestrator, and the worker heartbeat they read.

- `/health/live/` (liveness): the process answers. It touches nothing else, so a database or Redis
  outage never gets the web processes restarted: restarting them would not bring either back.
- `/health/` (readiness, and what an operator looks at): PostgreSQL, the cache's Redis, the Celery
  broker and a recent worker heartbeat. 200 with a JSON summary when all are fine; 503 naming what
  is down otherwise.

Both are public (no session, no organisation) and exempt from the HTTPS redirect
(SECURE_REDIRECT_EXEMPT in settings), since probes talk plain HTTP to the process.

Why our own code rather than django-health-check (4.8.0 is current): its checks are one call each
here, and the parts we need are ours either way. It answers 500 when a check fails (we want 503,
which load balancers and people read as "unavailable", not "broken"); its view is async and runs
sync checks on executor threads, each opening database connections of its own beside the request's
(kept open by CONN_MAX_AGE); and its Celery check is a broadcast ping that waits out its timeout,
while the worker heartbeat below is one read of a sorted set.

The heartbeat: every worker's main process writes `<prefix>:worker-heartbeats` (a sorted set of
hostname -> time) in the broker's Redis every MLFIT_WORKER_HEARTBEAT_INTERVAL seconds, from a
bootstep on the worker's own timer, so a long job in the pool does not stop it. A warm shutdown
removes the worker's entry; a killed worker's entry goes stale, and /health/ reports it once the
newest entry is older than MLFIT_WORKER_HEARTBEAT_MAX_AGE.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from celery import bootsteps, current_app
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Health checks must answer fast even when a service does not: a probe times out after a few
# seconds, and an unreachable Redis would otherwise hold it for the OS's connect timeout.
SOCKET_TIMEOUT = 1.0
# Entries of workers gone for this long are pruned, so the set does not grow with every hostname.
PRUNE_AFTER = 3600

_clients: dict[str, redis.Redis] = {}


def _celery_app():
    # The project's app (config/__init__.py makes it current on import), reached without
    # importing config.celery: that module imports this one for the worker heartbeat.
    return current_app


def broker_redis() -> redis.Redis | None:
    """A client of the broker's Redis (one pool per URL and process), or None if the broker is not Redis."""
    url = _celery_app().conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://")):
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=SOCKET_TIMEOUT, socket_timeout=SOCKET_TIMEOUT)
    return _clients[url]


def redis_key(name: str) -> str:
    """A key of ours in the broker's Redis; the test run's prefix keeps its keys apart (and cleanable)."""
    return f"{settings.MLFIT_REDIS_KEY_PREFIX}:{name}"


HEARTBEATS = "worker-heartbeats"


def jobs_run_eagerly() -> bool:
    return bool(_celery_app().conf.task_always_eager)


# --------------------------------------------------------------------------------------------
# The worker heartbeat


def heartbeat_record(*, hostname: str, client: redis.Redis | None = None) -> None:
    client = client or broker_redis()
    if client is None:
        return
    now = time.time()
    key = redis_key(HEARTBEATS)
    pipe = client.pipeline()
    pipe.zadd(key, {hostname: now})
    pipe.zremrangebyscore(key, "-inf", now - PRUNE_AFTER)
    pipe.expire(key, PRUNE_AFTER)
    pipe.execute()


def heartbeat_forget(*, hostname: str) -> None:
    client = broker_redis()
    if client is not None:
        client.zrem(redis_key(HEARTBEATS), hostname)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes this worker's heartbeat from its main process, on the worker's timer."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        self.tref = None

    def _beat(self, hostname: str) -> None:
        try:
            heartbeat_record(hostname=hostname)
        except redis.RedisError as error:
            # The broker is away: the worker's own reconnect logic deals with it; /health/ will say so.
            logger.warning("Worker heartbeat not written: %s", error)

    def start(self, worker: Any) -> None:
        self._beat(worker.hostname)
        self.tref = worker.timer.call_repeatedly(
            settings.MLFIT_WORKER_HEARTBEAT_INTERVAL, self._beat, (worker.hostname,), priority=10
        )

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        try:
            heartbeat_forget(hostname=worker.hostname)
        except redis.RedisError as error:
            logger.warning("Worker heartbeat not removed: %s", error)


# --------------------------------------------------------------------------------------------
# The checks: each returns a short description when fine and raises when not.


class Down(Exception):
    """A dependency is down; the message says how, without hosts or credentials (the page is public)."""


def check_database() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        raise Down(f"unreachable ({type(error).__name__})") from error
    return connections["default"].vendor


def check_cache() -> str:
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return f"{type(cache).__name__}, in the process"
    # Past ResilientRedisCache, which reads an unreachable Redis as a miss: here that is the news.
    try:
        cache._cache.get_client(write=True).ping()
    except (redis.RedisError, OSError) as error:
        raise Down(f"Redis unreachable ({type(error).__name__})") from error
    return "redis"


def check_broker() -> str:
    app = _celery_app()
    url = app.conf.broker_url or ""
    if url.startswith("memory://"):
        return "none: jobs run in the web process"
    client = broker_redis()
    try:
        if client is not None:
            client.ping()
        else:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=SOCKET_TIMEOUT)
    except Exception as error:
        raise Down(f"unreachable ({type(error).__name__})") from error
    return url.split("://", 1)[0]


def check_worker() -> str:
    if jobs_run_eagerly():
        return "none needed: jobs run in the web process"
    client = broker_redis()
    if client is None:
        raise Down("heartbeats are kept in a Redis broker; this broker is not Redis")
    try:
        newest = client.zrevrange(redis_key(HEARTBEATS), 0, 0, withscores=True)
    except redis.RedisError as error:
        raise Down(f"heartbeats unreadable ({type(error).__name__})") from error
    if not newest:
        raise Down("no worker heartbeat")
    hostname, beat = newest[0]
    age = max(0.0, time.time() - beat)
    limit = settings.MLFIT_WORKER_HEARTBEAT_MAX_AGE
    if age > limit:
        raise Down(f"newest heartbeat {age:.0f} s ago (limit {limit:.0f} s)")
    return f"heartbeat {age:.0f} s ago from {hostname.decode(errors='replace')}"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "worker": check_worker,
}


@dataclass
class Result:
    ok: bool
    detail: str
    ms: float


def run_checks() -> dict[str, Result]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Down as error:
            detail, ok = str(error), False
        except Exception as error:  # a check must never turn the health page into a 500
            logger.exception("Health check %s failed unexpectedly", name)
            detail, ok = f"check failed ({type(error).__name__})", False
        results[name] = Result(ok=ok, detail=detail, ms=round((time.perf_counter() - started) * 1000, 1))
    return results


# --------------------------------------------------------------------------------------------
# The views


@never_cache
@require_safe
def health_view(request: HttpRequest) -> HttpResponse:
    results = run_checks()
    down = [name for name, result in results.items() if not result.ok]
    body = {
        "status": "down" if down else "ok",
        "down": down,
        "checks": {name: {"ok": r.ok, "detail": r.detail, "ms": r.ms} for name, r in results.items()},
    }
    if down:
        logger.warning("Health check: down: %s", ", ".join(f"{n} ({results[n].detail})" for n in down))
    return JsonResponse(body, status=503 if down else 200)


@never_cache
@require_safe
def live_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")
