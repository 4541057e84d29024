"""Removing a member: an accounts page, served here because the removal is recorded in the
audit trail and looks up the reviews waiting on the person, both of which live in projects."""

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
        waiting = membership_remove(membership=membership, by=request.user)
    except MembershipRemovalError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:members")
    messages.success(request, f"{membership.user} no longer has access to {request.organisation.name}.")
    if waiting:
        titles = "; ".join(f"“{p.title}”" for p in waiting[:5]) + (" and more" if len(waiting) > 5 else "")
        messages.warning(
            request,
            f"{len(waiting)} review(s) still wait on their sign-off: {titles}. Give the stakeholder to someone "
            "else on the proposal, or decide as an admin with an override.",
        )
    return redirect("accounts:members")
