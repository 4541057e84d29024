"""Stakeholders over the JSON API: a proposal's stakeholders, their requirements and the conflicts
between them (`stakeholders_router`), and the review workflow (`review_router`); the same services,
the same refusals as the pages.

Authentication is global (config.api.TokenAuth sets request.organisation, .membership, .user).
Every proposal is fetched through the token's organisation and what the member may see
(projects.access.proposals_for), so an outsider, or a member a private proposal is not shared
with, gets 404. Adding stakeholders and resolving conflicts take the proposal's owner or an admin
(403 for other members), reading takes any member; as on the web page, a member who is a
stakeholder may also replace their own requirements. A stakeholder and their requirements are
checked as the import checks them (stakeholders.checks), so both refuse the same input in the same
words.
"""

from datetime import datetime
from typing import Any, Literal

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from accounts.api_problems import ApiProblem, StrictIn, invalid, problems, refuse_unknown_query
from accounts.inputs import CleanJson, Id, MultiLine, OneLine
from accounts.models import User
from accounts.tenancy import get_object_for_member
from domain.vocabulary import CHOICE, DIMENSION_SPECS, DIMENSIONS, DIRECTIONS, HIGHER, LOWER, OPS
from projects.access import may_edit, proposals_for
from projects.models import Proposal, ProposalStatus
from projects.workflow import TRANSITIONS, TransitionRefused
from stakeholders.access import may_state_requirements
from stakeholders.checks import requirements_check, stakeholder_check
from stakeholders.models import ConflictKind, ConflictStatus, Decision, Requirement, Severity, Stakeholder
from stakeholders.review import ACKNOWLEDGEMENT_MAX, AcknowledgementsRefused, review_act, review_state
from stakeholders.services import (
    RosterRefused,
    StakeholderExists,
    conflict_resolve,
    requirements_replace,
    stake_roles,
    stakeholder_add,
    stakeholder_link_member,
    stakeholder_remove,
)

# The stakeholder endpoints keep the operation ids they were published with (in suitability.api):
# clients generated from the OpenAPI schema name their methods after them.
stakeholders_router = Router(tags=["stakeholders"])
review_router = Router(tags=["review"])


class RequirementIn(StrictIn):
    # The closed sets are in the schema (GET /api/dimensions describes each); they are checked by
    # requirements_check with the other rules, so every refused value is listed at once, by path.
    dimension: OneLine = Field(
        ..., description="One of GET /api/dimensions' keys.", json_schema_extra={"enum": list(DIMENSIONS)}
    )
    op: OneLine = Field(..., description="<=, >= or ==, as the dimension allows", json_schema_extra={"enum": list(OPS)})
    # Any: requirements_check refuses what is neither number nor text (true too) with the path.
    value: CleanJson = Field(..., description="A number, or text for deployment, privacy and interpretability.")
    unit: OneLine = Field("", description="Any unit the dimension accepts; stored in its canonical unit.")
    metric: OneLine = ""
    must_have: bool = False
    weight: int = 3


class ObjectiveIn(StrictIn):
    name: OneLine
    direction: OneLine = Field(..., description="maximise or minimise", json_schema_extra={"enum": list(DIRECTIONS)})
    weight: int = 3


class RequirementsIn(StrictIn):
    requirements: list[RequirementIn] = Field(..., description="All of them: the list replaces what is stored.")
    objectives: list[ObjectiveIn] = Field(..., description="All of them: the list replaces what is stored.")


class RequirementOut(Schema):
    dimension: Literal[DIMENSIONS]  # type: ignore[valid-type]
    op: Literal[OPS]  # type: ignore[valid-type]
    value: float | str
    unit: str
    metric: str
    must_have: bool
    weight: int


class ObjectiveOut(Schema):
    name: str
    direction: Literal[DIRECTIONS]  # type: ignore[valid-type]
    weight: int


class StakeholderIn(StrictIn):
    name: OneLine = Field("", description="Required unless member is true (then the member's name).")
    email: OneLine
    role: OneLine = Field(..., description="The key of one of the organisation's stake roles, e.g. product.")
    member: bool = Field(False, description="True: the email is a member's, and the stakeholder is that member.")


class StakeholderOut(Schema):
    id: int
    name: str
    email: str
    role: str
    role_label: str
    member: bool
    invited_at: datetime | None
    responded_at: datetime | None
    requirements: list[RequirementOut]
    objectives: list[ObjectiveOut]


class ConflictOut(Schema):
    id: int
    kind: ConflictKind
    severity: Severity  # type: ignore[valid-type]
    title: str
    explanation: str
    resolutions: list[str]
    status: ConflictStatus
    decision: str
    rationale: str
    stakeholder_ids: list[int]
    resolved_at: datetime | None


