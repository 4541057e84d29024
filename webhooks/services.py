"""Webhooks: manage an organisation's receivers, emit events to them, deliver and log each attempt.

`webhook_emit` runs inside the transaction of the change it tells about: it writes a delivery per
subscribed webhook and an outbox item per delivery, so the delivery exists exactly when the change
does and its job is sent once that commits (or, with Redis away, by the outbox's sweep). The job
(`webhooks.tasks.deliver`) calls `delivery_attempt`: the outbox answers for reaching the worker,
this module for the HTTP outcome. A failed attempt puts the delivery back with an exponential
backoff and a new outbox item due then, until MAX_ATTEMPTS; every attempt is kept on the row.
"""

import json
import logging
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from audit.services import audit_record
from outbox.models import OutboxItem
from outbox.services import backoff, outbox_task
from webhooks.models import PING, Delivery, DeliveryStatus, Event, Webhook, new_secret
from webhooks.signing import signature_header
from webhooks.transport import AddressRefused, Outcome, check_url, post

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.tasks.deliver"
# Tries per delivery; between them 30 s, 1, 2, 4, 8, 16, 32 min: about an hour in all.
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# An attempt "sending" for longer than this lost its worker (the job's time limit is 60 s); the
# sweep tries it again, as one more attempt.
STUCK_AFTER = timedelta(minutes=5)
# Finished deliveries are kept this long in the log, then deleted by the sweep.
KEEP_FINISHED = timedelta(days=30)
MAX_WEBHOOKS = 10
USER_AGENT = "MLFit-Webhooks/1"


class WebhookError(ValueError):
    """A change refused; str() says why. `field` names the input at fault, when one is."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


# --- managing webhooks ---------------------------------------------------------------------------


def _events(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in Event.values]
    if unknown:
        raise WebhookError(f"Unknown event(s): {', '.join(unknown)}.", field="events")
    if not chosen:
        raise WebhookError("Choose at least one event.", field="events")
    # In the order of Event, whatever order they were asked for in.
    return [e for e in Event.values if e in chosen]


def webhook_create(*, organisation: Organisation, url: str, events: Iterable[str], by: User) -> Webhook:
    """A new, active webhook with a fresh secret. WebhookError when the URL or events are refused."""
    chosen = _events(events)
    try:
        check_url(url)
    except AddressRefused as exc:
        raise WebhookError(str(exc), field="url") from exc
    with transaction.atomic():
        # Counted under the organisation's row lock: two admins adding at once cannot pass the limit.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        if Webhook.objects.filter(organisation=organisation).count() >= MAX_WEBHOOKS:
            raise WebhookError(f"An organisation has at most {MAX_WEBHOOKS} webhooks; delete one first.")
        webhook = Webhook.objects.create(organisation=organisation, url=url, events=chosen, created_by=by)
        audit_record(
            organisation=organisation,
            obj=webhook,
            action="webhook.created",
            actor=by,
            after={"url": url, "events": chosen},
            only_changes=False,
        )
    return webhook


def webhook_rotate_secret(*, webhook: Webhook, by: User) -> Webhook:
    """A new secret, in force for the next attempt of every delivery (each is signed when sent)."""
    with transaction.atomic():
        webhook.secret = new_secret()
        webhook.save(update_fields=["secret"])
        audit_record(
            organisation=webhook.organisation,
            obj=webhook,
            action="webhook.secret_rotated",
            actor=by,
            only_changes=False,
        )
    return webhook


def webhook_set_active(*, webhook: Webhook, active: bool, by: User) -> Webhook:
    """Pause or resume. A paused webhook is sent nothing: its waiting deliveries fail, saying so."""
    with transaction.atomic():
        before = webhook.active
        webhook.active = active
        webhook.save(update_fields=["active"])
        audit_record(
            organisation=webhook.organisation,
            obj=webhook,
            action="webhook.resumed" if active else "webhook.paused",
            actor=by,
            before={"active": before},
            after={"active": active},
        )
    return webhook


def webhook_delete(*, webhook: Webhook, by: User) -> None:
    """Delete the webhook and its delivery log; jobs still queued for it find nothing and stop."""
    with transaction.atomic():
        audit_record(
            organisation=webhook.organisation,
            obj=webhook,
            action="webhook.deleted",
            actor=by,
            before={"url": webhook.url, "events": webhook.events},
            only_changes=False,
        )
        webhook.delete()


# --- emitting ------------------------------------------------------------------------------------


def _body(*, event: str, event_id: str, organisation: Organisation, data: dict[str, Any], at: datetime) -> str:
    document = {
        "id": event_id,
        "event": event,
        "created_at": at.isoformat().replace("+00:00", "Z"),
        "organisation": {"id": organisation.pk, "slug": organisation.slug},
        "data": data,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)


def _enqueue(delivery: Delivery, *, due: datetime | None = None) -> None:
    """An outbox item for the delivery's next attempt, in the caller's transaction.

    Due now, it is sent after the commit; due later (a retry), it waits for the outbox's sweep,
    which sends items once their next_attempt_at has come. The key names the attempt, so the item
    of one attempt is never mistaken for another's.
    """
    item = outbox_task(
        task=DELIVER_TASK,
        args=[delivery.pk],
        ref=f"webhook_delivery:{delivery.pk}",
        key=f"webhook_delivery:{delivery.pk}:{delivery.attempts + 1}",
        dispatch=due is None,
    )
    if due is not None:
        OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=due)


def _deliveries(webhooks: list[Webhook], *, event: str, body: str, event_id: str) -> list[Delivery]:
    with transaction.atomic():  # a savepoint inside the caller's transaction, else its own
        made = Delivery.objects.bulk_create(
            [Delivery(webhook=w, event=event, event_id=event_id, body=body) for w in webhooks]
        )
        for delivery in made:
            _enqueue(delivery)
    return made


def webhook_emit(*, organisation: Organisation, event: str, data: dict[str, Any]) -> list[Delivery]:
    """Tell the organisation's active webhooks that want `event`; call inside the change's transaction.

    One query when nobody listens. `data` is the event's payload (webhooks.events builds them):
    ids and what an integrator needs, never a secret.
    """
    assert event in Event.values, event
    hooks = [
        w
        for w in Webhook.objects.filter(organisation=organisation, active=True).only("pk", "events")
        if event in w.events
    ]
    if not hooks:
        return []
    event_id = str(uuid.uuid4())
    body = _body(event=event, event_id=event_id, organisation=organisation, data=data, at=timezone.now())
    return _deliveries(hooks, event=event, body=body, event_id=event_id)


def webhook_ping(*, webhook: Webhook, by: User) -> Delivery:
    """A `ping` event to this webhook alone, to try the receiver and its signature check."""
    if not webhook.active:
        raise WebhookError("The webhook is paused: resume it to send a test event.")
    event_id = str(uuid.uuid4())
    data = {"webhook_id": webhook.pk, "message": f"A test event sent by {by.name or 'an admin'} from MLFit."}
    body = _body(event=PING, event_id=event_id, organisation=webhook.organisation, data=data, at=timezone.now())
    return _deliveries([webhook], event=PING, body=body, event_id=event_id)[0]


def delivery_replay(*, delivery: Delivery) -> Delivery:
    """A new delivery of the same body (same event id) to the same webhook, signed afresh when sent."""
    webhook = delivery.webhook
    if not webhook.active:
        raise WebhookError("The webhook is paused: resume it to send a delivery again.")
    with transaction.atomic():
        copy = Delivery.objects.create(
            webhook=webhook, event=delivery.event, event_id=delivery.event_id, body=delivery.body, replay_of=delivery
        )
        _enqueue(copy)
    return copy


# --- delivering ----------------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for one attempt, if it is due: a job delivered twice, or early, sends once."""
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING], next_attempt_at__lte=now
        ).update(status=DeliveryStatus.SENDING, started_at=now)
    )


