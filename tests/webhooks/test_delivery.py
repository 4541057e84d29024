"""Deliveries end to end, to a real HTTP receiver: signed, retried with a backoff through the
outbox, logged attempt by attempt, given up after MAX_ATTEMPTS, sent again on request, never sent
for a change that rolled back, never redirected."""

import json
import socket
import time
from datetime import datetime

import pytest
from django.db import transaction

from outbox.models import OutboxItem, OutboxStatus
from outbox.services import outbox_sweep
from tests.webhooks.receiver import Receiver
from webhooks import services, transport
from webhooks.models import Delivery, DeliveryStatus, Event
from webhooks.services import MAX_ATTEMPTS, delivery_attempt, delivery_replay, webhook_emit
from webhooks.signing import signature_header, verify

DATA = {"proposal": {"id": 7, "title": "Route support tickets"}}


def emit(world, capture, event=Event.REPORT_FINISHED, data=DATA) -> list[Delivery]:
    """Emit in a transaction that commits: the outbox sends the job, which runs here (eager)."""
    with capture(execute=True), transaction.atomic():
        made = webhook_emit(organisation=world.org, event=event, data=data)
    return [Delivery.objects.get(pk=d.pk) for d in made]


def due_later(clock, seconds: float = 3600) -> None:
    """Move past the retry's backoff and run the outbox's sweep, as beat does every minute."""
    clock.shift(seconds)
    outbox_sweep()


# --- the signature -------------------------------------------------------------------------------


def test_the_signature_verifies_and_fails_with_a_wrong_secret_a_changed_body_or_an_old_time():
    body = b'{"event":"ping"}'
    now = int(time.time())
    header = signature_header(secret="whsec_right", timestamp=now, body=body)
    assert header.startswith(f"t={now},v1=")
    assert verify(secret="whsec_right", header=header, body=body)
    assert not verify(secret="whsec_wrong", header=header, body=body)
    assert not verify(secret="whsec_right", header=header, body=b'{"event":"pong"}')
    assert not verify(secret="whsec_right", header=header, body=body, now=now + 301)
    assert not verify(secret="whsec_right", header="t=abc,v1=00", body=body)
    assert not verify(secret="whsec_right", header="", body=body)


# --- one delivery to a real receiver -------------------------------------------------------------


def test_a_delivery_reaches_the_receiver_signed_and_is_logged(
    world, hook, receiver, django_capture_on_commit_callbacks
):
    [delivery] = emit(world, django_capture_on_commit_callbacks)
    [got] = receiver.requests
    assert got.path == "/hooks/mlfit"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["MLFit-Event"] == "report.finished"
    assert got.headers["MLFit-Delivery"] == str(delivery.pk)
    assert got.body == delivery.body.encode()
    assert verify(secret=hook.secret, header=got.headers["MLFit-Signature"], body=got.body)
    assert got.headers["MLFit-Signature"].startswith(f"t={got.headers['MLFit-Timestamp']},v1=")
    document = json.loads(got.body)
    assert document["event"] == "report.finished"
    assert document["id"] == delivery.event_id
    assert document["organisation"] == {"id": world.org.pk, "slug": "acme"}
    assert document["data"] == DATA
    assert hook.secret not in got.body.decode()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.DELIVERED, 1, 200)
    assert delivery.response_excerpt == "answered 200"
    assert delivery.delivered_at is not None
    assert [(a["status"], a["error"]) for a in delivery.attempt_log] == [(200, "")]
    # The outbox sent the job: "sent" for a job means it reached the worker.
    item = OutboxItem.objects.get(ref=f"webhook_delivery:{delivery.pk}")
    assert (item.status, item.payload) == (OutboxStatus.SENT, {"task": "webhooks.tasks.deliver", "args": [delivery.pk]})