class ResolutionIn(StrictIn):
    decision: OneLine = Field(..., max_length=300, description="What was decided, e.g. relax latency to 300 ms.")
    rationale: MultiLine = Field(..., max_length=5000)


def _proposal_for(request: HttpRequest, proposal_id: int, *, action: str | None = None) -> Proposal:
    """The proposal, if the member may see it (404 otherwise); with `action`, the change the member
    asks to make, which takes the proposal's owner or an admin (403 otherwise)."""
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    if action is not None and not may_edit(request, proposal):
        raise ApiProblem(403, f"Only the proposal's owner or an admin can {action}.")
    return proposal


def _refused(errors: list[tuple[str, str]]) -> ApiProblem:
    return invalid(errors)


def _stakeholders_of(proposal: Proposal):
    return proposal.stakeholders.select_related("role").prefetch_related(
        Prefetch("requirements", queryset=Requirement.objects.order_by("dimension")), "objectives"
    )


def _stakeholder_out(stakeholder: Stakeholder) -> dict[str, Any]:
    return {
        "id": stakeholder.pk,
        "name": stakeholder.name,
        "email": stakeholder.email,
        "role": stakeholder.role.key,
        "role_label": stakeholder.role.label,
        "member": stakeholder.user_id is not None,
        "invited_at": stakeholder.invited_at,
        "responded_at": stakeholder.responded_at,
        "requirements": list(stakeholder.requirements.all()),
        "objectives": list(stakeholder.objectives.all()),
    }


def _link_url(request: HttpRequest):
    return lambda stakeholder, raw: request.build_absolute_uri(reverse("requirements_link", args=[raw]))


class StakeRoleOut(Schema):
    key: str = Field(..., description="What to send as a stakeholder's role.")
    label: str
    signoff_required: bool = Field(..., description="The review policy: every stakeholder in it must approve.")


class DimensionOut(Schema):
    key: str
    label: str
    unit: str = Field(..., description='The unit requirements are stored in; "" for none.')
    better: Literal[LOWER, HIGHER, CHOICE] = Field(  # type: ignore[valid-type]
        ..., description="lower or higher: the side a target binds on; choice: one of `values`."
    )
    target_op: str = Field(..., description="The op of a target on the better side: <=, >= or ==.")
    values: list[str] = Field(..., description="The closed set of values a requirement may name; empty if any.")
    two_sided: bool = Field(..., description="A bound on the worse side is meaningful too.")


@stakeholders_router.get("/stake-roles", response={200: list[StakeRoleOut], **problems()})
def list_stake_roles(request: HttpRequest):
    """The token's organisation's stake roles, in their order."""
    refuse_unknown_query(request)
    return stake_roles(organisation=request.organisation)


@stakeholders_router.get("/dimensions", response={200: list[DimensionOut], **problems()})
def list_dimensions(request: HttpRequest):
    """The dimensions a requirement may be stated on (domain.vocabulary), the same for everyone."""
    refuse_unknown_query(request)
    return [
        {
            "key": d.key,
            "label": d.label,
            "unit": d.unit,
            "better": d.better,
            "target_op": d.target_op,
            "values": list(d.values),
            "two_sided": d.two_sided,
        }
        for d in DIMENSION_SPECS
    ]


@stakeholders_router.get(
    "/proposals/{proposal_id}/stakeholders",
    response={200: list[StakeholderOut], **problems(404, 422)},
    operation_id="suitability_api_list_stakeholders",
    summary="List the stakeholders with their requirements and objectives",
)
def list_stakeholders(request: HttpRequest, proposal_id: Id):
    refuse_unknown_query(request)
    proposal = _proposal_for(request, proposal_id)
    return [_stakeholder_out(stakeholder) for stakeholder in _stakeholders_of(proposal)]


@stakeholders_router.post(
    "/proposals/{proposal_id}/stakeholders",
    response={201: StakeholderOut, **problems(400, 403, 404, 422)},
    operation_id="suitability_api_add_stakeholder",
    summary="Add a stakeholder, who is emailed a link to state their requirements",
)
def add_stakeholder(request: HttpRequest, response: HttpResponse, proposal_id: Id, payload: StakeholderIn):
    proposal = _proposal_for(request, proposal_id, action="add stakeholders")
    # The one member the request can name, if it names one.
    named = User.objects.filter(memberships__organisation=request.organisation, email__iexact=payload.email.strip())
    taken = {email.lower(): name for email, name in proposal.stakeholders.values_list("email", "name")}
    cleaned, errors = stakeholder_check(
        name=payload.name,
        email=payload.email,
        role=payload.role,
        member=payload.member,
        roles={role.key: role for role in stake_roles(organisation=request.organisation)},
        members={user.email.lower(): user for user in named},
        taken=taken,
    )
    if errors:
        raise _refused(errors)
    try:
        stakeholder = stakeholder_add(proposal=proposal, by=request.user, link_url=_link_url(request), **cleaned)
    except StakeholderExists:  # added by someone else between the check and the INSERT
        raise _refused([("email", f"{cleaned['email']!r} is already a stakeholder of this proposal")]) from None
    response["Location"] = request.build_absolute_uri(f"/api/proposals/{proposal.pk}/stakeholders/{stakeholder.pk}")
    return Status(201, _stakeholder_out(_stakeholders_of(proposal).get(pk=stakeholder.pk)))


