"""/metrics/: off unless a token is set, then Prometheus figures for that bearer only (config/metrics.py)."""

import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from config.celery import app
from outbox.models import OutboxItem, OutboxKind, OutboxStatus
from reports.tasks import sweep_reports
from tests.config.test_health import _url, require_redis

TOKEN = "a-random-metrics-token-0123456789"


def scrape(client: Client | None = None) -> dict[str, dict[tuple, float]]:
    response = (client or Client()).get("/metrics/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_it_is_off_unless_a_token_is_set(db):
    assert Client().get("/metrics/").status_code == 404
    assert Client().get("/metrics/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@override_settings(MLFIT_METRICS_TOKEN=TOKEN)
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_it_refuses_anyone_without_the_token(db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().get("/metrics/", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"mlfit_" not in response.content


@override_settings(MLFIT_METRICS_TOKEN=TOKEN)
def test_it_counts_requests_by_route_and_status(db):
    before = scrape().get("mlfit_http_requests_total", {})
    key = (("method", "GET"), ("route", "/ping/"), ("status", "200"))
    Client().get("/ping/")
    Client().get("/ping/")
    Client().get("/no-such-page/")
    after = scrape()
    assert after["mlfit_http_requests_total"][key] == before.get(key, 0) + 2
    # An unknown path is one label, however many such paths are asked for.
    assert (("method", "GET"), ("route", "<unmatched>"), ("status", "404")) in after["mlfit_http_requests_total"]
    assert after["mlfit_http_request_duration_seconds_count"][(("method", "GET"), ("route", "/ping/"))] >= 2


@override_settings(MLFIT_METRICS_TOKEN=TOKEN)
def test_it_reports_the_outbox_backlog(db):
    for status in [OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.SENT]:
        OutboxItem.objects.create(kind=OutboxKind.EMAIL, status=status)
    backlog = scrape()["mlfit_outbox_backlog"]
    assert backlog[(("status", "pending"),)] == 2
    assert backlog[(("status", "failed"),)] == 1
    assert (("status", "sent"),) not in backlog


@override_settings(MLFIT_METRICS_TOKEN=TOKEN)
def test_it_counts_jobs_across_processes_in_redis(db, monkeypatch):
    client = require_redis()
    monkeypatch.setattr(app.conf, "broker_url", _url(client))
    key = (("state", "SUCCESS"), ("task", sweep_reports.name))
    before = scrape().get("mlfit_jobs_total", {}).get(key, 0)
    sweep_reports.delay()  # eager here (jobs_run_in_process); a worker counts the same way
    samples = scrape()
    assert samples["mlfit_jobs_total"][key] == before + 1
    assert (("queue", "celery"),) in samples["mlfit_jobs_queued"]
