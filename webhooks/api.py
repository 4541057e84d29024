"""Webhooks over the JSON API: list, add (the secret is in the 201 answer, once), read, delete, read
the delivery log, send a delivery again.

Organisation admins only, as the pages (webhooks.views): another member gets 403; a webhook or a
delivery of another organisation answers 404, as if it did not exist.
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from accounts.api_problems import ApiProblem, StrictIn, invalid, problems, refuse_unknown_query
from accounts.inputs import Id, OneLine
from accounts.tenancy import get_object_for_member
from webhooks.models import Delivery, DeliveryStatus, Webhook
from webhooks.services import WebhookError, delivery_replay, webhook_create, webhook_delete

router = Router(tags=["webhooks"])

EventName = Literal["report.finished", "review.decided", "conflict.detected", "assessment.completed"]
# The newest this many deliveries are listed.
DELIVERIES_LISTED = 100


class WebhookIn(StrictIn):
    url: OneLine = Field(..., description="https URL of a public address (docs/webhooks.md)", max_length=500)
    events: list[EventName] = Field(..., min_length=1, description="The events to send to it.")


class WebhookOut(Schema):
    id: int
    url: str
    events: list[EventName]
    active: bool = Field(..., description="False while an admin has paused it: nothing is sent.")
    created_at: datetime
    deliveries_url: str


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(..., description="The signing secret: shown in this answer only. Keep it.")


class AttemptOut(Schema):
    at: datetime
    status: int | None = Field(..., description="The receiver's HTTP status; null when none came.")
    error: str
    ms: int


class DeliveryOut(Schema):
    id: int
    event: str = Field(..., description="An event name, or ping for a test event.")
    event_id: str = Field(..., description="The same in every delivery of one event, replays included.")
    status: DeliveryStatus
    attempts: int
    response_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None = Field(..., description="When it is tried again; null unless retrying.")
    delivered_at: datetime | None
    replay_of: int | None
    body: str = Field(..., description="The JSON body exactly as sent and signed.")
    attempt_log: list[AttemptOut]


def _admin(request: HttpRequest) -> None:
    if not request.membership.is_admin:
        raise ApiProblem(403, "Only the organisation's admins manage its webhooks.")


def _webhook(request: HttpRequest, webhook_id: int) -> Webhook:
    _admin(request)
    return get_object_for_member(request, Webhook.objects.all(), pk=webhook_id)


def _url(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _out(request: HttpRequest, webhook: Webhook) -> dict:
    return {
        "id": webhook.pk,
        "url": webhook.url,
        "events": webhook.events,
        "active": webhook.active,
        "created_at": webhook.created_at,
        "deliveries_url": _url(request, f"/api/webhooks/{webhook.pk}/deliveries"),
    }


def _delivery_out(delivery: Delivery) -> dict:
    return {
        "id": delivery.pk,
        "event": delivery.event,
        "event_id": delivery.event_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_status": delivery.response_status,
        "last_error": delivery.last_error or None,
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at if delivery.status == DeliveryStatus.RETRYING else None,
        "delivered_at": delivery.delivered_at,
        "replay_of": delivery.replay_of_id,
        "body": delivery.body,
        "attempt_log": delivery.attempt_log,
    }


@router.get("/webhooks", response={200: list[WebhookOut], **problems(403, 422)}, summary="List the webhooks")
def list_webhooks(request: HttpRequest):
    refuse_unknown_query(request)
    _admin(request)
    return [_out(request, w) for w in Webhook.objects.filter(organisation=request.organisation)]


@router.post(
    "/webhooks",
    response={201: WebhookCreatedOut, **problems(400, 403, 409, 422)},
    summary="Add a webhook: the answer carries its signing secret, once",
)
def create_webhook(request: HttpRequest, response: HttpResponse, payload: WebhookIn):
    _admin(request)
    try:
        webhook = webhook_create(
            organisation=request.organisation, url=payload.url.strip(), events=payload.events, by=request.user
        )
    except WebhookError as exc:
        if exc.field:
            raise invalid([(exc.field, "refused", str(exc))]) from exc
        raise ApiProblem(409, str(exc), code="webhook_limit") from exc
    response["Location"] = _url(request, f"/api/webhooks/{webhook.pk}")
    return Status(201, {**_out(request, webhook), "secret": webhook.secret})


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **problems(403, 404, 422)}, summary="A webhook")
def get_webhook(request: HttpRequest, webhook_id: Id):
    return _out(request, _webhook(request, webhook_id))


@router.delete(
    "/webhooks/{webhook_id}",
    response={204: None, **problems(403, 404, 422)},
    summary="Delete a webhook and its delivery log",
)
def delete_webhook(request: HttpRequest, webhook_id: Id):
    webhook_delete(webhook=_webhook(request, webhook_id), by=request.user)
    return Status(204, None)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: list[DeliveryOut], **problems(403, 404, 422)},
    summary=f"The webhook's delivery log, newest first (the newest {DELIVERIES_LISTED})",
)
def list_deliveries(request: HttpRequest, webhook_id: Id):
    refuse_unknown_query(request)
    webhook = _webhook(request, webhook_id)
    return [_delivery_out(d) for d in webhook.deliveries.order_by("-created_at", "-pk")[:DELIVERIES_LISTED]]


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
    response={202: DeliveryOut, **problems(403, 404, 409, 422)},
    summary="Send a delivery again: a new delivery of the same body, signed when sent",
)
def replay_delivery(request: HttpRequest, response: HttpResponse, webhook_id: Id, delivery_id: Id):
    webhook = _webhook(request, webhook_id)
    delivery = get_object_for_member(
        request,
        Delivery.objects.select_related("webhook"),
        field="webhook__organisation",
        pk=delivery_id,
        webhook=webhook,
    )
    try:
        copy = delivery_replay(delivery=delivery)
    except WebhookError as exc:
        raise ApiProblem(409, str(exc), code="webhook_paused") from exc
    response["Location"] = _url(request, f"/api/webhooks/{webhook.pk}/deliveries")
    return Status(202, _delivery_out(copy))
