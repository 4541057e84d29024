"""The suitability assessment over the JSON API: put answers, complete, read the result; and a
proposal's stakeholders, their requirements and the conflicts between them.

Authentication is global (config.api.TokenAuth sets request.organisation, .membership, .user).
Every proposal is fetched through the token's organisation and what the member may see
(projects.selectors.proposals_for), so an outsider, or a member a private proposal is not shared
with, gets 404; changing
answers, stakeholders or conflicts takes the proposal's owner or an admin (403 for other
members), reading takes any member. As on the web page, a member who is a stakeholder may also
replace their own requirements.

The stakeholder endpoints are here, not in a stakeholders router, because their checks are the
import's (transfer.core) and stakeholders may not import from assessments.
"""

from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from accounts.inputs import CleanJson, Id, MultiLine, OneLine
from accounts.models import Role, User
from accounts.tenancy import get_object_for_member
from projects.models import Proposal
from projects.selectors import proposals_for
from questionnaires.engine import missing_required
from questionnaires.models import Assessment
from questionnaires.services import AnswersRejected, AssessmentError, answers_of
from questionnaires.versions import engine_questionnaire
from stakeholders.models import ConflictStatus, Requirement, Stakeholder
from stakeholders.services import (
    StakeholderExists,
    conflict_resolve,
    requirements_replace,
    stake_roles,
    stakeholder_add,
)
from suitability.services import answers_put, assessment_complete, assessment_latest, live_result
from transfer.core import requirements_check, stakeholder_check

router = Router(tags=["assessments"])


class AnswersIn(Schema):
    answers: dict[OneLine, CleanJson] = Field(
        ...,
        description=(
            "Answers by question key, in the canonical form of each question type (docs/import-format.md);"
            " null or an empty string clears an answer. All are checked first: one refused answer means none"
            " is saved."
        ),
    )


class AnswerErrorOut(Schema):
    key: str
    message: str


class AnswersRefusedOut(Schema):
    detail: list[AnswerErrorOut]


class AssessmentMessageOut(Schema):
    detail: str


class AssessmentConflictOut(Schema):
    detail: str
    missing: list[str] = Field(default_factory=list, description="Required question keys still unanswered.")


class DriverOut(Schema):
    question_key: str
    question_text: str
    answer_display: str
    points: float
    known: bool


class FindingOut(Schema):
    criterion: str
    label: str
    status: str
    weight: float
    earned: float
    fraction: float
    reason: str
    source: str
    drivers: list[DriverOut]


class BlockerOut(Schema):
    key: str
    label: str
    reason: str
    next_step: str
    source: str


class WhatIfChangeOut(Schema):
    question_key: str
    question_text: str
    from_display: str
    to_display: str
    to_value: Any


class WhatIfOut(Schema):
    direction: str
    new_verdict: str
    new_verdict_label: str
    fraction: float
    changes: list[WhatIfChangeOut]


class GateOut(Schema):
    key: str
    label: str
    caveat: str
    must_be_true: str
    owner: str
    source: str


class UnknownOut(Schema):
    question_key: str
    question_text: str
    next_step: str


class SuitabilityResultOut(Schema):
    verdict: str
    verdict_label: str
    score: float
    max_score: float
    fraction: float
    findings: list[FindingOut]
    blockers: list[BlockerOut]
    next_steps: list[str]
    caveats: list[str]
    held_back_by: list[str]
    # Open production gates (docs/methodology.md §4): any one holds the verdict at fit_with_caveats.
    # Results computed before gates existed have none.
    caveats_about: list[str] = Field(default_factory=list)
    gates: list[GateOut] = Field(default_factory=list)
    unknowns: list[UnknownOut] = Field(default_factory=list)
    what_if: list[WhatIfOut] = Field(default_factory=list)


class AssessmentOut(Schema):
    id: int
    status: str
    questionnaire: str
    questionnaire_version: int
    answers: dict[str, Any]
    result: SuitabilityResultOut = Field(
        ..., description="Frozen at completion; until then, the result of the answers so far."
    )
    missing_required: list[str]
    completed_at: datetime | None


def _may_edit(request: HttpRequest, proposal: Proposal) -> bool:
    return proposal.owner_id == request.user.pk or request.membership.has_role(Role.ADMIN)


def _proposal_for(
    request: HttpRequest, proposal_id: int, *, write: bool = False, action: str = "change its assessment"
) -> Proposal:
    # Only proposals the member may see: a private one of someone else is 404, as if it did not exist.
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    if write and not _may_edit(request, proposal):
        raise HttpError(403, f"Only the proposal's owner or an admin can {action}.")
    return proposal


