"""The review workflow over the JSON API: the same service, the same refusals as the page."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from accounts.tenancy import get_object_for_member
from projects.selectors import proposals_for
from projects.workflow import TRANSITIONS, TransitionRefused
from stakeholders.review import review_act, review_state

router = Router(tags=["review"])


class SignOffOut(Schema):
    id: int
    role: str
    stakeholder_id: int | None
    user_id: int
    round: int
    decision: str
    rationale: str
    report_id: int | None
    is_override: bool
    created_at: datetime


class RequiredOut(Schema):
    stakeholder_id: int
    name: str
    role: str
    decision: str | None


class ReviewOut(Schema):
    proposal_id: int
    status: str
    review_round: int
    required: list[RequiredOut]
    missing_roles: list[str]
    actions: list[str] = Field(..., description="What the caller may do now.")
    history: list[SignOffOut]


class ActionIn(Schema):
    action: str = Field(..., description=", ".join(TRANSITIONS), max_length=40)
    reason: str = Field("", max_length=5000)


def _review(request: HttpRequest, proposal) -> ReviewOut:
    state = review_state(proposal=proposal, user=request.user, membership=request.membership)
    return ReviewOut(
        proposal_id=proposal.pk,
        status=proposal.status,
        review_round=proposal.review_round,
        required=[
            RequiredOut(
                stakeholder_id=r.stakeholder.pk,
                name=r.stakeholder.name,
                role=r.stakeholder.role.label,
                decision=r.decision.decision if r.decision else None,
            )
            for r in state.required
        ],
        missing_roles=[r.label for r in state.missing_roles],
        actions=[t.action for t in state.actions],
        history=[
            SignOffOut(
                id=s.pk,
                role=s.role_label,
                stakeholder_id=s.stakeholder_id,
                user_id=s.user_id,
                round=s.round,
                decision=s.decision,
                rationale=s.rationale,
                report_id=s.report_id,
                is_override=s.is_override,
                created_at=s.created_at,
            )
            for s in state.history
        ],
    )


@router.get("/proposals/{proposal_id}/review", response=ReviewOut)
def get_review(request: HttpRequest, proposal_id: int):
    return _review(request, get_object_for_member(request, proposals_for(request), pk=proposal_id))


@router.post("/proposals/{proposal_id}/review", response=ReviewOut)
def post_review_action(request: HttpRequest, proposal_id: int, payload: ActionIn):
    """Take a workflow action: 403 if it is not yours to take, 409 if the state does not allow it."""
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    try:
        proposal = review_act(
            proposal=proposal,
            by=request.user,
            membership=request.membership,
            action=payload.action,
            reason=payload.reason,
        )
    except TransitionRefused as exc:
        raise HttpError(exc.status, str(exc)) from exc
    return _review(request, proposal)