def test_only_active_webhooks_that_want_the_event_get_it(world, local, receiver, django_capture_on_commit_callbacks):
    wants = services.webhook_create(
        organisation=world.org, url=receiver.url("/a"), events=["review.decided"], by=world.admin
    )
    services.webhook_create(organisation=world.org, url=receiver.url("/b"), events=["report.finished"], by=world.admin)
    paused = services.webhook_create(
        organisation=world.org, url=receiver.url("/c"), events=["review.decided"], by=world.admin
    )
    services.webhook_set_active(webhook=paused, active=False, by=world.admin)
    services.webhook_create(
        organisation=world.other_org, url=receiver.url("/d"), events=Event.values, by=world.outsider
    )
    [delivery] = emit(world, django_capture_on_commit_callbacks, event=Event.REVIEW_DECIDED)
    assert delivery.webhook_id == wants.pk
    assert [r.path for r in receiver.requests] == ["/a"]


def test_a_change_that_rolls_back_emits_nothing(world, hook, receiver, django_capture_on_commit_callbacks):
    before = OutboxItem.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        assert webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data=DATA)
        raise RuntimeError("the change failed")
    assert not Delivery.objects.exists()
    assert OutboxItem.objects.count() == before
    assert receiver.requests == []


def test_nobody_listening_costs_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data=DATA) == []


# --- failures, retries, the log ------------------------------------------------------------------


def test_a_500_then_a_200_is_retried_after_a_backoff_and_both_attempts_are_logged(
    world, local, clock, django_capture_on_commit_callbacks
):
    with Receiver(statuses=[500, 200]) as receiver:
        hook = services.webhook_create(organisation=world.org, url=receiver.url(), events=Event.values, by=world.admin)
        [delivery] = emit(world, django_capture_on_commit_callbacks)
        assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.RETRYING, 1, 500)
        assert delivery.last_error == "HTTP 500 Internal Server Error"
        assert delivery.next_attempt_at > delivery.created_at
        # Not due yet: the sweep sends nothing, and a job arriving early does not send it either.
        outbox_sweep()
        assert delivery_attempt(delivery_id=delivery.pk) == "not due"
        assert len(receiver.requests) == 1
        due_later(clock)
        delivery.refresh_from_db()
        first, second = receiver.requests
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.DELIVERED, 2, 200)
    assert delivery.last_error == ""
    assert [a["status"] for a in delivery.attempt_log] == [500, 200]
    assert delivery.attempt_log[0]["error"] == "HTTP 500 Internal Server Error"
    # The same delivery and body, signed again at the time it was sent.
    assert first.body == second.body == delivery.body.encode()
    assert first.headers["MLFit-Delivery"] == second.headers["MLFit-Delivery"] == str(delivery.pk)
    assert int(second.headers["MLFit-Timestamp"]) >= int(first.headers["MLFit-Timestamp"]) + 3600
    assert verify(secret=hook.secret, header=second.headers["MLFit-Signature"], body=second.body)


def test_after_max_attempts_the_delivery_fails_with_the_reason(world, local, clock, django_capture_on_commit_callbacks):
    with Receiver(statuses=[503]) as receiver:
        services.webhook_create(organisation=world.org, url=receiver.url(), events=Event.values, by=world.admin)
        [delivery] = emit(world, django_capture_on_commit_callbacks)
        for _ in range(MAX_ATTEMPTS + 2):
            due_later(clock)
        delivery.refresh_from_db()
        assert len(receiver.requests) == MAX_ATTEMPTS
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert delivery.last_error == f"Gave up after {MAX_ATTEMPTS} attempts. HTTP 503 Service Unavailable"
    assert [a["status"] for a in delivery.attempt_log] == [503] * MAX_ATTEMPTS
    # One outbox item per attempt; each retry's is due 30 s, 1, 2, 4... min after the attempt before.
    items = list(OutboxItem.objects.filter(ref=f"webhook_delivery:{delivery.pk}").order_by("pk"))
    assert [i.key for i in items] == [f"webhook_delivery:{delivery.pk}:{n}" for n in range(1, MAX_ATTEMPTS + 1)]
    gaps = [
        (item.next_attempt_at - datetime.fromisoformat(attempt["at"])).total_seconds()
        for item, attempt in zip(items[1:], delivery.attempt_log, strict=False)
    ]
    assert gaps == [30, 60, 120, 240, 480, 960, 1920]


