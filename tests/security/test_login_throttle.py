"""Sign-in is refused for a while after repeated failures, per email and per client address, on the
web's sign-in and the admin's alike; the counts hold with Redis down and under parallel attempts.

The counts are rows in the database (accounts.ThrottleCount), rolled back after each test. Time is
the test's to move: the `clock` fixture (tests/conftest.py) stops it and `clock.shift` moves it on,
and `Throttle.take` is given `now`.
"""

import threading
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import ThrottleCount, User
from accounts.throttle import client_address, login_throttle
from tests.factories import UserFactory
from tests.html import parse

PASSWORD = "password-for-tests"
WINDOW = 15 * 60
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel attempts need PostgreSQL's row locks (set DATABASE_URL)"
)


@pytest.fixture
def person(db):
    return UserFactory(email=f"{uuid.uuid4().hex}@throttle.test")


@pytest.fixture
def staff(db):
    return UserFactory(email=f"{uuid.uuid4().hex}@throttle.test", is_staff=True, is_superuser=True)


def new_client() -> Client:
    """A client from a random private address, which no other attempt in the test uses."""
    return Client(REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")


def sign_in(client: Client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


def admin_sign_in(client: Client, email: str, password: str):
    return client.post(reverse("admin:login"), {"username": email, "password": password, "next": "/admin/"})


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("projects:landing")


def alert_text(response) -> str:
    """What the page's error messages say: ours are alerts, the admin's an error note."""
    return " ".join(parse(response).texts("[role=alert], .errornote"))


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
    first_alert = parse(response).texts('[role="alert"]')[0]
    assert "Too many failed sign-in attempts" in first_alert


def test_the_count_is_per_email_from_any_address(person):
    for _ in range(5):
        sign_in(new_client(), person.email, "wrong")
    assert sign_in(new_client(), person.email, PASSWORD).status_code == 429


def test_the_email_is_counted_whatever_its_case(person):
    for _ in range(5):
        sign_in(new_client(), person.email.upper(), "wrong")
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


def test_the_address_is_read_behind_a_trusted_proxy(person, db, settings):
    settings.LOGIN_THROTTLE_IP_FAILURES = 3
    settings.MLFIT_TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(3):
        sign_in(proxy, f"{uuid.uuid4().hex}@throttle.test", "wrong")

    assert sign_in(proxy, person.email, PASSWORD).status_code == 429
    # Another client behind the same proxy has a count of its own.
    neighbour = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert signed_in(sign_in(neighbour, person.email, PASSWORD))


def test_a_right_password_signs_in_once_the_lock_out_has_expired(person, clock):
    client = new_client()
    for _ in range(5):
        sign_in(client, person.email, "wrong")
    clock.shift(WINDOW - 1)
    assert sign_in(client, person.email, PASSWORD).status_code == 429

    clock.shift(1)

    response = sign_in(client, person.email, PASSWORD)
    assert signed_in(response)
    assert client.session["_auth_user_id"] == str(person.pk)


def test_signing_in_clears_the_count_for_that_email(person):
    client = new_client()
    for _ in range(4):
        sign_in(client, person.email, "wrong")
    assert signed_in(sign_in(client, person.email, PASSWORD))

    client = new_client()
    for _ in range(4):
        sign_in(client, person.email, "wrong")
    assert signed_in(sign_in(client, person.email, PASSWORD))


def test_signing_in_does_not_clear_the_count_of_the_address(person, db, settings):
    settings.LOGIN_THROTTLE_IP_FAILURES = 3
    client = new_client()
    for _ in range(2):
        sign_in(client, f"{uuid.uuid4().hex}@throttle.test", "wrong")
    # A sign-in does not count against the address, nor does it forgive the failures before it.
    assert signed_in(sign_in(client, person.email, PASSWORD))
    sign_in(client, f"{uuid.uuid4().hex}@throttle.test", "wrong")

    assert sign_in(client, person.email, PASSWORD).status_code == 429


def test_refused_attempts_do_not_extend_the_wait(person, clock):
    client = new_client()
    for _ in range(5):
        sign_in(client, person.email, "wrong")
    clock.shift(WINDOW // 2)
    for _ in range(3):
        assert sign_in(client, person.email, "wrong").status_code == 429
    clock.shift(WINDOW // 2)
    assert signed_in(sign_in(client, person.email, PASSWORD))


def test_the_window_starts_at_the_first_attempt(db):
    request = RequestFactory().post("/login/", REMOTE_ADDR="192.0.2.7")
    throttle = login_throttle(request, f"{uuid.uuid4().hex}@throttle.test")
    start = timezone.now()

    assert all(throttle.take(now=start + timedelta(seconds=60 * i)) for i in range(5))
    # The fifth attempt, four minutes in, did not move the window: it ends 15 minutes after the first.
    assert not throttle.take(now=start + timedelta(seconds=WINDOW - 1))
    assert throttle.take(now=start + timedelta(seconds=WINDOW))


def test_ended_counts_are_deleted_by_later_attempts(db):
    start = timezone.now()
    old = login_throttle(RequestFactory().post("/login/", REMOTE_ADDR="192.0.2.8"), "old@throttle.test")
    assert old.take(now=start)

    login_throttle(RequestFactory().post("/login/", REMOTE_ADDR="192.0.2.9"), "new@throttle.test").take(
        now=start + timedelta(seconds=WINDOW)
    )

    assert not ThrottleCount.objects.filter(key__in=old.limits).exists()
    assert ThrottleCount.objects.count() == 2


def test_sign_in_is_throttled_with_redis_down(person, settings):
    # What production has, pointed at a port nothing listens on: every cache call fails and reads
    # as a miss (config/cache.py), which let every guess through when the counts lived there.
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert cache.add("throttle-probe", 1) is False
    client = new_client()
    for _ in range(5):
        assert sign_in(client, person.email, "wrong").status_code == 200

    assert sign_in(client, person.email, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_is_throttled(staff):
    client = new_client()
    for _ in range(5):
        response = admin_sign_in(client, staff.email, "wrong")
        assert response.status_code == 200
        assert "Please enter the correct email and password for a staff account" in alert_text(response)

    response = admin_sign_in(client, staff.email, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Too many failed sign-in attempts. Wait 15 minutes and try again" in alert_text(response)
    assert "_auth_user_id" not in client.session


def test_the_admin_and_the_web_sign_in_share_one_count(staff):
    for _ in range(3):
        sign_in(new_client(), staff.email, "wrong")
    for _ in range(2):
        admin_sign_in(new_client(), staff.email, "wrong")

    assert admin_sign_in(new_client(), staff.email, PASSWORD).status_code == 429
    assert sign_in(new_client(), staff.email, PASSWORD).status_code == 429


def test_the_admin_lets_staff_in_once_the_lock_out_has_expired(staff, clock):
    client = new_client()
    for _ in range(5):
        admin_sign_in(client, staff.email, "wrong")
    clock.shift(WINDOW)

    response = admin_sign_in(client, staff.email, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_password_reset_requests_are_limited_per_email(person):
    client = new_client()
    for _ in range(5):
        response = client.post(reverse("password_reset"), {"email": person.email})
        assert response.status_code == 302

    response = client.post(reverse("password_reset"), {"email": person.email})

    assert response.status_code == 429
    assert "Too many reset requests" in alert_text(response)
    assert len([m for m in mail.outbox if person.email in m.to]) == 5


ATTEMPTS = 12
LIMIT = 5


def _parallel_wrong_attempts(monkeypatch, attempts: list[tuple[Client, str]]) -> list[int]:
    """Post every (client, email) attempt with a wrong password from threads of its own, at once.

    Each attempt that reaches the password check waits there until every other attempt has either
    reached it too or been refused: all of them are in flight together, which is the moment a
    count read before the check and raised after it lets every one through.
    """
    lock = threading.Condition()
    arrived = {"checking": 0, "refused": 0}
    check_password = User.check_password

    def everyone_arrived() -> bool:
        return arrived["checking"] + arrived["refused"] == len(attempts)

    def slow_check(user, raw_password):
        with lock:
            arrived["checking"] += 1
            lock.notify_all()
            lock.wait_for(everyone_arrived, timeout=30)
        return check_password(user, raw_password)

    monkeypatch.setattr(User, "check_password", slow_check)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def attempt(client: Client, email: str) -> None:
        try:
            status = sign_in(client, email, "wrong").status_code
            statuses.append(status)
            if status == 429:
                with lock:
                    arrived["refused"] += 1
                    lock.notify_all()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=pair) for pair in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return statuses


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_at_one_email_get_no_more_tries_than_the_limit(monkeypatch, settings):
    settings.LOGIN_THROTTLE_EMAIL_FAILURES = LIMIT
    email = UserFactory(email=f"{uuid.uuid4().hex}@throttle.test").email

    statuses = _parallel_wrong_attempts(monkeypatch, [(new_client(), email) for _ in range(ATTEMPTS)])

    assert sorted(statuses) == [200] * LIMIT + [429] * (ATTEMPTS - LIMIT)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_from_one_address_get_no_more_tries_than_the_limit(monkeypatch, settings):
    settings.LOGIN_THROTTLE_IP_FAILURES = LIMIT
    address = new_client().defaults["REMOTE_ADDR"]
    emails = [UserFactory(email=f"{uuid.uuid4().hex}@throttle.test").email for _ in range(ATTEMPTS)]

    statuses = _parallel_wrong_attempts(monkeypatch, [(Client(REMOTE_ADDR=address), email) for email in emails])

    assert sorted(statuses) == [200] * LIMIT + [429] * (ATTEMPTS - LIMIT)


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
