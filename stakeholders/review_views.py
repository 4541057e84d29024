"""The review page of a proposal (state, sign-offs, actions) and the organisation's review policy."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.inputs import parse_ids
from accounts.models import Role
from accounts.tenancy import member_required
from audit.services import audit_record
from projects import workflow
from projects.access import get_proposal_for_member
from projects.workflow import TransitionRefused
from stakeholders.models import StakeRole
from stakeholders.review import review_act, review_state
from stakeholders.services import stake_roles

DONE = {
    "submit": "Submitted for review. The required reviewers have been asked to sign off.",
    "withdraw": "Withdrawn from review.",
    "approve": "Your approval is recorded.",
    "request_changes": "Your request for changes is recorded; the owner has been told.",
    "reject": "Your rejection is recorded; the owner has been told.",
    "override_approve": "Approved by admin override; the reason is recorded.",
    "override_reject": "Rejected by admin override; the reason is recorded.",
    "archive": "Proposal archived.",
    "unarchive": "Proposal restored from the archive.",
}


# The approve forms name each blocker's reason field "ack-<blocker key>".
ACK_PREFIX = "ack-"


@member_required()
def review_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    error, status = "", 200
    acknowledgements = {
        name.removeprefix(ACK_PREFIX): value for name, value in request.POST.items() if name.startswith(ACK_PREFIX)
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            review_act(
                proposal=proposal,
                by=request.user,
                membership=request.membership,
                action=action,
                reason=request.POST.get("reason", ""),
                acknowledgements=acknowledgements,
            )
        except TransitionRefused as exc:
            error, status = str(exc), exc.status
        else:
            messages.success(request, DONE.get(action, "Done."))
            return redirect("review", pk=proposal.pk)
    state = review_state(proposal=proposal, user=request.user, membership=request.membership)
    context = {
        "proposal": proposal,
        "review": state,
        # Each current blocker with the reason typed for it, kept when the approval was refused.
        "acknowledgement_fields": [(b, acknowledgements.get(b.key, "") if error else "") for b in state.blockers],
        "state_label": workflow.STATE_LABELS.get(proposal.status, proposal.status),
        "error": error,
        "posted_action": request.POST.get("action", "") if error else "",
        "posted_reason": request.POST.get("reason", "") if error else "",
    }
    return render(request, "stakeholders/review.html", context, status=status)


@member_required(Role.ADMIN)
def review_policy_view(request: HttpRequest) -> HttpResponse:
    roles = stake_roles(organisation=request.organisation)
    if request.method == "POST":
        wanted = set(request.POST.getlist("required"))
        required_ids = parse_ids(sorted(wanted), field="required role")  # before anything is changed
        before = {r.key: r.signoff_required for r in roles}
        after = {r.key: str(r.pk) in wanted for r in roles}
        StakeRole.objects.filter(organisation=request.organisation).update(signoff_required=False)
        StakeRole.objects.filter(organisation=request.organisation, pk__in=required_ids).update(signoff_required=True)
        audit_record(
            organisation=request.organisation,
            action="organisation.review_policy",
            object_type="review policy",
            actor=request.user,
            before=before,
            after=after,
        )
        messages.success(request, "The review policy is saved. It applies to proposals submitted from now on.")
        return redirect("review_policy")
    return render(request, "stakeholders/review_policy.html", {"roles": roles})
