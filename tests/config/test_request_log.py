"""One JSON line per request, with a request id that the jobs it sends carry on (config/request_log.py)."""

import io
import json
import logging
import re
import time

import pytest
from django.test import Client

from config.request_log import JsonFormatter, current_request_id
from reports.tasks import sweep_reports
from tests.worker import require_worker_services, worker_session


@pytest.fixture
def request_lines():
    """The request log as configured (JSON lines), captured: it is off by default in the tests."""
    logger = logging.getLogger("mlfit.request")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    saved = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(saved)


def test_each_request_is_one_json_line_naming_who_and_how_long(world, request_lines):
    client = world.client_for(world.member)
    response = client.get("/proposals/", HTTP_X_REQUEST_ID="lb-1234")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-1234"
    (line,) = request_lines()
    assert line["method"] == "GET"
    assert line["path"] == "/proposals/"
    assert line["status"] == 200
    assert line["user_id"] == world.member.pk
    assert line["organisation_id"] == world.org.pk
    assert line["request_id"] == "lb-1234"
    assert 0 < line["duration_ms"] < 60_000


def test_an_anonymous_request_gets_an_id_of_its_own(db, request_lines):
    response = Client().get("/health/live/")
    (line,) = request_lines()
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] is None
    assert line["organisation_id"] is None


@pytest.mark.parametrize("given", ["a b", "x" * 200, "id\r\nSet-Cookie: a=b", "é"])
def test_an_id_that_could_garble_a_log_or_header_is_replaced(db, given):
    response = Client().get("/health/live/", HTTP_X_REQUEST_ID=given)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_request_too_large_is_logged_too(db, request_lines):
    response = Client().post("/login/", data="x", content_type="text/plain", CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413
    assert request_lines()[-1]["status"] == 413
    assert response["X-Request-ID"]


def test_log_records_made_during_a_request_carry_its_id(world, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    world.client_for(world.member).get("/proposals/999999/", HTTP_X_REQUEST_ID="req-404")
    # Django logs the 404 after the last middleware has returned: still the request's line.
    assert [r.request_id for r in caplog.records if r.name == "django.request"] == ["req-404"]
    logging.getLogger("tests").warning("outside")
    assert caplog.records[-1].request_id == "-"


def test_an_eager_job_runs_under_its_request_id_and_gives_it_back(db):
    seen = []
    token = current_request_id.set("outer-id")
    try:
        from celery.signals import task_prerun

        def note(**kwargs):
            seen.append(current_request_id.get())

        task_prerun.connect(note, weak=False)
        try:
            sweep_reports.delay()
        finally:
            task_prerun.disconnect(note)
        assert current_request_id.get() == "outer-id"
    finally:
        current_request_id.reset(token)
    assert seen == ["outer-id"]


@pytest.mark.celery_worker
def test_a_job_on_a_worker_logs_the_id_of_the_request_that_sent_it(transactional_db, tmp_path):
    require_worker_services()
    with worker_session(tmp_path) as workers:
        worker = workers.start()
        token = current_request_id.set("req-to-worker-42")
        try:
            sweep_reports.delay()
        finally:
            current_request_id.reset(token)
        deadline = time.monotonic() + 60
        # "[...: INFO/ForkPoolWorker-1] [request req-to-worker-42] Task ...sweep_reports[<id>] succeeded in ..."
        pattern = re.compile(r"\[request req-to-worker-42\] Task [\w.]+sweep_reports\[[\w-]+\] succeeded")
        while time.monotonic() < deadline and not pattern.search(worker.log_text()):
            time.sleep(0.1)
        assert pattern.search(worker.log_text()), worker.log_tail()
