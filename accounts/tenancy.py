"""The one way to reach tenant data: through the signed-in member's organisation.

Views use `member_required` and `get_object_for_member`; outsiders get 404 (we do not confirm
that an object exists elsewhere), members lacking the role get 403.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import Membership

SESSION_KEY = "organisation_id"

M = TypeVar("M", bound=Model)


def resolve_membership(user: Any, organisation_id: int | None) -> Membership | None:
    memberships = Membership.objects.select_related("organisation").filter(user=user)
    if organisation_id:
        chosen = memberships.filter(organisation_id=organisation_id).first()
        if chosen is not None:
            return chosen
    return memberships.order_by("organisation__name").first()


def member_required(role: str | None = None) -> Callable:
    """Require a signed-in member of some organisation, with at least `role` when given."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.membership is None:
                return redirect("accounts:no_organisation")
            if role is not None and not request.membership.has_role(role):
                raise PermissionDenied("Your role in this organisation does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def scoped(request: HttpRequest, queryset: QuerySet[M], field: str = "organisation") -> QuerySet[M]:
    """Restrict a queryset to the member's organisation."""
    if request.organisation is None:
        return queryset.none()
    return queryset.filter(**{field: request.organisation})


def get_object_for_member(request: HttpRequest, queryset: QuerySet[M], field: str = "organisation", **lookup: Any) -> M:
    """Fetch one object of the member's organisation, or 404 for everyone else."""
    try:
        return scoped(request, queryset, field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found.") from exc