def _missing(assessment: Assessment, answers: dict[str, Any]) -> list[str]:
    questionnaire = engine_questionnaire(assessment.questionnaire)
    return [question.key for question in missing_required(questionnaire, answers)]


def _out(assessment: Assessment) -> dict[str, Any]:
    answers = answers_of(assessment)
    return {
        "id": assessment.pk,
        "status": assessment.status,
        "questionnaire": assessment.questionnaire.key,
        "questionnaire_version": assessment.questionnaire.version,
        "answers": answers,
        "result": live_result(assessment),
        "missing_required": _missing(assessment, answers),
        "completed_at": assessment.completed_at,
    }


@router.put(
    "/proposals/{proposal_id}/answers",
    response={200: AssessmentOut, 409: AssessmentMessageOut, 422: AnswersRefusedOut},
    summary="Save answers (starting the assessment if none is open)",
)
def put_answers(request: HttpRequest, proposal_id: Id, payload: AnswersIn):
    proposal = _proposal_for(request, proposal_id, write=True)
    try:
        assessment = answers_put(proposal=proposal, raw=payload.answers, by=request.user)
    except AnswersRejected as rejected:
        return Status(422, {"detail": [{"key": e.key, "message": e.message} for e in rejected.errors]})
    except AssessmentError as exc:
        raise HttpError(409, str(exc)) from exc
    return _out(assessment)


@router.post(
    "/proposals/{proposal_id}/assessment/complete",
    response={200: AssessmentOut, 409: AssessmentConflictOut},
    summary="Complete the assessment, freezing its result",
)
def complete_assessment(request: HttpRequest, proposal_id: Id):
    proposal = _proposal_for(request, proposal_id, write=True)
    assessment = assessment_latest(proposal=proposal)
    if assessment is None:
        return Status(409, {"detail": "No assessment is started yet; put answers first."})
    if not assessment.is_editable:
        return Status(409, {"detail": "This assessment is already completed."})
    missing = _missing(assessment, answers_of(assessment))
    if missing:
        return Status(409, {"detail": f"{len(missing)} required question(s) still need an answer.", "missing": missing})
    try:
        assessment = assessment_complete(assessment=assessment, by=request.user)
    except AssessmentError as exc:  # answers changed between the check and the lock
        return Status(409, {"detail": str(exc)})
    return _out(assessment)


@router.get(
    "/proposals/{proposal_id}/assessment",
    response={200: AssessmentOut, 404: AssessmentMessageOut},
    summary="Read the assessment: answers, result and what is still missing",
)
def get_assessment(request: HttpRequest, proposal_id: Id):
    proposal = _proposal_for(request, proposal_id)
    assessment = assessment_latest(proposal=proposal)
    if assessment is None:
        raise HttpError(404, "This proposal has no assessment yet.")
    return _out(assessment)


# --------------------------------------------------------------------------------------------
# Stakeholders, their requirements and the conflicts between them


class FieldErrorOut(Schema):
    field: str = Field(..., description="The path of the offending value, e.g. requirements[0].value.")
    message: str


class FieldErrorsOut(Schema):
    detail: list[FieldErrorOut]


class RequirementIn(Schema):
    dimension: OneLine = Field(
        ..., description="quality, latency, throughput, cost, interpretability, … (import format)"
    )
    op: OneLine = Field(..., description="<=, >= or ==, as the dimension allows")
    # Any: requirements_check refuses what is neither number nor text (true too) with the path.
    value: CleanJson = Field(..., description="A number, or text for deployment, privacy and interpretability.")
    unit: OneLine = Field("", description="Any unit the dimension accepts; stored in its canonical unit.")
    metric: OneLine = ""
    must_have: bool = False
    weight: int = 3


class ObjectiveIn(Schema):
    name: OneLine
    direction: OneLine = Field(..., description="maximise or minimise")
    weight: int = 3


class RequirementsIn(Schema):
    requirements: list[RequirementIn] = Field(..., description="All of them: the list replaces what is stored.")
    objectives: list[ObjectiveIn] = Field(..., description="All of them: the list replaces what is stored.")


class RequirementOut(Schema):
    dimension: str
    op: str
    value: float | str
    unit: str
    metric: str
    must_have: bool
    weight: int


class ObjectiveOut(Schema):
    name: str
    direction: str
    weight: int


