"""Outgoing webhooks: an organisation's receivers, and the log of every delivery made to them.

A delivery row is written in the transaction of the change it tells about
(webhooks.services.webhook_emit), with an outbox item that sends its job once that commits; the
job posts the body, signed, and records each attempt on the row. The body is kept exactly as sent,
so the log shows it and "send again" makes a new delivery of the same bytes.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organisation

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    # 32 random bytes: as strong as the HMAC-SHA256 key can use.
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class Event(models.TextChoices):
    REPORT_FINISHED = "report.finished", "A trade-off report is ready"
    REVIEW_DECIDED = "review.decided", "A reviewer or an admin decided on a proposal"
    CONFLICT_DETECTED = "conflict.detected", "A new conflict between stakeholders' requirements was found"
    ASSESSMENT_COMPLETED = "assessment.completed", "A suitability assessment was completed"


# Sent only by "Send a test event", to one webhook, whatever events it asked for.
PING = "ping"


class Webhook(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField(max_length=500)
    # Event names (Event values) this receiver wants.
    events = models.JSONField(default=list)
    # Kept as it is: signing needs it. Shown once, when made or rotated; never in a list or the API.
    secret = models.CharField(max_length=100, default=new_secret)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.url

    @property
    def event_labels(self) -> list[str]:
        return [Event(e).label if e in Event.values else e for e in self.events]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    RETRYING = "retrying", "Failed; will try again"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    # The event's own id: the same in every delivery of one event (each webhook's, and a replay's),
    # so a receiver can tell a repeat from a new event.
    event_id = models.CharField(max_length=36)
    # The JSON body exactly as sent (and signed).
    body = models.TextField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # One entry per attempt: {"at", "status" (HTTP, or null), "error", "ms"}.
    attempt_log = models.JSONField(default=list)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When the attempt in hand started: a worker that died mid-attempt leaves it "sending".
    started_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_latest_idx")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event} #{self.pk} ({self.status})"