def test_a_timeout_and_a_refused_connection_are_failed_attempts(
    world, local, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(transport, "TIMEOUT_SECONDS", 0.5)
    with socket.socket() as silent:  # listens, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        services.webhook_create(
            organisation=world.org, url=f"http://127.0.0.1:{port}/", events=Event.values, by=world.admin
        )
        started = time.monotonic()
        [delivery] = emit(world, django_capture_on_commit_callbacks)
        assert time.monotonic() - started < 3
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_error == "No answer within 0.5 s."
    assert delivery.attempt_log[0]["status"] is None
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens once closed
    outcome = transport.post(f"http://127.0.0.1:{port}/", b"{}", {})
    assert outcome.status is None and outcome.error.startswith("Could not connect"), outcome


def test_a_redirect_is_not_followed(world, local, django_capture_on_commit_callbacks):
    with Receiver(statuses=[302], headers={"Location": "/elsewhere"}) as receiver:
        services.webhook_create(organisation=world.org, url=receiver.url(), events=Event.values, by=world.admin)
        [delivery] = emit(world, django_capture_on_commit_callbacks)
        time.sleep(0.2)
        assert [r.path for r in receiver.requests] == ["/hooks/mlfit"]
    assert (delivery.status, delivery.response_status) == (DeliveryStatus.RETRYING, 302)
    assert delivery.last_error == "HTTP 302: redirects are not followed (to /elsewhere)."


def test_send_again_makes_a_new_delivery_of_the_same_body(world, hook, receiver, django_capture_on_commit_callbacks):
    [delivery] = emit(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        copy = delivery_replay(delivery=delivery)
    copy.refresh_from_db()
    assert copy.pk != delivery.pk
    assert (copy.body, copy.event, copy.event_id, copy.replay_of_id) == (
        delivery.body,
        delivery.event,
        delivery.event_id,
        delivery.pk,
    )
    assert (copy.status, copy.attempts) == (DeliveryStatus.DELIVERED, 1)
    first, second = receiver.requests
    assert first.body == second.body
    assert (first.headers["MLFit-Delivery"], second.headers["MLFit-Delivery"]) == (str(delivery.pk), str(copy.pk))
    # The original's log is untouched.
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_paused_webhook_is_sent_nothing(world, hook, receiver, django_capture_on_commit_callbacks):
    with transaction.atomic():
        [delivery] = webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data=DATA)
    services.webhook_set_active(webhook=hook, active=False, by=world.admin)
    assert delivery_attempt(delivery_id=delivery.pk) == "paused"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "paused" in delivery.last_error
    with pytest.raises(services.WebhookError, match="paused"):
        delivery_replay(delivery=delivery)
    assert receiver.requests == []


def test_a_job_delivered_twice_sends_once(world, hook, receiver):
    with transaction.atomic():
        [delivery] = webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data=DATA)
    assert delivery_attempt(delivery_id=delivery.pk) == "delivered"
    assert delivery_attempt(delivery_id=delivery.pk) == "not due"
    assert len(receiver.requests) == 1


def test_the_sweep_tries_again_an_attempt_whose_worker_died(world, hook, receiver, clock):
    with transaction.atomic():
        [delivery] = webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data=DATA)
    # As a worker killed mid-attempt leaves it.
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, started_at=delivery.created_at)
    assert services.delivery_sweep()["retaken"] == 0  # not long enough yet
    clock.shift(services.STUCK_AFTER.total_seconds() + 1)
    assert services.delivery_sweep()["retaken"] == 1
    outbox_sweep()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert len(receiver.requests) == 1
