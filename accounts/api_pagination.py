"""Cursor pagination of the JSON API's lists: `{"items": [...], "count": n, "next": url | null}`.

A list is ordered newest first by id, which never changes for a row, so a page boundary cannot
skip or repeat a row when others are added meanwhile (an offset would). `next` is the URL of the
following page, with the same filters and an opaque `cursor` (signed: a cursor altered, or taken to
another list, is a 422 `invalid_cursor`); it is null on the last page. `count` is the number of
rows the filters match, one COUNT query.
"""

from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema

from accounts.api_problems import invalid
from accounts.inputs import OneLine

CURSOR_SALT = "mlfit.api.cursor"
LIMIT_DEFAULT = 100
LIMIT_MAX = 1000
CURSOR_MAX = 200


class PageIn(Schema):
    """A list's paging parameters: `page: Query[PageIn]` in the operation."""

    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX, description="Rows per page.")
    cursor: OneLine | None = Field(None, max_length=CURSOR_MAX, description="From the previous page's `next`.")


def _cursor(path: str, after: int) -> str:
    return signing.dumps({"p": path, "a": after}, salt=CURSOR_SALT, compress=False)


def _after(path: str, cursor: str) -> int:
    try:
        data = signing.loads(cursor, salt=CURSOR_SALT)
        if not isinstance(data, dict) or data.get("p") != path or not isinstance(data.get("a"), int):
            raise signing.BadSignature
        return data["a"]
    except (signing.BadSignature, ValueError, TypeError):
        raise invalid(
            [("cursor", "invalid_cursor", "not a cursor of this list: follow the `next` link as given")]
        ) from None


def cursor_page(request: HttpRequest, queryset: QuerySet, page: PageIn) -> dict[str, Any]:
    """One page of `queryset`, newest first, and the link to the next."""
    limit, cursor = page.limit, page.cursor
    count = queryset.count()
    if cursor:
        queryset = queryset.filter(pk__lt=_after(request.path, cursor))
    rows = list(queryset.order_by("-pk")[: limit + 1])
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        query = {k: v for k, v in request.GET.items() if k != "cursor"}
        query["cursor"] = _cursor(request.path, rows[-1].pk)
        following = request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
    return {"items": rows, "count": count, "next": following}
