"""Add, send and sweep outbox items (outbox.models explains the idea).

Life of an item: pending -> dispatched (claimed by one dispatcher, message published) -> sent.
An email item goes dispatched -> sending (claimed by the worker that sends it) -> sent, or back to
pending with an exponential backoff after a transient SMTP error, or failed with its reason after
MAX_ATTEMPTS or a permanent error. The claims are conditional UPDATEs, so a message delivered
twice, or two dispatchers racing, send once.
"""

import logging
import smtplib
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import RedisError

from outbox.models import UNFINISHED, OutboxItem, OutboxKind, OutboxStatus

logger = logging.getLogger(__name__)

EMAIL_TASK = "outbox.tasks.send_email"
# Publishing fails with these while Redis (the broker) is unreachable.
BROKER_DOWN = (BrokerOperationalError, RedisError, OSError)
# A mail server that refuses or drops the connection now may take it later.
TRANSIENT_EMAIL = (smtplib.SMTPException, OSError)
# An email that failed this many times in the worker is given up, with the last reason.
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=30)  # 30 s, 1, 2, 4, 8 min: about a quarter of an hour in all
BACKOFF_MAX = timedelta(minutes=30)
# Broker unreachable: try again soon, but a page that asks again within this does not wait again.
DISPATCH_BACKOFF_BASE = timedelta(seconds=5)
DISPATCH_BACKOFF_MAX = timedelta(seconds=60)
# After one publish found the broker down, the best-effort dispatch after a commit skips trying for
# this long in this process: a request with three items, or a page polling every second, must not
# wait three times, or every second, for Redis's connect timeout.
BREAKER_SECONDS = 10.0
# Handed to a worker this long ago and still not sent: the message was lost (Redis restarted
# without saving it, or the worker died with it). Longer than the broker's visibility timeout
# (600 s), after which Redis redelivers an unacknowledged message by itself.
REDISPATCH_AFTER = timedelta(minutes=15)
# Finished items are kept this long for the pages that show them, then deleted by the sweep.
KEEP_FINISHED = timedelta(days=30)

_broker_down_until = 0.0


def clean_subject(subject: str) -> str:
    """One line: a CR or LF from a title would make Django refuse the header (BadHeaderError)."""
    return " ".join(str(subject).split())[:250]


def backoff(n: int, base: timedelta = BACKOFF_BASE, cap: timedelta = BACKOFF_MAX) -> timedelta:
    """Exponential: base, 2 base, 4 base... after the n-th failure (n >= 1), at most `cap`."""
    return min(base * (2 ** max(0, n - 1)), cap)


def outbox_add(
    *, kind: str, payload: dict[str, Any], ref: str = "", key: str = "", dispatch: bool = True
) -> OutboxItem:
    """Write an item in the caller's transaction; try to send it once that commits.

    `key` makes the call idempotent: while an item with this key is unfinished, adding it again
    returns that item (and tries to send it again if it is due).
    """
    assert kind in OutboxKind.values, kind
    if kind == OutboxKind.EMAIL:
        payload = {**payload, "subject": clean_subject(payload["subject"])}
    else:
        assert payload.get("task"), payload
    item = OutboxItem.objects.filter(key=key, status__in=UNFINISHED).first() if key else None
    if item is None:
        try:
            with transaction.atomic():  # a savepoint: a lost race must not break the caller's transaction
                item = OutboxItem.objects.create(kind=kind, payload=payload, ref=ref[:100], key=key[:200])
        except IntegrityError:
            item = OutboxItem.objects.get(key=key, status__in=UNFINISHED)
    if dispatch:
        outbox_dispatch_on_commit(ids=[item.pk])
    return item


def outbox_email(*, subject: str, body: str, to: list[str], html: str = "", ref: str = "", key: str = "") -> OutboxItem:
    return outbox_add(
        kind=OutboxKind.EMAIL, payload={"subject": subject, "body": body, "html": html, "to": to}, ref=ref, key=key
    )


def outbox_task(*, task: str, args: list[Any], ref: str = "", key: str = "", dispatch: bool = True) -> OutboxItem:
    return outbox_add(kind=OutboxKind.TASK, payload={"task": task, "args": args}, ref=ref, key=key, dispatch=dispatch)


