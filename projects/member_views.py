"""An organisation admin's actions on its members: change a role, remove someone, revoke any
member's API token. Pages of the accounts app (members, API tokens), served here because each
action is recorded in the audit trail, which lives in projects."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.forms import MembershipRoleForm
from accounts.models import ApiToken, Membership, Role
from accounts.tenancy import get_object_for_member, member_required
from projects.services import MembershipChangeError, api_token_revoke, membership_remove, membership_set_role


@member_required(role=Role.ADMIN)
@require_POST
def membership_role_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_for_member(request, Membership.objects.select_related("user"), pk=pk)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed roles.")
        return redirect("accounts:members")
    try:
        membership_set_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
    except MembershipChangeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{membership.user} is now {membership.get_role_display().lower()}.")
    return redirect("accounts:members")


@member_required(role=Role.ADMIN)
@require_POST
def membership_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_for_member(request, Membership.objects.select_related("user"), pk=pk)
    try:
        waiting = membership_remove(membership=membership, by=request.user)
    except MembershipChangeError as exc:
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


@member_required()
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    tokens = ApiToken.manageable_by(request.membership)
    token = tokens.select_related("membership__user", "membership__organisation").filter(pk=pk).first()
    if token is None:
        # Another member's token (to a non-admin), or another organisation's: same answer as a
        # missing one.
        raise Http404("Not found.")
    api_token_revoke(token=token, by=request.user)
    owner = "" if token.membership_id == request.membership.pk else f" of {token.membership.user}"
    messages.success(request, f"Token {token.name}{owner} revoked.")
    return redirect("accounts:api_tokens")
