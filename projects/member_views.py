"""Removing a member: an accounts page, served here because the removal is recorded in the
audit trail and clears reviews waiting on the person, both of which live in projects."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.models import Membership, Role
from accounts.tenancy import get_object_for_member, member_required
from projects.services import MembershipRemovalError, membership_remove


@member_required(role=Role.ADMIN)
@require_POST
def membership_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_for_member(request, Membership.objects.select_related("user"), pk=pk)
    try:
        membership_remove(membership=membership, by=request.user)
    except MembershipRemovalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{membership.user} no longer has access to {request.organisation.name}.")
    return redirect("accounts:members")