@stakeholders_router.get(
    "/proposals/{proposal_id}/stakeholders/{stakeholder_id}",
    response={200: StakeholderOut, **problems(404, 422)},
    summary="Read one stakeholder with their requirements and objectives",
)
def get_stakeholder(request: HttpRequest, proposal_id: Id, stakeholder_id: Id):
    proposal = _proposal_for(request, proposal_id)
    return _stakeholder_out(get_object_for_member(request, _stakeholders_of(proposal), pk=stakeholder_id))


@stakeholders_router.put(
    "/proposals/{proposal_id}/stakeholders/{stakeholder_id}/requirements",
    response={200: StakeholderOut, **problems(400, 403, 404, 422)},
    operation_id="suitability_api_put_requirements",
    summary="Replace a stakeholder's requirements and objectives, then detect conflicts again",
)
def put_requirements(request: HttpRequest, proposal_id: Id, stakeholder_id: Id, payload: RequirementsIn):
    proposal = _proposal_for(request, proposal_id)
    stakeholder = get_object_for_member(
        request, Stakeholder.objects.select_related("role"), proposal=proposal, pk=stakeholder_id
    )
    if not may_state_requirements(request, proposal, stakeholder):
        raise ApiProblem(403, "Only the stakeholder, the proposal's owner or an admin can change these requirements.")
    requirements, objectives, errors = requirements_check(
        requirements=[item.dict() for item in payload.requirements],
        objectives=[item.dict() for item in payload.objectives],
    )
    if errors:
        raise _refused(errors)
    stakeholder.proposal = proposal
    requirements_replace(stakeholder=stakeholder, requirements=requirements, objectives=objectives, by=request.user)
    return _stakeholder_out(_stakeholders_of(proposal).get(pk=stakeholder.pk))


@stakeholders_router.get(
    "/proposals/{proposal_id}/conflicts",
    response={200: list[ConflictOut], **problems(404, 422)},
    operation_id="suitability_api_list_conflicts",
    summary="List the conflicts the detector found, open, resolved or no longer detected",
)
def list_conflicts(request: HttpRequest, proposal_id: Id):
    refuse_unknown_query(request)
    proposal = _proposal_for(request, proposal_id)
    return list(proposal.conflicts.all())


@stakeholders_router.post(
    "/proposals/{proposal_id}/conflicts/{conflict_id}/resolve",
    response={200: ConflictOut, **problems(400, 403, 404, 409, 422)},
    operation_id="suitability_api_resolve_conflict",
    summary="Resolve a conflict with a decision and its rationale",
)
def resolve_conflict(request: HttpRequest, proposal_id: Id, conflict_id: Id, payload: ResolutionIn):
    proposal = _proposal_for(request, proposal_id, action="resolve its conflicts")
    conflict = get_object_for_member(request, proposal.conflicts.all(), pk=conflict_id)
    errors = [(field, "required") for field in ("decision", "rationale") if not getattr(payload, field).strip()]
    if errors:
        raise _refused(errors)
    if conflict.status == ConflictStatus.GONE:
        raise ApiProblem(409, "This conflict is no longer detected; there is nothing to resolve.", code="conflict_gone")
    return conflict_resolve(conflict=conflict, decision=payload.decision, rationale=payload.rationale, by=request.user)


# --------------------------------------------------------------------------------------------
# Review


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
    decision: Decision
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
    decision: Decision | None


class ReviewOut(Schema):
    proposal_id: int
    status: ProposalStatus
    review_round: int
    required: list[RequiredOut]
    missing_roles: list[str]
    actions: list[Literal[tuple(TRANSITIONS)]] = Field(..., description="What the caller may do now.")  # type: ignore[valid-type]
    submit_blocked_by: list[str] = Field(
        default_factory=list,
        description="Why the proposal cannot be submitted now although its state allows it, each saying what to "
        "do; `submit` is then not in `actions`. Empty when it can be submitted, or its state does not allow it.",
    )
    blockers: list[BlockerOut] = Field(
        ..., description="What approving (approve, override_approve) must acknowledge, each with a reason."
    )
    history: list[SignOffOut]