class StakeholderIn(Schema):
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
    kind: str
    severity: str
    title: str
    explanation: str
    resolutions: list[str]
    status: str
    decision: str
    rationale: str
    stakeholder_ids: list[int]
    resolved_at: datetime | None


class ResolutionIn(Schema):
    decision: OneLine = Field(..., max_length=300, description="What was decided, e.g. relax latency to 300 ms.")
    rationale: MultiLine = Field(..., max_length=5000)


def _refused(errors: list[tuple[str, str]]) -> Status:
    return Status(422, {"detail": [{"field": field, "message": message} for field, message in errors]})


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


@router.get(
    "/proposals/{proposal_id}/stakeholders",
    response=list[StakeholderOut],
    tags=["stakeholders"],
    summary="List the stakeholders with their requirements and objectives",
)
def list_stakeholders(request: HttpRequest, proposal_id: Id):
    proposal = _proposal_for(request, proposal_id)
    return [_stakeholder_out(stakeholder) for stakeholder in _stakeholders_of(proposal)]


@router.post(
    "/proposals/{proposal_id}/stakeholders",
    response={201: StakeholderOut, 422: FieldErrorsOut},
    tags=["stakeholders"],
    summary="Add a stakeholder, who is emailed a link to state their requirements",
)
def add_stakeholder(request: HttpRequest, proposal_id: Id, payload: StakeholderIn):
    proposal = _proposal_for(request, proposal_id, write=True, action="add stakeholders")
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
        return _refused(errors)
    try:
        stakeholder = stakeholder_add(proposal=proposal, by=request.user, link_url=_link_url(request), **cleaned)
    except StakeholderExists:  # added by someone else between the check and the INSERT
        return _refused([("email", f"{cleaned['email']!r} is already a stakeholder of this proposal")])
    return Status(201, _stakeholder_out(_stakeholders_of(proposal).get(pk=stakeholder.pk)))


@router.put(
    "/proposals/{proposal_id}/stakeholders/{stakeholder_id}/requirements",
    response={200: StakeholderOut, 422: FieldErrorsOut},
    tags=["stakeholders"],
    summary="Replace a stakeholder's requirements and objectives, then detect conflicts again",
)
def put_requirements(request: HttpRequest, proposal_id: Id, stakeholder_id: Id, payload: RequirementsIn):
    proposal = _proposal_for(request, proposal_id)
    stakeholder = get_object_for_member(
        request, Stakeholder.objects.select_related("role"), proposal=proposal, pk=stakeholder_id
    )
    if not _may_edit(request, proposal) and stakeholder.user_id != request.user.pk:
        raise HttpError(403, "Only the stakeholder, the proposal's owner or an admin can change these requirements.")
    requirements, objectives, errors = requirements_check(
        requirements=[item.dict() for item in payload.requirements],
        objectives=[item.dict() for item in payload.objectives],
    )
    if errors:
        return _refused(errors)
    stakeholder.proposal = proposal
    requirements_replace(stakeholder=stakeholder, requirements=requirements, objectives=objectives, by=request.user)
    return _stakeholder_out(_stakeholders_of(proposal).get(pk=stakeholder.pk))


@router.get(
    "/proposals/{proposal_id}/conflicts",
    response=list[ConflictOut],
    tags=["stakeholders"],
    summary="List the conflicts the detector found, open, resolved or no longer detected",
)
def list_conflicts(request: HttpRequest, proposal_id: Id):
    proposal = _proposal_for(request, proposal_id)
    return list(proposal.conflicts.all())


@router.post(
    "/proposals/{proposal_id}/conflicts/{conflict_id}/resolve",
    response={200: ConflictOut, 409: AssessmentMessageOut, 422: FieldErrorsOut},
    tags=["stakeholders"],
    summary="Resolve a conflict with a decision and its rationale",
)
def resolve_conflict(request: HttpRequest, proposal_id: Id, conflict_id: Id, payload: ResolutionIn):
    proposal = _proposal_for(request, proposal_id, write=True, action="resolve its conflicts")
    conflict = get_object_for_member(request, proposal.conflicts.all(), pk=conflict_id)
    errors = [(field, "required") for field in ("decision", "rationale") if not getattr(payload, field).strip()]
    if errors:
        return _refused(errors)
    if conflict.status == ConflictStatus.GONE:
        return Status(409, {"detail": "This conflict is no longer detected; there is nothing to resolve."})
    return conflict_resolve(conflict=conflict, decision=payload.decision, rationale=payload.rationale, by=request.user)
