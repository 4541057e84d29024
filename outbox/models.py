"""The transactional outbox: every side effect that follows a commit, written in that commit.

An item is a row written in the caller's transaction (outbox.services.outbox_add), so it exists
exactly when the change it follows exists. It is then sent to Celery when the broker answers: at
once after the commit (best effort), else by the beat sweep. Nothing here imports the apps above:
an item names its Celery task, and the page that waits for it finds it by `ref`.

Why a small model of our own rather than a library (compared in issue 15):
- django-outbox-pattern (3.2.1) publishes model rows to a STOMP broker (RabbitMQ) through a
  consumer process of its own; it neither sends Celery tasks nor runs on Redis.
- django-celery-outbox (0.4.3, young) swaps the Celery app for its OutboxCelery and relays rows
  with a daemon of its own (one more process to run and watch); it records whether a message
  was published, not how the email went, so no page could say "could not be sent: <reason>"; and
  it would take over every `.delay()`, the jobs that must not wait (the eager laptop mode) too.
- What MLFit needs is about 250 lines: a row, a claim by conditional UPDATE, a backoff, the beat
  sweep it already runs, and a `ref` for the status lines.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxKind(models.TextChoices):
    # The outbox sends the email itself, in a worker (outbox.tasks.send_email): "sent" means emailed.
    EMAIL = "email", "Email"
    # A Celery job of another app (a report, a PDF, a notification email): "sent" means the message
    # reached the broker; the job's own row (Report, Notification) says how it went.
    TASK = "task", "Job"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Not sent yet: will retry"
    DISPATCHED = "dispatched", "Handed to a worker"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Could not be sent"


# Not finished: the sweep may still send these, and an idempotency key names at most one of them.
UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.DISPATCHED, OutboxStatus.SENDING)


class OutboxItem(models.Model):
    kind = models.CharField(max_length=8, choices=OutboxKind.choices)
    # EMAIL: {"subject", "body", "html", "to"}; TASK: {"task": dotted name, "args": [...]}.
    payload = models.JSONField(default=dict)
    # What the item is about, for the page that shows its state ("invitation:12", "report_pdf:7").
    ref = models.CharField(max_length=100, blank=True)
    # Idempotency: adding an item whose key an unfinished item already has returns that item.
    key = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    # When the next try is due: now for a new item, later after a failure (exponential backoff).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Tries that reached the broker but failed in the worker (an SMTP error); MAX_ATTEMPTS fails it.
    attempts = models.PositiveSmallIntegerField(default=0)
    # Tries that could not reach the broker at all. Never fatal: Redis away is not the item's fault.
    dispatch_failures = models.PositiveIntegerField(default=0)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Why the last try did not send it; for a failed item, why it never will.
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # outbox_add's dedupe: two requests adding the same key at once make one item.
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status__in=UNFINISHED) & ~Q(key=""),
                name="outbox_unfinished_key_unique",
            ),
        ]
        indexes = [
            # The sweep: due pending items, and items handed out long ago (outbox_sweep).
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due_idx"),
            # The pages' status lines and the report sweep: the latest item about one thing.
            models.Index(fields=["ref", "-created_at"], name="outbox_ref_latest_idx"),
            # The report sweep: PDF jobs sent a while ago whose PDF never came (reports.services).
            models.Index(fields=["status", "sent_at"], name="outbox_status_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref or self.pk} ({self.status})"

    @property
    def task_name(self) -> str:
        return str(self.payload.get("task", ""))