class AcknowledgementIn(StrictIn):
    key: OneLine = Field(..., description="A current blocker's key.", max_length=80)
    reason: MultiLine = Field(..., description="Why you approve despite it.", max_length=ACKNOWLEDGEMENT_MAX)


class ActionIn(StrictIn):
    # A closed set: an unknown action is a 422 naming the field, and the schema lists them.
    action: Literal[tuple(TRANSITIONS)] = Field(..., description="One of the actions the review offers.")  # type: ignore[valid-type]
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
        submit_blocked_by=state.submit_blocked_by,
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


@review_router.get("/proposals/{proposal_id}/review", response={200: ReviewOut, **problems(404, 422)})
def get_review(request: HttpRequest, proposal_id: Id):
    return _review(request, get_object_for_member(request, proposals_for(request), pk=proposal_id))


@review_router.post("/proposals/{proposal_id}/review", response={200: ReviewOut, **problems(400, 403, 404, 409, 422)})
def post_review_action(request: HttpRequest, proposal_id: Id, payload: ActionIn):
    """Take a workflow action: 403 if it is not yours to take, 409 if the state does not allow it,
    422 if an approval leaves a blocker unacknowledged."""
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    acknowledgements = {a.key: a.reason for a in payload.acknowledgements}
    if len(acknowledgements) < len(payload.acknowledgements):
        raise invalid([("acknowledgements", "duplicate", "Acknowledge each blocker once.")])
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
        raise invalid([("acknowledgements", str(exc))]) from exc
    except TransitionRefused as exc:
        if exc.status == 400:  # the request itself is incomplete: a reason the action needs
            raise invalid([("reason", "invalid", str(exc))]) from exc
        raise ApiProblem(exc.status, str(exc), code="transition_refused" if exc.status == 409 else None) from exc
    return _review(request, proposal)


# --------------------------------------------------------------------------------------------
# Removing a stakeholder, or linking one named as an outside person to the member they are: the
# way out of a required role held by someone who cannot sign off (stakeholders.services).


class LinkIn(StrictIn):
    member_id: Id = Field(..., description="The user id of a member of the token's organisation.")


def _roster_refused(exc: RosterRefused) -> ApiProblem:
    if exc.field:
        return invalid([(exc.field, "invalid", str(exc))])
    return ApiProblem(exc.status, str(exc))  # 409 `conflict`: the state does not allow it now


def _stakeholder_for(request: HttpRequest, proposal: Proposal, stakeholder_id: int) -> Stakeholder:
    return get_object_for_member(
        request, Stakeholder.objects.select_related("role", "user"), proposal=proposal, pk=stakeholder_id
    )


@stakeholders_router.delete(
    "/proposals/{proposal_id}/stakeholders/{stakeholder_id}",
    response={204: None, **problems(403, 404, 409, 422)},
    summary="Remove a stakeholder with their requirements; their link stops working",
)
def remove_stakeholder(request: HttpRequest, proposal_id: Id, stakeholder_id: Id):
    """409 while the proposal is under review, decided or archived (withdraw or restore it first)."""
    proposal = _proposal_for(request, proposal_id, action="remove stakeholders")
    stakeholder = _stakeholder_for(request, proposal, stakeholder_id)
    try:
        stakeholder_remove(stakeholder=stakeholder, by=request.user)
    except RosterRefused as exc:
        raise _roster_refused(exc) from exc
    return Status(204, None)


@stakeholders_router.post(
    "/proposals/{proposal_id}/stakeholders/{stakeholder_id}/link",
    response={200: StakeholderOut, **problems(400, 403, 404, 409, 422)},
    summary="Link a stakeholder named as an outside person to the member of the organisation they are",
)
def link_stakeholder(request: HttpRequest, proposal_id: Id, stakeholder_id: Id, payload: LinkIn):
    """Their stake, requirements and answers stay; the emailed link stops working. 422 if `member_id` is
    not a member of the organisation or is a stakeholder of this proposal already; 409 if the
    stakeholder is a member's already, or the proposal is under review, decided or archived."""
    proposal = _proposal_for(request, proposal_id, action="link stakeholders to members")
    stakeholder = _stakeholder_for(request, proposal, stakeholder_id)
    member = User.objects.filter(memberships__organisation=request.organisation, pk=payload.member_id).first()
    if member is None:
        raise invalid([("member_id", "not_a_member", "not a member of the organisation")])
    try:
        stakeholder_link_member(stakeholder=stakeholder, member=member, by=request.user)
    except RosterRefused as exc:
        raise _roster_refused(exc) from exc
    return _stakeholder_out(_stakeholders_of(proposal).get(pk=stakeholder.pk))
