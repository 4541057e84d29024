"""The organisation admins' webhook pages: list and add, the secret shown once, pause, rotate,
delete, send a test event, and each webhook's delivery log with "send again".

Admins only, as member administration (accounts.views.members): another member gets 403; a
webhook or delivery of another organisation is 404, as if it did not exist.
"""

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.tenancy import get_object_for_member, member_required
from webhooks.forms import WebhookForm
from webhooks.models import Delivery, Event, Webhook
from webhooks.services import (
    MAX_ATTEMPTS,
    WebhookError,
    delivery_replay,
    webhook_create,
    webhook_delete,
    webhook_ping,
    webhook_rotate_secret,
    webhook_set_active,
)
from webhooks.signing import TOLERANCE_SECONDS

# The delivery log shows the newest this many; older ones are in the API (and deleted after 30 days).
LOG_ROWS = 50


def _webhook(request: HttpRequest, pk: int) -> Webhook:
    return get_object_for_member(request, Webhook.objects.all(), pk=pk)


def _secret_page(request: HttpRequest, webhook: Webhook, *, created: bool) -> HttpResponse:
    context = {"webhook": webhook, "created": created, "tolerance": TOLERANCE_SECONDS}
    return render(request, "webhooks/secret.html", context)


@member_required(role=Role.ADMIN)
def webhook_list_view(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = webhook_create(
                organisation=request.organisation,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                by=request.user,
            )
        except WebhookError as exc:
            form.add_error("url" if exc.field == "url" else None, str(exc))
        else:
            return _secret_page(request, webhook, created=True)
    latest = Delivery.objects.filter(webhook=OuterRef("pk")).order_by("-created_at", "-pk")
    webhooks = Webhook.objects.filter(organisation=request.organisation).annotate(
        last_status=Subquery(latest.values("status")[:1]), last_at=Subquery(latest.values("created_at")[:1])
    )
    context = {"form": form, "webhooks": webhooks, "events": Event.choices}
    return render(request, "webhooks/list.html", context, status=400 if form.errors else 200)


@member_required(role=Role.ADMIN)
@require_GET
def webhook_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = get_object_for_member(request, Webhook.objects.select_related("created_by"), pk=pk)
    deliveries = list(webhook.deliveries.order_by("-created_at", "-pk")[:LOG_ROWS])
    context = {"webhook": webhook, "deliveries": deliveries, "max_attempts": MAX_ATTEMPTS, "log_rows": LOG_ROWS}
    return render(request, "webhooks/detail.html", context)


@member_required(role=Role.ADMIN)
@require_POST
def webhook_rotate_view(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = webhook_rotate_secret(webhook=_webhook(request, pk), by=request.user)
    return _secret_page(request, webhook, created=False)


@member_required(role=Role.ADMIN)
@require_POST
def webhook_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    active = request.POST.get("active") == "1"
    webhook_set_active(webhook=webhook, active=active, by=request.user)
    messages.success(request, "The webhook is active again." if active else "The webhook is paused: nothing is sent.")
    return redirect("webhooks:detail", pk=webhook.pk)


@member_required(role=Role.ADMIN)
@require_POST
def webhook_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    webhook_delete(webhook=webhook, by=request.user)
    messages.success(request, f"The webhook to {webhook.url} and its delivery log are deleted.")
    return redirect("webhooks:list")


@member_required(role=Role.ADMIN)
@require_POST
def webhook_ping_view(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    try:
        webhook_ping(webhook=webhook, by=request.user)
    except WebhookError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "A test event (ping) is on its way; its delivery is at the top of the log.")
    return redirect("webhooks:detail", pk=webhook.pk)


@member_required(role=Role.ADMIN)
@require_POST
def delivery_replay_view(request: HttpRequest, pk: int, did: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    delivery = get_object_for_member(
        request, Delivery.objects.select_related("webhook"), field="webhook__organisation", pk=did, webhook=webhook
    )
    try:
        copy = delivery_replay(delivery=delivery)
    except WebhookError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Delivery #{delivery.pk} is sent again as #{copy.pk}.")
    return redirect("webhooks:detail", pk=webhook.pk)
