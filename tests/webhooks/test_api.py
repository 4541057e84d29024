"""Webhooks over the API: admins add (the secret in the 201, once), list, read, delete, read the
log and send a delivery again; every refusal in the problem format; other organisations' 404."""

import json

from django.db import transaction

from webhooks.models import Delivery, Event, Webhook
from webhooks.services import webhook_create, webhook_emit


def post(client, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_an_admin_adds_lists_reads_and_deletes_a_webhook(world, local, api, receiver):
    client = api(world.admin)
    response = post(client, "/api/webhooks", {"url": receiver.url(), "events": ["review.decided", "report.finished"]})
    assert response.status_code == 201, response.content
    body = response.json()
    webhook = Webhook.objects.get()
    assert body["secret"] == webhook.secret
    assert body["events"] == ["report.finished", "review.decided"]  # in the events' own order
    assert response["Location"].endswith(f"/api/webhooks/{webhook.pk}")
    assert body["deliveries_url"].endswith(f"/api/webhooks/{webhook.pk}/deliveries")
    listed = client.get("/api/webhooks").json()
    assert [w["id"] for w in listed] == [webhook.pk]
    assert "secret" not in listed[0]
    got = client.get(f"/api/webhooks/{webhook.pk}")
    assert got.status_code == 200 and "secret" not in got.json()
    assert client.delete(f"/api/webhooks/{webhook.pk}").status_code == 204
    assert not Webhook.objects.exists()
    assert client.get(f"/api/webhooks/{webhook.pk}").status_code == 404


def test_refusals_are_problems_naming_the_field(world, local, api):
    client = api(world.admin)
    cases = [
        ({"url": "ftp://x.test/", "events": ["report.finished"]}, "url"),
        ({"url": "https://x.test/\x00", "events": ["report.finished"]}, "url"),
        ({"url": "https://x.test/", "events": ["report.done"]}, "events[0]"),
        ({"url": "https://x.test/", "events": []}, "events"),
        ({"url": "https://x.test/", "events": ["ping"]}, "events[0]"),
        ({"url": "https://x.test/", "events": ["report.finished"], "secret": "mine"}, "secret"),
    ]
    for body, field in cases:
        response = post(client, "/api/webhooks", body)
        assert response.status_code == 422, (body, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], (body, response.json())
    assert client.get("/api/webhooks?active=1").status_code == 422
    assert not Webhook.objects.exists()


def test_the_delivery_log_and_send_again(world, hook, api, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        [delivery] = webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data={"report": {"id": 3}})
    client = api(world.admin)
    [logged] = client.get(f"/api/webhooks/{hook.pk}/deliveries").json()
    assert logged["id"] == delivery.pk
    assert (logged["status"], logged["attempts"], logged["response_status"]) == ("delivered", 1, 200)
    assert logged["body"] == Delivery.objects.get(pk=delivery.pk).body
    assert [a["status"] for a in logged["attempt_log"]] == [200]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/webhooks/{hook.pk}/deliveries/{delivery.pk}/replay")
    assert response.status_code == 202, response.content
    again = response.json()
    assert (again["replay_of"], again["event_id"], again["body"]) == (delivery.pk, logged["event_id"], logged["body"])
    assert len(receiver.requests) == 2
    assert [d["id"] for d in client.get(f"/api/webhooks/{hook.pk}/deliveries").json()] == [again["id"], delivery.pk]


def test_members_get_403_and_other_organisations_404(world, hook, api):
    with transaction.atomic():
        [delivery] = webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data={})
    paths = [
        ("get", f"/api/webhooks/{hook.pk}"),
        ("get", f"/api/webhooks/{hook.pk}/deliveries"),
        ("delete", f"/api/webhooks/{hook.pk}"),
        ("post", f"/api/webhooks/{hook.pk}/deliveries/{delivery.pk}/replay"),
    ]
    member = api(world.member)
    assert member.get("/api/webhooks").status_code == 403
    assert post(member, "/api/webhooks", {"url": hook.url, "events": ["report.finished"]}).status_code == 403
    for method, path in paths:
        assert getattr(member, method)(path).status_code == 403, path
    outsider = api(world.outsider, world.other_org)
    for method, path in paths:
        response = getattr(outsider, method)(path)
        assert response.status_code == 404, path
        assert hook.url not in response.content.decode()
    assert outsider.get("/api/webhooks").json() == []
    theirs = webhook_create(organisation=world.other_org, url=hook.url, events=Event.values, by=world.outsider)
    assert outsider.post(f"/api/webhooks/{theirs.pk}/deliveries/{delivery.pk}/replay").status_code == 404
    assert Webhook.objects.filter(pk=hook.pk).exists()
    assert Delivery.objects.filter(webhook=hook).count() == 1


def test_an_organisation_has_at_most_ten_webhooks(world, api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False  # a public address, given as such: no DNS needed
    client = api(world.admin)
    body = {"url": "https://93.184.215.14/hooks", "events": ["report.finished"]}
    for _ in range(10):
        assert post(client, "/api/webhooks", body).status_code == 201
    response = post(client, "/api/webhooks", body)
    assert response.status_code == 409
    assert response.json()["code"] == "webhook_limit"
    assert "at most 10 webhooks" in response.json()["detail"]
    assert Webhook.objects.filter(organisation=world.org).count() == 10
    # Another organisation's count is its own.
    assert post(api(world.outsider, world.other_org), "/api/webhooks", body).status_code == 201
