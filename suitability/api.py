"""The suitability assessment over the JSON API: put answers, complete, read the result.

Authentication is global (config.api.TokenAuth sets request.organisation, .membership, .user).
Every proposal is fetched through the token's organisation and what the member may see
(projects.access.proposals_for), so an outsider, or a member a private proposal is not shared
with, gets 404; changing answers takes the proposal's owner or an admin (403 for other members),
reading takes any member. A proposal's stakeholders and conflicts are in stakeholders.api.
"""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from accounts.api_problems import ApiProblem, StrictIn, invalid, problems, refuse_unknown_query
from accounts.inputs import CleanJson, Id, OneLine
from accounts.tenancy import get_object_for_member
from domain.vocabulary import VERDICTS
from projects.access import may_edit, proposals_for
from projects.models import Proposal
from projects.workflow import UNDER_REVIEW
from questionnaires.engine import missing_required
from questionnaires.models import Assessment, AssessmentStatus
from questionnaires.services import AnswersRejected, AssessmentError, answers_of
from questionnaires.versions import engine_questionnaire
from suitability.services import answers_put, assessment_complete, assessment_latest, live_result

router = Router(tags=["assessments"])


class AnswersIn(StrictIn):
    answers: dict[OneLine, CleanJson] = Field(
        ...,
        description=(
            "Answers by question key, in the canonical form of each question type (docs/import-format.md);"
            " null or an empty string clears an answer. All are checked first: one refused answer means none"
            " is saved."
        ),
    )


class DriverOut(Schema):
    question_key: str
    question_text: str
    answer_display: str
    points: float
    known: bool


class FindingOut(Schema):
    criterion: str
    label: str
    status: Literal["met", "partly_met", "not_met", "unknown"]
    weight: float
    earned: float
    fraction: float
    reason: str
    source: str
    drivers: list[DriverOut]


# Not "BlockerOut": the review's blockers (stakeholders.api) are another schema, and two schemas
# of one name in the OpenAPI document would be one, the other's fields lost.
class SuitabilityBlockerOut(Schema):
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
    direction: Literal["up", "down"]
    new_verdict: Literal[VERDICTS]  # type: ignore[valid-type]
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
    verdict: Literal[VERDICTS]  # type: ignore[valid-type]
    verdict_label: str
    score: float
    max_score: float
    fraction: float
    findings: list[FindingOut]
    blockers: list[SuitabilityBlockerOut]
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
    status: AssessmentStatus
    questionnaire: str
    questionnaire_version: int
    answers: dict[str, Any]
    result: SuitabilityResultOut = Field(
        ..., description="Frozen at completion; until then, the result of the answers so far."
    )
    missing_required: list[str]
    completed_at: datetime | None


def _proposal_for(request: HttpRequest, proposal_id: int, *, write: bool = False) -> Proposal:
    # Only proposals the member may see: a private one of someone else is 404, as if it did not exist.
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    if write and not may_edit(request, proposal):
        raise ApiProblem(403, "Only the proposal's owner or an admin can change its assessment.")
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
    response={200: AssessmentOut, **problems(400, 403, 404, 409, 422)},
    summary="Save answers (starting the assessment if none is open)",
)
def put_answers(request: HttpRequest, proposal_id: Id, payload: AnswersIn, new_round: bool = False):
    """Answers to an open assessment are saved into it. Once the assessment is completed, answering
    starts a new round (a new assessment from the current questionnaire, its answers carried over)
    only when asked for with `new_round=true`: otherwise 409 `assessment_completed`, and while the
    proposal is under review, 409 `under_review` either way (the reviewers sign off what they read)."""
    refuse_unknown_query(request, "new_round")
    proposal = _proposal_for(request, proposal_id, write=True)
    latest = assessment_latest(proposal=proposal)
    if latest is not None and not latest.is_editable:
        if proposal.status in UNDER_REVIEW:
            raise ApiProblem(
                409,
                "The proposal is under review: its assessment cannot change until the review is decided"
                " or the proposal is withdrawn.",
                code="under_review",
            )
        if not new_round:
            raise ApiProblem(
                409,
                "The assessment is completed. Send new_round=true to start a new round with these answers.",
                code="assessment_completed",
            )
    try:
        assessment = answers_put(proposal=proposal, raw=payload.answers, by=request.user)
    except AnswersRejected as rejected:
        raise invalid([(f"answers.{e.key}", e.message) for e in rejected.errors]) from rejected
    except AssessmentError as exc:
        raise ApiProblem(409, str(exc)) from exc
    return _out(assessment)


@router.post(
    "/proposals/{proposal_id}/assessment/complete",
    response={200: AssessmentOut, **problems(403, 404, 409, 422)},
    summary="Complete the assessment, freezing its result",
)
def complete_assessment(request: HttpRequest, proposal_id: Id):
    proposal = _proposal_for(request, proposal_id, write=True)
    assessment = assessment_latest(proposal=proposal)
    if assessment is None:
        raise ApiProblem(409, "No assessment is started yet; put answers first.", code="no_assessment")
    if not assessment.is_editable:
        raise ApiProblem(409, "This assessment is already completed.", code="assessment_closed")
    missing = _missing(assessment, answers_of(assessment))
    if missing:
        # One error per unanswered required question, named as the answers are put.
        raise ApiProblem(
            409,
            f"{len(missing)} required question(s) still need an answer.",
            code="answers_missing",
            errors=[{"field": f"answers.{key}", "code": "missing", "message": "required"} for key in missing],
        )
    try:
        assessment = assessment_complete(assessment=assessment, by=request.user)
    except AssessmentError as exc:  # answers changed between the check and the lock
        raise ApiProblem(409, str(exc)) from exc
    return _out(assessment)


@router.get(
    "/proposals/{proposal_id}/assessment",
    response={200: AssessmentOut, **problems(404, 422)},
    summary="Read the assessment: answers, result and what is still missing",
)
def get_assessment(request: HttpRequest, proposal_id: Id):
    proposal = _proposal_for(request, proposal_id)
    assessment = assessment_latest(proposal=proposal)
    if assessment is None:
        raise ApiProblem(404, "This proposal has no assessment yet.", code="no_assessment")
    return _out(assessment)
