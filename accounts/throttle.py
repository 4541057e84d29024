"""Counting attempts per email and per client address, to slow down password guessing.

The counts live in the default cache (Redis in production, shared by every web process). Each count
runs in a fixed window that starts at the first attempt: once a count reaches its limit, attempts are
refused until the window has passed, however many more are made meanwhile, and refused attempts are
not counted (they never reach the password check). Keys hold a hash, never the email itself.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


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


@dataclass(frozen=True)
class Counter:
    key: str
    limit: int

    def reached(self) -> bool:
        return (cache.get(self.key) or 0) >= self.limit

    def add_one(self, window: int) -> None:
        # add() starts the window only if no count exists; incr() keeps the key's expiry.
        cache.add(self.key, 0, timeout=window)
        try:
            cache.incr(self.key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(self.key, 1, timeout=window)

    def clear(self) -> None:
        cache.delete(self.key)


class Throttle:
    """The counters for one kind of attempt ("login", "reset") by one email from one address."""

    def __init__(self, *, scope: str, request: HttpRequest, email: str | None, email_limit: int, ip_limit: int) -> None:
        self.window = settings.LOGIN_THROTTLE_WINDOW
        self.by_email = Counter(_key(f"{scope}:email", email), email_limit) if email else None
        self.by_address = Counter(_key(f"{scope}:ip", client_address(request)), ip_limit)

    def _counters(self) -> list[Counter]:
        return [c for c in (self.by_email, self.by_address) if c is not None]

    def blocked(self) -> bool:
        return any(counter.reached() for counter in self._counters())

    def record(self) -> None:
        for counter in self._counters():
            counter.add_one(self.window)

    def clear_email(self) -> None:
        if self.by_email is not None:
            self.by_email.clear()

    @property
    def minutes(self) -> int:
        return max(1, -(-self.window // 60))


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
