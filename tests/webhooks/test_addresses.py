"""Where a webhook may point: https to public addresses, by default. Checked when the URL is saved
(the page's form, the API and the service say why) and again at each delivery, connecting to the
address that was checked."""

import contextlib
import ipaddress
import re
import socket

import pytest
from django.db import transaction

from tests.html import parse
from webhooks import transport
from webhooks.models import Delivery, DeliveryStatus, Event, Webhook
from webhooks.services import WebhookError, delivery_attempt, webhook_create, webhook_emit
from webhooks.transport import AddressRefused, check_url


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> None:
    """getaddrinfo answering from `answers` (a name -> its addresses); other names are not found."""

    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        with contextlib.suppress(ValueError):
            ipaddress.ip_address(host)
            return real(host, port, *args, **kwargs)  # an address, as the connection to it asks
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answers[host]
        ]

    monkeypatch.setattr(transport.socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4 inside IPv6
        ("fd00::1", "private"),
    ],
)
def test_a_host_on_a_non_public_address_is_refused(monkeypatch, settings, address, says):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    fake_dns(monkeypatch, {"hooks.example.com": [address]})
    with pytest.raises(AddressRefused, match=says):
        check_url("https://hooks.example.com/mlfit")


def test_one_private_address_among_public_ones_is_refused(monkeypatch, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.215.14", "10.0.0.5"]})
    with pytest.raises(AddressRefused, match=re.escape("10.0.0.5, a private address")):
        check_url("https://hooks.example.com/mlfit")


def test_a_public_https_url_is_accepted(monkeypatch, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    assert check_url("https://hooks.example.com/mlfit?team=7") == "https://hooks.example.com/mlfit?team=7"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.example.com/", "Use an https:// URL."),
        ("ftp://hooks.example.com/", "Use an https:// URL."),
        ("hooks.example.com/mlfit", "Use an https:// URL."),
        ("https:///path", "Give the URL a host name"),
        ("https://user:pw@hooks.example.com/", "Leave the user name and password out"),
        ("https://hooks.example.com/#top", "Leave out the #fragment"),
        ("https://hooks.example.com:99999/", "not a URL MLFit can send to"),
        ("https://nowhere.invalid/", "could not be found"),
        ("https://hooks.example.com/" + "a" * 500, "at most 500 characters"),
    ],
)
def test_urls_that_cannot_be_used_say_why(monkeypatch, settings, url, says):
    settings.WEBHOOKS_ALLOW_HTTP = False
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.215.14"]})
    with pytest.raises(AddressRefused, match=re.escape(says)):
        check_url(url)


def test_plain_http_only_where_the_deployment_allows_it(monkeypatch, settings):
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.215.14"]})
    settings.WEBHOOKS_ALLOW_HTTP = True
    assert check_url("http://hooks.example.com/")
    settings.WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(AddressRefused):
        check_url("http://hooks.example.com/")


def test_loopback_is_refused_by_default_at_save_in_the_service_the_page_and_the_api(world, settings, api, receiver):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(WebhookError, match=re.escape("127.0.0.1, a loopback address")) as refused:
        webhook_create(organisation=world.org, url=receiver.url(), events=Event.values, by=world.admin)
    assert refused.value.field == "url"
    response = world.client_for(world.admin).post(
        "/accounts/webhooks/", {"url": receiver.url(), "events": ["report.finished"]}
    )
    assert response.status_code == 400
    page = parse(response)
    assert "127.0.0.1, a loopback address" in page.text("#add-webhook")
    assert page.form_values("#add-webhook")["url"] == receiver.url()  # what was typed is kept
    response = api(world.admin).post(
        "/api/webhooks", {"url": receiver.url(), "events": ["report.finished"]}, content_type="application/json"
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "url" and "loopback" in error["message"]
    assert not Webhook.objects.exists()


def test_loopback_is_refused_at_delivery_when_the_deployment_no_longer_allows_it(world, local, receiver):
    hook = webhook_create(organisation=world.org, url=receiver.url(), events=Event.values, by=world.admin)
    local.WEBHOOKS_ALLOW_PRIVATE = False
    with transaction.atomic():
        [delivery] = webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data={})
    assert delivery_attempt(delivery_id=delivery.pk) == "will retry"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert "127.0.0.1, a loopback address" in delivery.last_error
    assert receiver.requests == []
    assert hook.pk == delivery.webhook_id


def test_a_name_that_turns_private_after_saving_is_refused_at_delivery(world, settings, monkeypatch, receiver):
    """DNS rebinding: public when saved, loopback when sent. The check at delivery catches it."""
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.215.14"]})
    webhook_create(
        organisation=world.org, url=f"https://hooks.example.com:{receiver.port}/", events=Event.values, by=world.admin
    )
    fake_dns(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})
    with transaction.atomic():
        [delivery] = webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data={})
    delivery_attempt(delivery_id=delivery.pk)
    assert "a loopback address" in Delivery.objects.get(pk=delivery.pk).last_error
    assert receiver.requests == []


def test_the_connection_goes_to_the_address_checked_with_the_host_name_kept(world, local, monkeypatch, receiver):
    # The name resolves (once, when checked) to the receiver's address; the request names the host.
    fake_dns(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})
    url = f"http://hooks.example.test:{receiver.port}/in"
    webhook_create(organisation=world.org, url=url, events=Event.values, by=world.admin)
    with transaction.atomic():
        [delivery] = webhook_emit(organisation=world.org, event=Event.REPORT_FINISHED, data={})
    assert delivery_attempt(delivery_id=delivery.pk) == "delivered", Delivery.objects.get(pk=delivery.pk).last_error
    [got] = receiver.requests
    assert got.headers["Host"] == f"hooks.example.test:{receiver.port}"
    assert got.path == "/in"
