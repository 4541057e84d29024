from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import ValidationError

from accounts.api_auth import TokenAuth
from accounts.inputs import InputRefused
from projects.api import router as projects_router
from stakeholders.api import review_router, stakeholders_router
from suitability.api import router as assessments_router

# No parser of our own: text and ids in the input schemas are checked field by field by
# accounts.inputs' types (OneLine, MultiLine, CleanJson, Id), so a refusal is a 422 naming the
# field; tests/security/test_input_boundary.py fails for a str field of an input schema without one.
api = NinjaAPI(title="MLFit API", version="1", auth=TokenAuth(), urls_namespace="api")
api.add_router("/", projects_router)
api.add_router("/", assessments_router)
api.add_router("/", stakeholders_router)
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


@api.exception_handler(InputRefused)
def refused(request: HttpRequest, exc: InputRefused):
    # A service that checks text itself (accounts.inputs.clean_text) is answered like the schemas.
    return api.create_response(request, {"detail": [{"field": exc.field, "message": str(exc)}]}, status=422)
