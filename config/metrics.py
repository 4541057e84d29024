"""Prometheus metrics at /metrics/, off unless MLFIT_METRICS_TOKEN is set, and then for that bearer only.

What is measured, and where it is kept:
- requests and their latency, per method, URL pattern and status: in the web process
  (RequestLogMiddleware observes them; under gunicorn set PROMETHEUS_MULTIPROC_DIR so every worker
  process's figures are summed, see README);
- jobs run, per task and outcome (SUCCESS, FAILURE, RETRY): counted by the workers in a hash in
  the broker's Redis, so any web process can report every worker's counts, across restarts;
- jobs waiting in the broker's default queue, and the outbox backlog (items not yet sent, and those
  that failed) when the `outbox` app is installed: read when scraped.

prometheus-client directly, not django-prometheus: the request figures come from the middleware that
already times each request for the log; django-prometheus's database and cache figures need its own
DB engine and cache backend in place of ours (the resilient Redis cache); its export view has no
authentication; and it has nothing for jobs counted across worker processes and machines.
"""

import hmac
import logging
import os
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# prometheus-client keeps the figures in files there, one per process, when it is set at start-up.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

# Registered in no registry of their own: render() puts them (or, with several processes, the
# files they write) into the registry of each scrape.
REQUESTS = Counter("mlfit_http_requests_total", "HTTP requests answered", ["method", "route", "status"], registry=None)
LATENCY = Histogram(
    "mlfit_http_request_duration_seconds",
    "Time from the first middleware to the response",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=None,
)

JOBS = "metrics:jobs"  # hash in the broker's Redis: "task|state" -> count


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def job_finished(*, task_name: str, state: str) -> None:
    """task_postrun in the worker (and for eager jobs): one more job of this task ended in `state`."""
    from config.health import broker_redis, redis_key

    client = broker_redis()
    if client is None:
        return
    try:
        client.hincrby(redis_key(JOBS), f"{task_name}|{state}", 1)
    except Exception as error:  # a count missed must not fail the job that was counted
        logger.warning("Job count not recorded: %s", error)


def on_task_postrun(task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    if task is not None:
        job_finished(task_name=task.name, state=state or "UNKNOWN")


class SharedCollector(Collector):
    """What every process can read when scraped: job counts, the queue, the outbox backlog."""

    def collect(self) -> Iterator[Any]:
        from config.health import _celery_app, broker_redis, redis_key

        client = broker_redis()
        if client is not None:
            jobs = CounterMetricFamily(
                "mlfit_jobs", "Background jobs finished, by task and outcome", labels=["task", "state"]
            )
            queued = GaugeMetricFamily("mlfit_jobs_queued", "Jobs waiting in the broker", labels=["queue"])
            try:
                for field, count in client.hgetall(redis_key(JOBS)).items():
                    task, _, state = field.decode().partition("|")
                    jobs.add_metric([task, state], int(count))
                queue = _celery_app().conf.task_default_queue
                queued.add_metric([queue], client.llen(queue))
            except Exception as error:
                logger.warning("Job metrics unavailable: %s", error)
            yield jobs
            yield queued
        yield from outbox_metrics()


def outbox_metrics() -> Iterator[Any]:
    """The outbox backlog, if there is an outbox: items neither sent nor failed, and items failed.

    Written against the outbox's shape (a model with a `status` field whose final values are `sent`
    and `failed`) rather than its module, so the metric comes and goes with the app.
    """
    if not apps.is_installed("outbox"):
        return
    models = [m for m in apps.get_app_config("outbox").get_models() if any(f.name == "status" for f in m._meta.fields)]
    if not models:
        return
    backlog = GaugeMetricFamily("mlfit_outbox_backlog", "Outbox items not yet sent, by status", labels=["status"])
    try:
        from django.db.models import Count

        for row in models[0].objects.exclude(status="sent").values("status").annotate(n=Count("pk")):
            backlog.add_metric([str(row["status"])], row["n"])
    except Exception as error:
        logger.warning("Outbox backlog unavailable: %s", error)
    yield backlog


def render() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS:
        MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(SharedCollector())
    return generate_latest(registry)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.MLFIT_METRICS_TOKEN
    if not token:
        # Off: as if the page did not exist, so it says nothing about what runs here.
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