def outbox_dispatch_on_commit(*, ids: list[int]) -> None:
    transaction.on_commit(lambda: outbox_dispatch(ids=ids, best_effort=True))


def _task(name: str):
    tasks = current_app.tasks
    if name not in tasks:
        # A web process imports only the task modules it has used; the worker imports them all.
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def _publish(item: OutboxItem) -> None:
    if item.kind == OutboxKind.EMAIL:
        _task(EMAIL_TASK).apply_async(args=[item.pk])
    else:
        _task(item.payload["task"]).apply_async(args=item.payload.get("args", []))


def outbox_dispatch(
    *, ids: Iterable[int] | None = None, now: datetime | None = None, best_effort: bool = False, limit: int = 500
) -> dict[str, int]:
    """Send the due pending items (of `ids`, or all) to Celery. Never raises.

    `best_effort` is the call after a commit: it skips while the breaker is open, so a request
    never waits on a broker already known to be down. Stops at the first broker failure: the
    others would only wait for the same timeout.
    """
    global _broker_down_until
    counts = {"sent": 0, "waiting": 0, "failed": 0}
    if best_effort and time.monotonic() < _broker_down_until:
        return counts
    try:
        due = OutboxItem.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now or timezone.now())
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        eager = bool(current_app.conf.task_always_eager)
        for item in list(due.order_by("next_attempt_at", "pk")[:limit]):
            claimed = OutboxItem.objects.filter(pk=item.pk, status=OutboxStatus.PENDING).update(
                status=OutboxStatus.DISPATCHED, dispatched_at=timezone.now()
            )
            if not claimed:
                continue  # another dispatcher has it
            try:
                _publish(item)
            except BROKER_DOWN as error:
                if eager:  # nothing was published: the job ran here and failed
                    _fail(item, f"{type(error).__name__}: {error}")
                    counts["failed"] += 1
                    continue
                failures = item.dispatch_failures + 1
                OutboxItem.objects.filter(pk=item.pk, status=OutboxStatus.DISPATCHED).update(
                    status=OutboxStatus.PENDING,
                    dispatch_failures=failures,
                    next_attempt_at=timezone.now() + backoff(failures, DISPATCH_BACKOFF_BASE, DISPATCH_BACKOFF_MAX),
                    last_error=f"The job queue is unreachable: {error}"[:2000],
                )
                _broker_down_until = time.monotonic() + BREAKER_SECONDS
                logger.warning("Outbox item %s not sent, the broker is unreachable: %s", item.pk, error)
                counts["waiting"] += 1
                break
            except Exception as error:  # an unknown task, arguments that do not serialise, an eager job failing
                logger.exception("Outbox item %s could not be sent", item.pk)
                _fail(item, f"{type(error).__name__}: {error}")
                counts["failed"] += 1
                continue
            if item.kind == OutboxKind.TASK:
                OutboxItem.objects.filter(pk=item.pk, status=OutboxStatus.DISPATCHED).update(
                    status=OutboxStatus.SENT, sent_at=timezone.now(), last_error=""
                )
            counts["sent"] += 1
    except Exception:
        # The database itself hiccuped: the items stay pending for the sweep; the request goes on.
        logger.exception("Outbox dispatch failed")
    return counts


def _fail(item: OutboxItem, reason: str) -> None:
    OutboxItem.objects.filter(pk=item.pk).exclude(status=OutboxStatus.SENT).update(
        status=OutboxStatus.FAILED, last_error=reason[:2000], payload=_scrubbed(item)
    )


def _scrubbed(item: OutboxItem) -> dict[str, Any]:
    """A finished email keeps its subject and recipients, not its body: an invitation's body holds
    a one-time link, which the database otherwise stores only as a hash."""
    if item.kind != OutboxKind.EMAIL:
        return item.payload
    return {**item.payload, "body": "", "html": ""}


