"""`Idempotency-Key` on every POST of the JSON API: a client that lost an answer sends the request
again with the same key, and gets the first answer (status, body, `Location`) without the thing
being done twice.

- A key is scoped to the token that sent it, and kept IDEMPOTENCY_TTL (24 hours); after that the
  same key is a new request.
- The same key with another request (method, path or body) is a 422 `idempotency_key_reused`:
  answering the first result would hide that the second was never done.
- Only a success (2xx, 3xx) is remembered. An error did nothing, so the client may fix the request
  and send it again with the same key.
- Two requests with the same key at once make one object: the key's row is INSERTed in the same
  transaction as the operation, so the second INSERT waits on the unique constraint until the
  first request commits (then it answers the stored result) or rolls back (then it runs itself).
  PostgreSQL is the store, not the cache: an answer must outlive a Redis restart, and the
  constraint is what makes the race safe.
"""

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.api_problems import ApiProblem, invalid, problem_response
from accounts.models import ApiToken, IdempotencyKey, hash_token

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_TTL = timedelta(hours=24)
KEY_MAX = 255
REPLAYED_HEADER = "Idempotent-Replayed"


def bearer_token(request: HttpRequest) -> str | None:
    """The raw token of `Authorization: Bearer …`, or None."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    return raw.strip() or None if scheme.lower() == "bearer" else None


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path()):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _key_refused(message: str) -> HttpResponse:
    return problem_response(invalid([(IDEMPOTENCY_HEADER, "invalid_idempotency_key", message)]))


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status, content_type=record.content_type or None)
    if record.location:
        response["Location"] = record.location
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(request: HttpRequest, view: Callable[[], HttpResponse]) -> HttpResponse:
    """Run `view` for a POST once per key: the first time for real, after that from the store."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if request.method != "POST" or key is None:
        return view()
    if not key or len(key) > KEY_MAX or not all(" " <= c <= "~" for c in key):
        return _key_refused(f"1 to {KEY_MAX} printable ASCII characters, e.g. a UUID")
    raw = bearer_token(request)
    token_id = ApiToken.objects.filter(token_hash=hash_token(raw)).values_list("pk", flat=True).first() if raw else None
    if token_id is None:
        return view()  # not authenticated: the operation answers 401, and nothing is stored
    sent = fingerprint(request)
    with transaction.atomic():
        # Keys past their time are forgotten as the token comes back, so the table stays small.
        IdempotencyKey.objects.filter(token_id=token_id, created_at__lt=timezone.now() - IDEMPOTENCY_TTL).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(token_id=token_id, key=key, fingerprint=sent)
        except IntegrityError:
            # Another request took the key; its transaction has committed (the INSERT waited).
            record = IdempotencyKey.objects.get(token_id=token_id, key=key)
            if record.fingerprint != sent:
                return problem_response(
                    ApiProblem(
                        422,
                        f"This {IDEMPOTENCY_HEADER} was used for another request in the last 24 hours;"
                        " send a new key for a new request.",
                        code="idempotency_key_reused",
                        errors=[{"field": IDEMPOTENCY_HEADER, "code": "idempotency_key_reused", "message": key}],
                    )
                )
            return _replay(record)
        response = view()
        if response.status_code >= 400 or response.streaming:
            record.delete()
            return response
        record.status = response.status_code
        record.content_type = response.get("Content-Type", "")[:100]
        record.location = response.get("Location", "")[:2000]
        record.body = response.content
        record.save(update_fields=["status", "content_type", "location", "body"])
    return response


def idempotency_forget_expired() -> int:
    """Delete every key past IDEMPOTENCY_TTL (the hourly beat task): a token that goes quiet would
    otherwise keep its stored answers, some with a webhook's secret in them, for ever."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_TTL).delete()
    return deleted
