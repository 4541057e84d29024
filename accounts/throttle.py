"""Counting attempts per email and per client address, to slow down password guessing.

The counts are rows in the database (accounts.models.ThrottleCount), not cache keys: a cache that
reads as empty while Redis is away would stop throttling exactly when nobody watches, and a count
read first and raised after the password check lets every parallel guess through in between.
Here an attempt takes its place in each of its counts before the password is checked, in one
transaction under the rows' locks; once a count has reached its limit no attempt gets a place,
however many arrive at once. A sign-in that succeeds gives its places back.

Each count runs in a fixed window that starts at its first attempt: once a count reaches its limit,
attempts are refused until the window has passed, however many more are made meanwhile, and refused
attempts are not counted (they never reach the password check). Keys hold a hash, never the email.
"""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import ThrottleCount

# Counts whose window has ended are deleted a batch at a time, by the attempts themselves.
PURGE_BATCH = 200


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or from X-Forwarded-For behind trusted proxies.

    Each proxy appends the address it received the request from, so with N trusted proxies the
    client is the N-th entry from the right; anything further left was sent by the client itself
    and could be forged.
    """
    proxies = settings.MLFIT_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}"


class Throttle:
    """The counts for one kind of attempt ("login", "reset") by one email from one address."""

    def __init__(self, *, scope: str, request: HttpRequest, email: str | None, email_limit: int, ip_limit: int) -> None:
        self.window = settings.LOGIN_THROTTLE_WINDOW
        self.email_key = _key(f"{scope}:email", email) if email else None
        self.address_key = _key(f"{scope}:ip", client_address(request))
        self.limits = {self.address_key: ip_limit}
        if self.email_key is not None:
            self.limits[self.email_key] = email_limit

    def take(self, *, now: datetime | None = None) -> bool:
        """Count this attempt in every count, or in none and answer False when one is full."""
        now = now or timezone.now()
        window_ended_before = now - timedelta(seconds=self.window)
        with transaction.atomic():
            counts = self._locked(now)
            for count in counts:
                # A count at zero (after a sign-in) starts its window with its next attempt.
                if count.count == 0 or count.window_started_at <= window_ended_before:
                    count.count, count.window_started_at = 0, now
            if any(count.count >= self.limits[count.key] for count in counts):
                return False
            for count in counts:
                count.count += 1
            ThrottleCount.objects.bulk_update(counts, ["count", "window_started_at"])
        _purge_ended(window_ended_before)
        return True

    def succeeded(self) -> None:
        """The attempt was a sign-in: its email starts afresh, and its address gets its place back.

        The address keeps its failures, so one person signing in cannot clear what a guesser did
        from the same place on other emails.
        """
        if self.email_key is not None:
            ThrottleCount.objects.filter(key=self.email_key).update(count=0)
        ThrottleCount.objects.filter(key=self.address_key).update(count=Greatest(F("count") - 1, 0))

    def _locked(self, now: datetime) -> list[ThrottleCount]:
        """This attempt's counts, created if new, locked in key order (two attempts sharing both
        counts then queue on the first instead of each holding one the other waits for)."""
        for _ in range(2):
            fresh = [ThrottleCount(key=key, count=0, window_started_at=now) for key in sorted(self.limits)]
            ThrottleCount.objects.bulk_create(fresh, ignore_conflicts=True)
            counts = list(ThrottleCount.objects.select_for_update().filter(key__in=self.limits).order_by("key"))
            # A purge may delete an ended count between the insert and the lock; the second round
            # inserts it again, and a count inserted now is not one a purge deletes.
            if len(counts) == len(self.limits):
                return counts
        raise RuntimeError("throttle counts vanished twice while being locked")

    @property
    def minutes(self) -> int:
        return max(1, -(-self.window // 60))


def _purge_ended(window_ended_before: datetime) -> None:
    # SKIP LOCKED: a count another attempt holds is about to start a new window, and waiting for
    # it would make every sign-in queue behind every other.
    with transaction.atomic():
        ended = ThrottleCount.objects.filter(window_started_at__lte=window_ended_before)
        batch = ended.select_for_update(skip_locked=True).values("key")[:PURGE_BATCH]
        ThrottleCount.objects.filter(key__in=batch).delete()


def login_throttle(request: HttpRequest, email: str | None) -> Throttle:
    return Throttle(
        scope="login",
        request=request,
        email=email,
        email_limit=settings.LOGIN_THROTTLE_EMAIL_FAILURES,
        ip_limit=settings.LOGIN_THROTTLE_IP_FAILURES,
    )


def password_reset_throttle(request: HttpRequest, email: str | None) -> Throttle:
    return Throttle(
        scope="reset",
        request=request,
        email=email,
        email_limit=settings.PASSWORD_RESET_THROTTLE_REQUESTS,
        ip_limit=settings.PASSWORD_RESET_THROTTLE_REQUESTS * 4,
    )
