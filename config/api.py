from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.parser import Parser

from accounts.api_auth import TokenAuth
from assessments.api import router as assessments_router
from projects.api import router as projects_router
from stakeholders.api import router as review_router


def _paths_with_nul(value: Any, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _paths_with_nul(key, (*path, key))
            yield from _paths_with_nul(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths_with_nul(item, (*path, i))


class NulRefusingParser(Parser):
    """PostgreSQL stores no NUL in text or JSONB: a value holding one was a 500 at the INSERT (found
    by tests/fuzz/test_api.py). It is refused here, for every operation, with a 422 naming the
    field, as the web forms refuse it (Django's ProhibitNullCharactersValidator)."""

    def _refuse(self, data: Any, where: str) -> None:
        errors = [{"loc": (where, *path), "msg": "null characters are not allowed"} for path in _paths_with_nul(data)]
        if errors:
            raise ValidationError(errors)

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        self._refuse(data, "body")
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        self._refuse(result, "query")
        return result


api = NinjaAPI(title="MLFit API", version="1", auth=TokenAuth(), urls_namespace="api", parser=NulRefusingParser())
api.add_router("/", projects_router)
api.add_router("/", assessments_router)
api.add_router("/", review_router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError):
    # Name each offending field so the caller can fix the request.
    errors = [
        {"field": ".".join(str(part) for part in error.get("loc", [])[1:]), "message": error.get("msg", "")}
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": errors}, status=422)
