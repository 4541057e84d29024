"""Webhooks with Redis stopped and started: an event emitted while Redis is away waits in the
outbox, nothing lost; with Redis back, beat's outbox sweep sends the job and a real Celery worker
delivers it, signed, to a real receiver, once.

As in test_redis.py, Redis is a redis-server of this test's own on a free port (stopping it
troubles nobody else's), the worker is a real one on it, and the sweep is sent as beat sends it.
The receiver listens on 127.0.0.1, which the worker may reach because its deployment says so
(WEBHOOKS_ALLOW_PRIVATE=1 in its environment; off by default).
"""

import json
import re
import shutil
import time

import pytest
from django.db import transaction

from config.celery import app
from outbox.models import OutboxItem, OutboxStatus
from outbox.services import outbox_sweep
from outbox.tasks import sweep_outbox
from tests.conftest import World
from tests.factories import assess
from tests.faults.server import free_port, require, require_postgres
from tests.faults.test_redis import start_redis, start_worker, stop, wait_for
from tests.webhooks.receiver import Receiver
from tests.worker import _app_sends_to
from webhooks.models import Delivery, DeliveryStatus, Event
from webhooks.services import webhook_create, webhook_emit
from webhooks.signing import verify

pytestmark = pytest.mark.celery_worker

DELIVERED = re.compile(r"webhooks\.tasks\.deliver\[[\w-]+\] succeeded in [\d.]+s: '(?P<result>[\w ]+)'")


@pytest.fixture
def world(transactional_db, world) -> World:  # committed: the worker reads it
    return world


@pytest.fixture
def questionnaire_version(transactional_db):
    from questionnaires.versions import latest_version, sync_from_files

    sync_from_files()
    return latest_version()


def test_an_event_emitted_with_redis_stopped_is_delivered_signed_once_it_is_started(
    world, questionnaire_version, tmp_path, monkeypatch, settings
):
    require_postgres()
    if not shutil.which("redis-server"):
        require("redis-server is not installed, so this test cannot stop and start Redis")
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "1")  # the worker's deployment, through its environment
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    worker_log = tmp_path / "celery-worker.log"
    redis_server = worker = None
    with Receiver() as receiver, _app_sends_to(url, "celery"):
        hook = webhook_create(
            organisation=world.org, url=receiver.url(), events=[Event.ASSESSMENT_COMPLETED], by=world.admin
        )
        try:
            redis_server = start_redis(port, tmp_path / "redis.log")
            worker = start_worker(url, worker_log)
            wait_for(lambda: app.control.ping(timeout=0.5), "the worker to start", worker_log)
            # Redis up: a test event goes straight through, so the path works before it is broken.
            with transaction.atomic():
                [first] = webhook_emit(organisation=world.org, event=Event.ASSESSMENT_COMPLETED, data={"n": 1})
            wait_for(lambda: receiver.requests, "the first delivery", worker_log)

            stop(redis_server)  # Redis stopped
            redis_server = None
            # The real flow: completing the assessment emits assessment.completed in its transaction;
            # after the commit, sending the job finds no broker.
            started = time.monotonic()
            assessment = assess(world.proposal, world.owner)
            assert time.monotonic() - started < 8, "completing an assessment waited on the broker"
            delivery = Delivery.objects.exclude(pk=first.pk).get()
            item = OutboxItem.objects.get(ref=f"webhook_delivery:{delivery.pk}")
            assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
            assert item.status == OutboxStatus.PENDING, (item.status, item.last_error)
            assert "unreachable" in item.last_error
            # Beat's sweep while Redis is still stopped: the item waits, nothing fails or is lost.
            outbox_sweep()
            item.refresh_from_db()
            assert item.status == OutboxStatus.PENDING and item.dispatch_failures >= 1
            assert len(receiver.requests) == 1

            redis_server = start_redis(port, tmp_path / "redis-again.log")  # Redis started again

            def delivered() -> bool:
                if Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DELIVERED).exists():
                    return True
                sweep_outbox.delay()  # what beat sends every minute, every 2 s here
                time.sleep(2)
                return False

            wait_for(delivered, "the delivery once Redis is back", worker_log, timeout=90)
            # More sweeps send nothing more.
            sweep_outbox.delay()
            time.sleep(3)
            requests = receiver.requests
            runs = [m["result"] for m in DELIVERED.finditer(worker_log.read_text())]
        finally:
            stop(worker, group=True)
            stop(redis_server)

    assert runs == ["delivered", "delivered"], runs
    assert len(requests) == 2, [r.headers.get("MLFit-Delivery") for r in requests]
    got = requests[1]
    delivery.refresh_from_db()
    assert got.headers["MLFit-Delivery"] == str(delivery.pk)
    assert got.headers["MLFit-Event"] == "assessment.completed"
    assert got.body == delivery.body.encode()
    assert verify(secret=hook.secret, header=got.headers["MLFit-Signature"], body=got.body)
    assert json.loads(got.body)["data"]["assessment"]["id"] == assessment.pk
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.DELIVERED, 1, 200)
    assert [a["status"] for a in delivery.attempt_log] == [200]
    assert OutboxItem.objects.get(ref=f"webhook_delivery:{delivery.pk}").status == OutboxStatus.SENT
