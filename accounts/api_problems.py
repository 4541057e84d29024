"""The JSON API's one error model: RFC 9457 problem details, `application/problem+json`.

Every API error is a `Problem`: `type`, `title`, `status` and `detail` as the RFC has them, plus
`code` (stable, for a program to branch on) and `errors` (one per offending value, `field` spelt
as the client sent it: `title`, `requirements[0].value`, `answers.has_data`, `limit`). The app
API modules raise `ApiProblem` or ninja's errors; config.api turns every one into this shape, so
an integrator reads one shape whatever failed. The lowest Django app holds it so that every app's
API may declare it in its responses (`response={200: X, **problems(404, 422)}`).
"""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema
from pydantic import ConfigDict

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Not a page to fetch: a stable name per code, which docs/api.md lists.
PROBLEM_TYPE_PREFIX = "urn:mlfit:problem:"

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
}
# The code a bare status stands for, when the raiser named none.
DEFAULT_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


class FieldProblem(Schema):
    field: str = Field(..., description="The offending value's path as sent: title, requirements[0].value, limit.")
    code: str = Field(..., description="Stable: missing, extra_forbidden, string_too_long, enum, …")
    message: str


class Problem(Schema):
    type: str = Field(..., description="urn:mlfit:problem:<code>")
    title: str
    status: int
    detail: str = Field(..., description="What went wrong and what to change, for a person.")
    code: str = Field(..., description="Stable, for a program: not_found, invalid, version_conflict, …")
    errors: list[FieldProblem] = Field(default_factory=list, description="One per offending value; may be empty.")


class ApiProblem(Exception):
    """Raised by an API operation to answer with a problem; config.api renders it."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code or DEFAULT_CODES.get(status, "error")
        self.errors = errors or []
        self.headers = headers or {}


def invalid(errors: list[tuple[str, str]] | list[tuple[str, str, str]], detail: str = "") -> ApiProblem:
    """A 422 naming each field: (field, message) or (field, code, message)."""
    items = [
        {"field": e[0], "code": e[1], "message": e[2]}
        if len(e) == 3
        else {"field": e[0], "code": "invalid", "message": e[1]}
        for e in errors
    ]
    return ApiProblem(422, detail or summary(items), code="invalid", errors=items)


def summary(errors: list[dict[str, str]]) -> str:
    """The `detail` of a 422: the one refusal, or how many there were."""
    if len(errors) != 1:
        return f"{len(errors)} values were refused; see errors."
    field, message = errors[0]["field"], errors[0]["message"]
    # accounts.inputs' messages name their field already ("title: contains a null character …").
    if not field or message.startswith(f"{field.split('.')[0].split('[')[0]}:"):
        return message
    return f"{field}: {message}"


def problem_body(problem: ApiProblem) -> dict[str, Any]:
    return {
        "type": PROBLEM_TYPE_PREFIX + problem.code,
        "title": TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.detail,
        "code": problem.code,
        "errors": problem.errors,
    }


def problem_response(problem: ApiProblem) -> HttpResponse:
    response = HttpResponse(json.dumps(problem_body(problem)), status=problem.status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in problem.headers.items():
        response[name] = value
    return response


def problems(*statuses: int) -> dict[int, type[Problem]]:
    """The error statuses an operation declares in the OpenAPI schema; 401 always (every route needs a token)."""
    return {status: Problem for status in sorted({401, *statuses})}


class StrictIn(Schema):
    """A write body: a field the API does not know (a misspelt one) is refused with a 422 naming
    it, not dropped while the rest is saved."""

    model_config = ConfigDict(extra="forbid")


def refuse_unknown_query(request: HttpRequest, *known: str) -> None:
    """A list endpoint's query string: a filter it does not have is a 422, not ignored (which would
    answer with everything, as if the filter had matched)."""
    unknown = sorted(set(request.GET) - set(known))
    if unknown:
        allowed = ", ".join(known) if known else "none"
        raise invalid([(name, "unknown_filter", f"not a parameter here (allowed: {allowed})") for name in unknown])
