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
from regulation.engine import TIERS
from regulation.services import rules
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
        # Each current blocker with the reason typed for it, kept when the approval was refused;
        # a hard one has no field: only the sign-off it names lifts it.
        "acknowledgement_fields": [
            (b, acknowledgements.get(b.key, "") if error else "") for b in state.blockers if not b.hard
        ],
        "state_label": workflow.STATE_LABELS.get(proposal.status, proposal.status),
        "error": error,
        "posted_action": request.POST.get("action", "") if error else "",
        "posted_reason": request.POST.get("reason", "") if error else "",
    }
    return render(request, "stakeholders/review.html", context, status=status)


def _policy(role: StakeRole) -> dict:
    return {"always": role.signoff_required, "tiers": [t for t in TIERS if t in (role.signoff_tiers or [])]}


@member_required(Role.ADMIN)
def review_policy_view(request: HttpRequest) -> HttpResponse:
    """Which roles must sign off: always, or for the EU AI Act tiers ticked (docs/methodology.md
    §12.12). Ids not of this organisation's roles change nothing."""
    roles = stake_roles(organisation=request.organisation)
    tier_labels = {t.key: t.label for t in rules().tiers}
    if request.method == "POST":
        # Every id checked before anything is changed.
        required_ids = set(parse_ids(sorted(set(request.POST.getlist("required"))), field="required role"))
        tier_ids = {
            tier: set(parse_ids(sorted(set(request.POST.getlist(f"tier-{tier}"))), field=f"role for {tier}"))
            for tier in TIERS
        }
        before = {r.key: _policy(r) for r in roles}
        for role in roles:
            role.signoff_required = role.pk in required_ids
            role.signoff_tiers = [tier for tier in TIERS if role.pk in tier_ids[tier]]
        StakeRole.objects.bulk_update(roles, ["signoff_required", "signoff_tiers"])
        audit_record(
            organisation=request.organisation,
            action="organisation.review_policy",
            object_type="review policy",
            actor=request.user,
            before=before,
            after={r.key: _policy(r) for r in roles},
        )
        messages.success(request, "The review policy is saved. It applies to proposals submitted from now on.")
        return redirect("review_policy")
    context = {
        "roles": [(r, [(t, tier_labels[t], t in (r.signoff_tiers or [])) for t in TIERS]) for r in roles],
        "tiers": [(t, tier_labels[t]) for t in TIERS],
    }
    return render(request, "stakeholders/review_policy.html", context)
