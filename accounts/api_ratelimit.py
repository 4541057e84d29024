"""Per-token rate limits of the JSON API, told on every answer.

Each token may make MLFIT_API_RATE_LIMIT requests per window of MLFIT_API_RATE_WINDOW seconds (a
fixed window; a request without a token counts against its address). Every answer under /api/
carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window
starts again), the headers of the IETF httpapi draft that most clients read; past the limit the
answer is a 429 problem with `Retry-After`.

The counts are kept in Django's cache: Redis when REDIS_URL is set, shared by every web process
(INCR is atomic); a process's own memory otherwise (a laptop, one process). A limit is a guard
against a runaway client, not an account of use: while Redis is down the cache does not count
(config.cache), and requests are let through rather than refused.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from accounts.api_idempotency import bearer_token
from accounts.api_problems import ApiProblem, problem_response
from accounts.models import hash_token

HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


@dataclass(frozen=True)
class Allowance:
    limit: int
    remaining: int
    reset: int  # seconds until the window starts again
    exceeded: bool

    def headers(self) -> dict[str, str]:
        return dict(zip(HEADERS, (str(self.limit), str(self.remaining), str(self.reset)), strict=True))


def caller(request: HttpRequest) -> str:
    """Whom a request counts against: its token (hashed: the raw one is never stored), else its address."""
    raw = bearer_token(request)
    if raw:
        return "t:" + hash_token(raw)[:32]  # as the token is stored and looked up (TokenAuth)
    return "a:" + request.META.get("REMOTE_ADDR", "")


def rate_take(request: HttpRequest) -> Allowance:
    """Count this request against its caller's window."""
    limit, window = settings.MLFIT_API_RATE_LIMIT, settings.MLFIT_API_RATE_WINDOW
    now = time.time()
    start = int(now // window) * window
    key = f"api-rate:{caller(request)}:{start}"
    cache.add(key, 0, timeout=window + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        used = 1
    reset = max(1, int(start + window - now + 0.999))
    return Allowance(limit=limit, remaining=max(0, limit - used), reset=reset, exceeded=used > limit)


def too_many(allowance: Allowance) -> HttpResponse:
    return problem_response(
        ApiProblem(
            429,
            f"This token has made its {allowance.limit} requests for now; try again in {allowance.reset} s.",
            code="rate_limited",
            headers={**allowance.headers(), "Retry-After": str(allowance.reset)},
        )
    )
