"""The admin pages: list and add (the secret shown once), the webhook with its delivery log, and
each action (test event, pause, new secret, delete, send again). Admins only; another
organisation's webhook is 404 to everyone outside it; queries do not grow with the log."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import session_queries
from tests.html import parse
from webhooks.models import Delivery, DeliveryStatus, Event, Webhook
from webhooks.services import webhook_create, webhook_emit
from webhooks.signing import verify


def url(name: str, *args) -> str:
    return reverse(f"webhooks:{name}", args=args)


def test_an_admin_adds_a_webhook_and_sees_the_secret_once(world, local, receiver):
    admin = world.client_for(world.admin)
    members = parse(admin.get("/accounts/members/"))
    assert url("list") in members.hrefs("main")
    response = admin.post(url("list"), {"url": receiver.url(), "events": ["report.finished", "review.decided"]})
    assert response.status_code == 200
    webhook = Webhook.objects.get()
    assert (webhook.organisation, webhook.created_by, webhook.active) == (world.org, world.admin, True)
    assert webhook.events == ["report.finished", "review.decided"]
    assert re.fullmatch(r"whsec_[\w-]{43}", webhook.secret)
    page = parse(response)
    assert page.text("#webhook-secret") == webhook.secret
    assert "hmac.compare_digest" in page.text("main pre")
    # Never again: not in the list, not on the webhook's page.
    assert not parse(admin.get(url("list"))).shows(webhook.secret)
    assert not parse(admin.get(url("detail", webhook.pk))).shows(webhook.secret)
    for shown in (page, parse(admin.get(url("list"))), parse(admin.get(url("detail", webhook.pk)))):
        assert shown.style_attributes == [] and shown.script_problems() == []


def test_a_refused_form_says_why_and_keeps_what_was_typed(world, local):
    response = world.client_for(world.admin).post(url("list"), {"url": "ftp://example.com/x"})
    assert response.status_code == 400
    page = parse(response)
    assert "Use an https:// or http:// URL." in page.text("#add-webhook")
    assert "Choose at least one event to send." in page.text("#add-webhook")
    assert page.form_values("#add-webhook")["url"] == "ftp://example.com/x"
    response = world.client_for(world.admin).post(url("list"), {"url": "https://a.test/\x00", "events": ["ping"]})
    assert response.status_code == 400
    assert "null character" in parse(response).text("#add-webhook")
    assert "Choose events from the list." in parse(response).text("#add-webhook")
    assert not Webhook.objects.exists()


def test_test_event_pause_resume_rotate_and_delete(world, hook, receiver, django_capture_on_commit_callbacks):
    admin = world.client_for(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url("ping", hook.pk))
    assert response.status_code == 302
    [got] = receiver.requests
    assert got.headers["MLFit-Event"] == "ping"
    assert verify(secret=hook.secret, header=got.headers["MLFit-Signature"], body=got.body)
    log = parse(admin.get(url("detail", hook.pk))).table("#deliveries")
    assert [(r["Event"], r["Status"], r["Attempts"], r["Response"]) for r in log] == [("ping", "Delivered", "1", "200")]

    assert admin.post(url("active", hook.pk), {"active": "0"}).status_code == 302
    hook.refresh_from_db()
    assert not hook.active
    page = parse(admin.get(url("detail", hook.pk)))
    assert "Paused" in page.definitions(".facts")["State"]
    response = admin.post(url("ping", hook.pk), follow=True)
    assert "paused" in parse(response).text(".messages")
    assert admin.post(url("active", hook.pk), {"active": "1"}).status_code == 302
    hook.refresh_from_db()
    assert hook.active

    old = hook.secret
    response = admin.post(url("rotate", hook.pk))
    hook.refresh_from_db()
    assert hook.secret != old
    assert parse(response).text("#webhook-secret") == hook.secret

    assert admin.post(url("delete", hook.pk)).status_code == 302
    assert not Webhook.objects.exists() and not Delivery.objects.exists()


def test_send_again_from_the_log(world, hook, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        [delivery] = webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data={"report": {"id": 1}})
    admin = world.client_for(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url("replay", hook.pk, delivery.pk), follow=True)
    page = parse(response)
    copy = Delivery.objects.exclude(pk=delivery.pk).get()
    assert f"Delivery #{delivery.pk} is sent again as #{copy.pk}." in page.text(".messages")
    assert page.table("#deliveries")[0]["Delivery"] == f"#{copy.pk} (again of #{delivery.pk})"
    assert [r.body for r in receiver.requests] == [delivery.body.encode()] * 2


@pytest.mark.parametrize("who", ["member", "reviewer", "owner"])
def test_members_who_are_not_admins_are_refused(world, hook, who):
    client = world.client_for(getattr(world, who))
    assert client.get(url("list")).status_code == 403
    assert client.get(url("detail", hook.pk)).status_code == 403
    assert client.post(url("delete", hook.pk)).status_code == 403
    assert Webhook.objects.filter(pk=hook.pk).exists()


def test_another_organisations_webhook_is_not_found(world, hook, django_capture_on_commit_callbacks):
    with transaction.atomic():
        [delivery] = webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data={})
    outsider = world.client_for(world.outsider)  # Globex's admin
    assert outsider.get(url("detail", hook.pk)).status_code == 404
    for action in ("rotate", "active", "delete", "ping"):
        assert outsider.post(url(action, hook.pk), {"active": "0"}).status_code == 404, action
    assert outsider.post(url("replay", hook.pk, delivery.pk)).status_code == 404
    assert not parse(outsider.get(url("list"))).shows(hook.url)
    # Globex's own webhook with Acme's delivery: still not found.
    theirs = webhook_create(organisation=world.other_org, url=hook.url, events=Event.values, by=world.outsider)
    assert outsider.post(url("replay", theirs.pk, delivery.pk)).status_code == 404
    hook.refresh_from_db()
    assert (hook.active, Delivery.objects.filter(webhook=hook).count()) == (True, 1)


def test_the_pages_query_counts_do_not_grow_with_the_deliveries(world, hook):
    admin = world.client_for(world.admin)
    session = ["django_session"] * session_queries()

    def tables(path: str) -> list[str]:
        """The table each query of the page reads, in order (the outer FROM: it follows the subqueries)."""
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(path).status_code == 200
        return [re.findall(r'FROM "(\w+)"', q["sql"])[-1] for q in captured.captured_queries]

    def deliveries(n: int) -> None:
        Delivery.objects.bulk_create(
            [
                Delivery(
                    webhook=hook, event="report.finished", event_id=str(i), body="{}", status=DeliveryStatus.FAILED
                )
                for i in range(n)
            ]
        )

    deliveries(1)
    assert admin.get(url("list")).status_code == 200  # the first request after signing in updates the session
    # The member with their organisation; the webhook (with who made it); its newest deliveries.
    detail = [*session, "accounts_user", "webhooks_webhook", "webhooks_delivery"]
    # The member; the webhooks, each with its latest delivery's status and time (subqueries).
    listing = [*session, "accounts_user", "webhooks_webhook"]
    assert tables(url("detail", hook.pk)) == detail
    assert tables(url("list")) == listing
    deliveries(60)
    webhook_create(organisation=world.org, url=hook.url, events=Event.values, by=world.admin)
    assert tables(url("detail", hook.pk)) == detail
    assert tables(url("list")) == listing
    assert len(parse(admin.get(url("detail", hook.pk))).table("#deliveries")) == 50
