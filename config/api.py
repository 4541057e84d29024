"""The JSON API: its routers, and the one error model every failure is told in.

Every error, whoever raises it (ninja's validation and authentication, Http404 from tenancy, an
`ApiProblem` from an operation, a path or method the API does not have), leaves as an RFC 9457
problem (accounts.api_problems), so an integrator parses one shape.

Around every view of the API (`_contract`), the parts of the contract every operation shares: the
per-token rate limit and its headers (accounts.api_ratelimit) and the Idempotency-Key of a POST
(accounts.api_idempotency); `contract` declares them in each operation's schema, with the 429 and
the Location of a 201, so that the schema says what is sent (tests/fuzz/test_api.py checks it).
"""

import functools
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accounts.api import router as members_router
from accounts.api_auth import TokenAuth
from accounts.api_idempotency import IDEMPOTENCY_HEADER, KEY_MAX, idempotent
from accounts.api_problems import PROBLEM_CONTENT_TYPE, ApiProblem, invalid, problem_response
from accounts.api_ratelimit import HEADERS, rate_take, too_many
from accounts.inputs import InputRefused
from projects.api import router as projects_router
from questionnaires.api import router as questionnaires_router
from reports.api import router as reports_router
from stakeholders.api import review_router, stakeholders_router
from suitability.api import router as assessments_router
from webhooks.api import router as webhooks_router


class MLFitAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        for item in schema["paths"].values():
            for method, operation in item.items():
                contract(method, operation)
        schema["components"]["headers"] = CONTRACT_HEADERS
        return schema

    def _get_urls(self) -> list:
        # Ninja's root (/api/ itself) raises a bare Http404, answered with the site's HTML page.
        urls = [url for url in super()._get_urls() if getattr(url, "name", None) != "api-root"]
        # Last: any other path under /api/ is a JSON 404, not the site's HTML page.
        urls += [path("", unknown_path, name="api-root"), re_path(r"^.*$", unknown_path, name="unknown")]
        for url in urls:
            if isinstance(url, URLPattern):
                url.callback = _contract(url.callback)
        return urls


# What every operation's answers carry, declared once and referred to (docs/api.md).
_INT = {"type": "integer", "minimum": 0}
CONTRACT_HEADERS = {
    "RateLimit-Limit": {"description": "Requests this token may make per window.", "schema": _INT},
    "RateLimit-Remaining": {"description": "Requests left in this window.", "schema": _INT},
    "RateLimit-Reset": {"description": "Seconds until the window starts again.", "schema": _INT},
    "Retry-After": {"description": "Seconds to wait before asking again.", "schema": _INT},
    "Location": {"description": "The URL of what was made.", "schema": {"type": "string"}},
}
# Inline, not $ref: a $ref's siblings (required) are ignored by the tools that check the answers.
_RATE_HEADERS = {name: CONTRACT_HEADERS[name] for name in HEADERS}
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "description": (
        "Any unique string (a UUID): the same key and body again within 24 hours answer the first"
        " result without doing it again; the same key with another body is a 422."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX},
}


def contract(method: str, operation: dict) -> None:
    """The parts of the contract every operation shares, added to its schema: the errors are
    problems; every answer tells the rate limit, and any may be a 429; a POST takes an
    Idempotency-Key (and may be refused for it, 422); a 201 says where the new thing is."""
    responses = operation.setdefault("responses", {})
    # An operation's openapi_extra spells a status as text ("200"), ninja as a number: one response.
    for status in [s for s in responses if isinstance(s, int) and str(s) in responses]:
        extra = responses.pop(str(status))
        responses[status].setdefault("headers", {}).update(extra.get("headers", {}))
        responses[status].setdefault("content", {}).update(extra.get("content", {}))
    responses.setdefault(429, {"description": "Too many requests"})
    if method == "post":
        operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
        responses.setdefault(422, {"description": "Invalid request"})
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for status, response in responses.items():
        if str(status).startswith("4"):
            # Ninja declares every response as application/json; the errors are sent as problems.
            content = response.get("content", {})
            response["content"] = {PROBLEM_CONTENT_TYPE: content.get("application/json") or problem}
        headers = response.setdefault("headers", {})
        headers.update({name: {**header, "required": True} for name, header in _RATE_HEADERS.items()})
        if str(status) == "429":
            headers["Retry-After"] = {**CONTRACT_HEADERS["Retry-After"], "required": True}
        if str(status) == "201":
            headers["Location"] = {**CONTRACT_HEADERS["Location"], "required": True}


def _contract(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Around every view of the API: the rate limit (counted first, told on every answer), the
    Idempotency-Key of a POST, and a method the path does not have told as a problem (ninja
    answers it with a bare text 405)."""

    @functools.wraps(view)  # keeps csrf_exempt, which the CSRF middleware reads off the callback
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        allowance = rate_take(request)
        if allowance.exceeded:
            return too_many(allowance)
        response = idempotent(request, lambda: view(request, *args, **kwargs))
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = problem_response(
                ApiProblem(
                    405, f"{request.method} is not allowed here; allowed: {allowed}.", headers={"Allow": allowed}
                )
            )
        for name, value in allowance.headers().items():
            response[name] = value
        return response

    return wrapped


@csrf_exempt
def unknown_path(request: HttpRequest) -> HttpResponse:
    return problem_response(ApiProblem(404, "There is no such path in the API; see /api/docs."))


# No parser of our own: text and ids in the input schemas are checked field by field by
# accounts.inputs' types (OneLine, MultiLine, CleanJson, Id), so a refusal is a 422 naming the
# field; tests/security/test_input_boundary.py fails for a str field of an input schema without one.
api = MLFitAPI(title="MLFit API", version="1", auth=TokenAuth(), urls_namespace="api")
api.add_router("/", projects_router)
api.add_router("/", members_router)
api.add_router("/", assessments_router)
api.add_router("/", stakeholders_router)
api.add_router("/", review_router)
api.add_router("/", questionnaires_router)
api.add_router("/", reports_router)
api.add_router("/", webhooks_router)


def field_of(loc: tuple | list) -> str:
    """The path of a value as the client sent it: ("body", "payload", "requirements", 0, "value")
    is requirements[0].value; ("query", "limit") is limit; a dict key's own error ("[key]") names
    the key."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    text = ""
    for part in parts:
        if part == "[key]":
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@api.exception_handler(ApiProblem)
def problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(exc)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Tenancy's 404 says nothing of whether the object exists elsewhere.
    return problem_response(ApiProblem(404, "Not found, or not yours to see."))


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        ApiProblem(
            401,
            "Send a valid API token: Authorization: Bearer mlf_…",
            headers={"WWW-Authenticate": 'Bearer realm="MLFit API"'},
        )
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja's own (a body it cannot parse is its 400): kept as the status, told as a problem.
    if exc.status_code == 400:
        return problem_response(ApiProblem(400, f"{exc}: send a JSON object.", code="malformed_body"))
    return problem_response(ApiProblem(exc.status_code, str(exc)))


@api.exception_handler(ValidationError)
def validation_failed(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Name each offending field so the caller can fix the request.
    return problem_response(
        invalid(
            [
                (field_of(error.get("loc", ())), str(error.get("type", "invalid")), str(error.get("msg", "")))
                for error in exc.errors
            ]
        )
    )


@api.exception_handler(InputRefused)
def refused(request: HttpRequest, exc: InputRefused) -> HttpResponse:
    # A service that checks text itself (accounts.inputs.clean_text) is answered like the schemas.
    return problem_response(invalid([(exc.field, str(exc))]))
