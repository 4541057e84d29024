"""The review workflow over the JSON API: the same service, the same refusals as the page."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError, ValidationError

from accounts.inputs import Id, MultiLine, OneLine
from accounts.tenancy import get_object_for_member
from projects.selectors import proposals_for
from projects.workflow import TRANSITIONS, TransitionRefused
from stakeholders.review import ACKNOWLEDGEMENT_MAX, AcknowledgementsRefused, review_act, review_state

router = Router(tags=["review"])


class AcknowledgementOut(Schema):
    key: str
    label: str = Field(..., description="The blocker as it read when it was acknowledged.")
    reason: str


class BlockerOut(Schema):
    key: str = Field(
        ...,
        description="Stable: conflict:<id>, no_feasible_approach, report_stale, not_a_fit or no_requirements.",
    )
    label: str = Field(..., description="What it is and why it matters.")
    url: str = Field(..., description="The page to look at.")


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
    acknowledgements: list[AcknowledgementOut] = Field(
        ..., description="The approval blockers the approver acknowledged, with their reasons."
    )
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
    blockers: list[BlockerOut] = Field(
        ..., description="What approving (approve, override_approve) must acknowledge, each with a reason."
    )
    history: list[SignOffOut]


class AcknowledgementIn(Schema):
    key: OneLine = Field(..., description="A current blocker's key.", max_length=80)
    reason: MultiLine = Field(..., description="Why you approve despite it.", max_length=ACKNOWLEDGEMENT_MAX)


class ActionIn(Schema):
    action: OneLine = Field(..., description=", ".join(TRANSITIONS), max_length=40)
    reason: MultiLine = Field("", max_length=5000)
    acknowledgements: list[AcknowledgementIn] = Field(
        [],
        description="Approving needs one, with a non-blank reason, for each of the review's current blockers; "
        "a missing, blank or unknown one is a 422. The other actions ignore them.",
    )


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
        blockers=[BlockerOut(key=b.key, label=b.label, url=b.url) for b in state.blockers],
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
                acknowledgements=s.acknowledgements,
                created_at=s.created_at,
            )
            for s in state.history
        ],
    )


@router.get("/proposals/{proposal_id}/review", response=ReviewOut)
def get_review(request: HttpRequest, proposal_id: Id):
    return _review(request, get_object_for_member(request, proposals_for(request), pk=proposal_id))


@router.post("/proposals/{proposal_id}/review", response=ReviewOut)
def post_review_action(request: HttpRequest, proposal_id: Id, payload: ActionIn):
    """Take a workflow action: 403 if it is not yours to take, 409 if the state does not allow it,
    422 if an approval leaves a blocker unacknowledged."""
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    acknowledgements = {a.key: a.reason for a in payload.acknowledgements}
    if len(acknowledgements) < len(payload.acknowledgements):
        raise ValidationError([{"loc": ("body", "acknowledgements"), "msg": "Acknowledge each blocker once."}])
    try:
        proposal = review_act(
            proposal=proposal,
            by=request.user,
            membership=request.membership,
            action=payload.action,
            reason=payload.reason,
            acknowledgements=acknowledgements,
        )
    except AcknowledgementsRefused as exc:
        # Told as the API's other validation errors are: 422, naming the field.
        raise ValidationError([{"loc": ("body", "acknowledgements"), "msg": str(exc)}]) from exc
    except TransitionRefused as exc:
        raise HttpError(exc.status, str(exc)) from exc
    return _review(request, proposal)
