"""The notifications page, the header's unread count and the email preferences."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.inputs import parse_ids
from accounts.models import Notification, NotificationKind
from accounts.notifications import email_preferences_set, notifications_mark_read
from accounts.tenancy import member_required

PAGE_SIZE = 30


def _mine(request: HttpRequest):
    return Notification.objects.filter(user=request.user, organisation=request.organisation)


@member_required()
def notification_list_view(request: HttpRequest) -> HttpResponse:
    qs = _mine(request)
    if request.GET.get("show") == "unread":
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs.only("pk", "kind", "title", "body", "url", "created_at", "read_at"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/notifications.html",
        {
            "page": page,
            "unread": _mine(request).filter(read_at__isnull=True).count(),
            "show": request.GET.get("show", ""),
        },
    )


@member_required()
def notification_bell_view(request: HttpRequest) -> HttpResponse:
    """The unread count in the header, loaded by htmx after the page so pages pay no query for it."""
    unread = _mine(request).filter(read_at__isnull=True).count()
    return render(request, "accounts/notifications.html#bell", {"unread": unread})


@member_required()
@require_POST
def notification_read_view(request: HttpRequest) -> HttpResponse:
    ids = parse_ids(request.POST.getlist("id"), field="notification")
    notifications_mark_read(user=request.user, organisation=request.organisation, ids=ids or None)
    follow = request.POST.get("next", "")
    # Only our own paths: a notification link is followed after marking it read.
    if follow.startswith("/") and not follow.startswith("//"):
        return redirect(follow)
    return redirect("accounts:notifications")


@member_required()
def notification_settings_view(request: HttpRequest) -> HttpResponse:
    kinds = NotificationKind.choices
    if request.method == "POST":
        wanted = set(request.POST.getlist("email"))
        email_preferences_set(user=request.user, muted_kinds=[k for k, _ in kinds if k not in wanted])
        messages.success(request, "Your email choices are saved.")
        return redirect("accounts:notification_settings")
    muted = set(request.user.email_muted_kinds or [])
    return render(
        request,
        "accounts/notification_settings.html",
        {"kinds": [(key, label, key not in muted) for key, label in kinds]},
    )
