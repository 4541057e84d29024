"""Sign-in is refused for a while after repeated failures, per email and per client address.

The counts live in the default cache, which with REDIS_URL set (CI) is the Redis other test runs
share; each test signs in as a person and from an address of its own, so no two tests, and no two
runs, count towards each other's limits.
"""

import time
import uuid

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.throttle import client_address
from tests.factories import UserFactory
from tests.security.html import Page

PASSWORD = "password-for-tests"


@pytest.fixture
def person(db):
    return UserFactory(email=f"{uuid.uuid4().hex}@throttle.test")


def new_client() -> Client:
    """A client from a random private address, which no other test or test run uses."""
    return Client(REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")


def sign_in(client: Client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("projects:list")


def alert_text(response) -> str:
    page = Page(response.content.decode())
    return " ".join(page.text.split())


def test_the_sixth_attempt_is_refused_even_with_the_right_password(person):
    client = new_client()
    for _ in range(5):
        response = sign_in(client, person.email, "wrong")
        assert response.status_code == 200
        assert "Please enter a correct email and password" in alert_text(response)

    response = sign_in(client, person.email, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Too many failed sign-in attempts. Wait 15 minutes and try again" in alert_text(response)
    assert "_auth_user_id" not in client.session


def test_the_refusal_is_announced_as_an_alert(person):
    client = new_client()
    for _ in range(5):
        sign_in(client, person.email, "wrong")
    response = sign_in(client, person.email, "wrong")
    html = response.content.decode()
    alert = html[html.index('role="alert"') : html.index("</div>", html.index('role="alert"'))]
    assert "Too many failed sign-in attempts" in alert


def test_the_count_is_per_email_from_any_address(person):
    for _ in range(5):
        sign_in(new_client(), person.email, "wrong")
    assert sign_in(new_client(), person.email, PASSWORD).status_code == 429


def test_another_email_is_not_affected(person, db):
    other = UserFactory(email=f"{uuid.uuid4().hex}@throttle.test")
    client = new_client()
    for _ in range(5):
        sign_in(client, person.email, "wrong")

    assert signed_in(sign_in(client, other.email, PASSWORD))


def test_the_count_is_per_address_too(person, db, settings):
    settings.LOGIN_THROTTLE_IP_FAILURES = 3
    client = new_client()
    for _ in range(3):
        sign_in(client, f"{uuid.uuid4().hex}@throttle.test", "wrong")

    # A guesser trying one password on many emails is stopped, even on an email never tried...
    assert sign_in(client, person.email, PASSWORD).status_code == 429
    # ...but only from that address.
    assert signed_in(sign_in(new_client(), person.email, PASSWORD))


def test_the_count_expires(person, settings):
    settings.LOGIN_THROTTLE_WINDOW = 1
    client = new_client()
    for _ in range(5):
        sign_in(client, person.email, "wrong")
    assert sign_in(client, person.email, PASSWORD).status_code == 429

    time.sleep(1.2)

    assert signed_in(sign_in(client, person.email, PASSWORD))


def test_signing_in_clears_the_count_for_that_email(person):
    client = new_client()
    for _ in range(4):
        sign_in(client, person.email, "wrong")
    assert signed_in(sign_in(client, person.email, PASSWORD))

    client = new_client()
    for _ in range(4):
        sign_in(client, person.email, "wrong")
    assert signed_in(sign_in(client, person.email, PASSWORD))


def test_refused_attempts_do_not_extend_the_wait(person, settings):
    settings.LOGIN_THROTTLE_WINDOW = 2
    client = new_client()
    for _ in range(5):
        sign_in(client, person.email, "wrong")
    time.sleep(1)
    for _ in range(3):
        assert sign_in(client, person.email, "wrong").status_code == 429
    time.sleep(1.2)
    assert signed_in(sign_in(client, person.email, PASSWORD))


def test_password_reset_requests_are_limited_per_email(person):
    client = new_client()
    for _ in range(5):
        response = client.post(reverse("password_reset"), {"email": person.email})
        assert response.status_code == 302

    response = client.post(reverse("password_reset"), {"email": person.email})

    assert response.status_code == 429
    assert "Too many reset requests" in alert_text(response)
    assert len([m for m in mail.outbox if person.email in m.to]) == 5


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "192.0.2.1"),  # no proxy trusted: the header may be forged, ignore it
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own claim, left of the proxy's
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "", "192.0.2.1"),
    ],
)
def test_the_client_address_is_read_behind_trusted_proxies_only(settings, proxies, forwarded, expected):
    settings.MLFIT_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