def delivery_headers(*, delivery: Delivery, secret: str, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "MLFit-Event": delivery.event,
        "MLFit-Delivery": str(delivery.pk),
        "MLFit-Timestamp": str(timestamp),
        "MLFit-Signature": signature_header(secret=secret, timestamp=timestamp, body=delivery.body.encode()),
    }


def delivery_attempt(*, delivery_id: int) -> str:
    """What the job does: one attempt at the delivery, recorded on it. Never raises for the receiver's
    failures (they are the delivery's state, not the job's)."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return "not due"
    delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:  # its webhook was deleted meanwhile
        return "missing"
    webhook = delivery.webhook
    if not webhook.active:
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED, last_error="The webhook was paused before this could be sent."
        )
        return "paused"
    timestamp = int(time.time())
    headers = delivery_headers(delivery=delivery, secret=webhook.secret, timestamp=timestamp)
    try:
        outcome = post(webhook.url, delivery.body.encode(), headers)
    except Exception as exc:  # the job's soft time limit, or a bug: a failed attempt, retried, not a lost one
        logger.exception("Webhook delivery %s: the attempt raised", delivery.pk)
        outcome = Outcome(None, "", f"{type(exc).__name__}: {exc}", 0)
    attempts = delivery.attempts + 1
    entry = {"at": now.isoformat(), "status": outcome.status, "error": outcome.error, "ms": outcome.ms}
    fields: dict[str, Any] = {
        "attempts": attempts,
        "attempt_log": [*delivery.attempt_log, entry],
        "response_status": outcome.status,
        "response_excerpt": outcome.excerpt,
    }
    logger.info(
        "Webhook delivery %s (%s) attempt %s to webhook %s: %s",
        delivery.pk,
        delivery.event,
        attempts,
        webhook.pk,
        outcome.status if outcome.delivered else outcome.error,
    )
    if outcome.delivered:
        Delivery.objects.filter(pk=delivery_id).update(
            **fields, status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), last_error=""
        )
        return "delivered"
    if attempts >= MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery_id).update(
            **fields, status=DeliveryStatus.FAILED, last_error=f"Gave up after {attempts} attempts. {outcome.error}"
        )
        return "failed"
    due = timezone.now() + backoff(attempts, BACKOFF_BASE, BACKOFF_MAX)
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery_id).update(
            **fields, status=DeliveryStatus.RETRYING, next_attempt_at=due, last_error=outcome.error
        )
        delivery.attempts = attempts
        _enqueue(delivery, due=due)
    return "will retry"


def delivery_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Beat, every minute: try again the attempts whose worker died, forget deliveries long done."""
    now = now or timezone.now()
    retaken = 0
    for delivery in Delivery.objects.filter(status=DeliveryStatus.SENDING, started_at__lt=now - STUCK_AFTER):
        with transaction.atomic():
            claimed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.RETRYING,
                attempts=delivery.attempts + 1,
                next_attempt_at=now,
                last_error="The worker sending it stopped; sending it again.",
            )
            if claimed:
                delivery.attempts += 1
                _enqueue(delivery)
                retaken += 1
    deleted, _ = Delivery.objects.filter(
        status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED], created_at__lt=now - KEEP_FINISHED
    ).delete()
    return {"retaken": retaken, "deleted": deleted}