def outbox_cancel(*, ref: str, reason: str) -> int:
    """Stop the emails about `ref` that are not sent yet (a stakeholder removed before their
    invitation went out): failed with `reason`, their body dropped. One already being sent is left to
    finish; the worker's claim (outbox_email_deliver) takes only pending and dispatched items, so a
    cancelled one is never sent. Returns how many were stopped."""
    items = list(
        OutboxItem.objects.filter(
            ref=ref, kind=OutboxKind.EMAIL, status__in=[OutboxStatus.PENDING, OutboxStatus.DISPATCHED]
        )
    )
    for item in items:
        _fail(item, reason)
    return len(items)


def outbox_email_deliver(*, item_id: int) -> str:
    """What the email job does: claim the item, send it, record how it went. Safe to deliver twice."""
    claimed = OutboxItem.objects.filter(
        pk=item_id, kind=OutboxKind.EMAIL, status__in=[OutboxStatus.PENDING, OutboxStatus.DISPATCHED]
    ).update(status=OutboxStatus.SENDING, dispatched_at=timezone.now())
    if not claimed:
        return "already handled"
    item = OutboxItem.objects.get(pk=item_id)
    payload = item.payload
    try:
        message = EmailMultiAlternatives(
            subject=clean_subject(payload["subject"]), body=payload["body"], to=list(payload["to"])
        )
        if payload.get("html"):
            message.attach_alternative(payload["html"], "text/html")
        message.send()
    except TRANSIENT_EMAIL as error:
        reason = f"{type(error).__name__}: {error}"
        attempts = item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            OutboxItem.objects.filter(pk=item_id).update(attempts=attempts)
            _fail(item, f"Gave up after {attempts} tries. {reason}")
            return "failed"
        OutboxItem.objects.filter(pk=item_id, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.PENDING,
            attempts=attempts,
            next_attempt_at=timezone.now() + backoff(attempts),
            last_error=reason[:2000],
        )
        return "will retry"
    except Exception as error:  # a bad header or address: no retry would change it
        OutboxItem.objects.filter(pk=item_id).update(attempts=F("attempts") + 1)
        _fail(item, f"{type(error).__name__}: {error}")
        return "failed"
    OutboxItem.objects.filter(pk=item_id).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="", payload=_scrubbed(item)
    )
    return "sent"


def outbox_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Beat, every minute: send what is due, take back what was lost, forget what is long done."""
    now = now or timezone.now()
    lost_before = now - REDISPATCH_AFTER
    # Taken by a worker that died while sending: that counts as a try.
    retaken = OutboxItem.objects.filter(status=OutboxStatus.SENDING, dispatched_at__lt=lost_before).update(
        status=OutboxStatus.PENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now,
        last_error="The worker sending it stopped; sending it again",
    )
    # Published, never taken: the message was lost. The claim in the job keeps a late copy harmless.
    retaken += OutboxItem.objects.filter(status=OutboxStatus.DISPATCHED, dispatched_at__lt=lost_before).update(
        status=OutboxStatus.PENDING, next_attempt_at=now, last_error="Its message was lost; sending it again"
    )
    failed = 0
    for item in OutboxItem.objects.filter(status=OutboxStatus.PENDING, attempts__gte=MAX_ATTEMPTS):
        _fail(item, f"Gave up after {item.attempts} tries. {item.last_error}")
        failed += 1
    counts = outbox_dispatch(now=now)
    deleted, _ = OutboxItem.objects.filter(
        status__in=[OutboxStatus.SENT, OutboxStatus.FAILED], created_at__lt=now - KEEP_FINISHED
    ).delete()
    return {**counts, "retaken": retaken, "failed": counts["failed"] + failed, "deleted": deleted}


def outbox_latest(*, ref: str) -> OutboxItem | None:
    """The newest item about one thing (an invitation, a PDF), for its status line."""
    return OutboxItem.objects.filter(ref=ref).order_by("-created_at", "-pk").first()


def outbox_latest_many(*, refs: Iterable[str]) -> dict[str, OutboxItem]:
    """The newest item of each ref, in one query."""
    latest: dict[str, OutboxItem] = {}
    for item in OutboxItem.objects.filter(ref__in=list(refs)).order_by("ref", "-created_at", "-pk"):
        latest.setdefault(item.ref, item)
    return latest
