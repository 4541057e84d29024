"""The signature on every delivery: `MLFit-Signature: t=<unix time>,v1=<hex>`.

v1 is HMAC-SHA256, keyed with the webhook's secret, of the timestamp, a full stop and the body as
sent (bytes): the receiver recomputes it from the raw body, compares in constant time, and refuses
an old timestamp, so a captured delivery cannot be sent again later (docs/webhooks.md).
"""

import hashlib
import hmac
import time

# What docs/webhooks.md tells receivers to allow between the timestamp and their clock.
TOLERANCE_SECONDS = 300


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return mac.hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"


def verify(
    *, secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """What a receiver does; kept here so the tests check the documented recipe against our sender."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, fields.get("v1", ""))
