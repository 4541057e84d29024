"""The one way to reach tenant data: through the signed-in member's organisation.

Views use `member_required` and `get_object_for_member`; outsiders get 404 (we do not confirm
that an object exists elsewhere), members lacking the role get 403.
"""

import functools
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import Membership, Organisation

SESSION_KEY = "organisation_id"

M = TypeVar("M", bound=Model)


@functools.cache
def _member_sql() -> tuple[str, list[str], list[str], list[str]]:
    """One query for the signed-in person, their membership and its organisation (built once)."""
    User = get_user_model()
    tables = {model: model._meta.db_table for model in (User, Membership, Organisation)}
    fields = {model: model._meta.concrete_fields for model in tables}
    columns = ", ".join(
        f'{alias}."{field.column}"'
        for model, alias in ((User, "u"), (Membership, "m"), (Organisation, "o"))
        for field in fields[model]
    )
    # The chosen organisation first, then by name, as resolve_membership orders them; a person
    # without a membership still gets one row, with NULLs where the membership would be.
    # Built from the models' own table and column names, never from input; values are parameters.
    sql = (
        f'SELECT {columns} FROM "{tables[User]}" u '  # noqa: S608
        f'LEFT JOIN "{tables[Membership]}" m ON m."user_id" = u."id" '
        f'LEFT JOIN "{tables[Organisation]}" o ON o."id" = m."organisation_id" '
        'WHERE u."id" = %s '
        'ORDER BY CASE WHEN m."organisation_id" = %s THEN 0 ELSE 1 END, o."name", m."id" LIMIT 1'
    )
    return sql, *([f.attname for f in fields[model]] for model in (User, Membership, Organisation))


def session_member(user_id: Any, organisation_id: int | None) -> tuple[Any, Membership | None]:
    """The user with this id and their membership (the chosen organisation's, or their first by
    name), with its organisation: what every signed-in page needs, in one query instead of two.

    The user is None when there is none; the membership None when they belong to no organisation.
    """
    sql, user_fields, membership_fields, organisation_fields = _member_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, organisation_id or 0])
        row = cursor.fetchone()
    if row is None:
        return None, None
    user = get_user_model().from_db(connection.alias, user_fields, row[: len(user_fields)])
    rest = row[len(user_fields) :]
    membership_row, organisation_row = rest[: len(membership_fields)], rest[len(membership_fields) :]
    if membership_row[0] is None:
        return user, None
    membership = Membership.from_db(connection.alias, membership_fields, membership_row)
    organisation = Organisation.from_db(connection.alias, organisation_fields, organisation_row)
    # As select_related would: reading membership.user or .organisation costs no query.
    membership._state.fields_cache["user"] = user
    membership._state.fields_cache["organisation"] = organisation
    return user, membership


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
