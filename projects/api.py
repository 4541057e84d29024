from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from accounts.api_problems import ApiProblem, StrictIn, invalid, problems, refuse_unknown_query
from accounts.inputs import Id, MultiLine, OneLine
from accounts.models import Role
from accounts.tenancy import get_object_for_member
from domain.vocabulary import VERDICTS
from projects.access import may_edit, proposals_for
from projects.forms import ProposalForm
from projects.models import Proposal, ProposalStatus, VolumePeriod
from projects.selectors import ProposalFilters, proposal_list
from projects.services import VersionConflict, proposal_create, proposal_update

router = Router(tags=["proposals"])


class ProposalOut(Schema):
    id: int
    title: str
    problem: str
    decision: str
    business_objective: str
    success_metric: str
    success_target: str
    baseline_description: str
    baseline_performance: str
    intended_users: str
    data_sources: str
    expected_volume: int | None
    volume_period: VolumePeriod
    deadline: date | None
    estimated_value: int | None
    team_id: int | None
    owner_id: int
    status: ProposalStatus
    suitability_verdict: Literal[VERDICTS] | None = Field(  # type: ignore[valid-type]
        ..., description="null until the suitability assessment gives one."
    )
    suitability_fraction: float | None
    suitability_blocked: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_suitability_verdict(proposal: Proposal) -> str | None:
        return proposal.suitability_verdict or None


class ProposalIn(StrictIn):
    title: OneLine = Field(..., min_length=1, max_length=200)
    problem: MultiLine = Field(..., min_length=1, max_length=5000)
    decision: MultiLine = Field("", max_length=2000)
    business_objective: MultiLine = Field("", max_length=2000)
    success_metric: OneLine = Field("", max_length=200)
    success_target: OneLine = Field("", max_length=200)
    baseline_description: MultiLine = Field("", max_length=3000)
    baseline_performance: OneLine = Field("", max_length=300)
    intended_users: MultiLine = Field("", max_length=2000)
    data_sources: MultiLine = Field("", max_length=3000)
    expected_volume: int | None = Field(None, ge=0, le=10**15)
    volume_period: VolumePeriod = VolumePeriod.DAY
    deadline: date | None = None
    estimated_value: int | None = Field(
        None, ge=0, le=10**13, description="Value per year if it succeeds, in the organisation's currency."
    )
    team_id: Id | None = None
    owner_id: Id | None = None


class ProposalUpdateIn(ProposalIn):
    version: int = Field(..., ge=1, description="The version you read; a stale one is refused with 409.")


class ProposalPatchIn(StrictIn):
    """Only the fields sent change; the others keep what is stored. null clears a field that may
    be empty (expected_volume, deadline, estimated_value, team_id)."""

    version: int = Field(..., ge=1, description="The version you read; a stale one is refused with 409.")
    title: OneLine | None = Field(None, min_length=1, max_length=200)
    problem: MultiLine | None = Field(None, min_length=1, max_length=5000)
    decision: MultiLine | None = Field(None, max_length=2000)
    business_objective: MultiLine | None = Field(None, max_length=2000)
    success_metric: OneLine | None = Field(None, max_length=200)
    success_target: OneLine | None = Field(None, max_length=200)
    baseline_description: MultiLine | None = Field(None, max_length=3000)
    baseline_performance: OneLine | None = Field(None, max_length=300)
    intended_users: MultiLine | None = Field(None, max_length=2000)
    data_sources: MultiLine | None = Field(None, max_length=3000)
    expected_volume: int | None = Field(None, ge=0, le=10**15)
    volume_period: VolumePeriod | None = None
    deadline: date | None = None
    estimated_value: int | None = Field(None, ge=0, le=10**13)
    team_id: Id | None = None
    owner_id: Id | None = None


def _validated(request: HttpRequest, payload: ProposalIn | dict, instance: Proposal | None = None) -> dict:
    """Run the same form validation as the web page, so both refuse the same input."""
    data = payload if isinstance(payload, dict) else payload.dict(exclude={"version"})
    data["team"] = data.pop("team_id")
    data["owner"] = data.pop("owner_id") or (instance.owner_id if instance else request.user.pk)
    form = ProposalForm(data=data, instance=instance, organisation=request.organisation)
    if not form.is_valid():
        # Named as the API spells them (team_id), not as the form does (team).
        raise invalid(
            [
                (_API_NAMES.get(field, field), error.code or "invalid", " ".join(error.messages))
                for field, errors in form.errors.as_data().items()
                for error in errors
            ]
        )
    return form.cleaned_data


_API_NAMES = {"team": "team_id", "owner": "owner_id", "__all__": ""}


class ProposalPagination(LimitOffsetPagination):
    """Ninja's limit and offset, bounded: PostgreSQL's LIMIT and OFFSET are bigints, and a larger
    number was a 500 (found by tests/fuzz/test_api.py); now it is a 422 naming the field."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=2**62)


@router.get("/proposals", response={200: list[ProposalOut], **problems(422)})
@paginate(ProposalPagination)
def list_proposals(request: HttpRequest, q: OneLine = "", status: ProposalStatus | None = None):
    refuse_unknown_query(request, "q", "status", "limit", "offset")
    filters = ProposalFilters(q=q[:200], status=status or "")
    return proposal_list(
        organisation=request.organisation,
        filters=filters,
        user=request.user,
        is_admin=request.membership.has_role(Role.ADMIN),
    )


@router.get("/proposals/{proposal_id}", response={200: ProposalOut, **problems(404, 422)})
def get_proposal(request: HttpRequest, proposal_id: Id):
    return get_object_for_member(request, proposals_for(request), pk=proposal_id)


@router.post("/proposals", response={201: ProposalOut, **problems(400, 422)})
def create_proposal(request: HttpRequest, payload: ProposalIn):
    data = _validated(request, payload)
    return Status(201, proposal_create(organisation=request.organisation, data=data, by=request.user))


@router.put("/proposals/{proposal_id}", response={200: ProposalOut, **problems(400, 403, 404, 409, 422)})
def update_proposal(request: HttpRequest, proposal_id: Id, payload: ProposalUpdateIn):
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    if not may_edit(request, proposal):
        raise ApiProblem(403, "Only the proposal's owner or an admin can change it.")
    data = _validated(request, payload, instance=proposal)
    return _update(request, proposal, data, payload.version)


@router.patch("/proposals/{proposal_id}", response={200: ProposalOut, **problems(400, 403, 404, 409, 422)})
def patch_proposal(request: HttpRequest, proposal_id: Id, payload: ProposalPatchIn):
    """Change some fields: those not sent keep what is stored (PUT replaces the whole proposal)."""
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    if not may_edit(request, proposal):
        raise ApiProblem(403, "Only the proposal's owner or an admin can change it.")
    sent = payload.model_fields_set - {"version"}
    if not sent:
        raise invalid([("", "empty", "Send at least one field to change, with the version.")])
    # The stored proposal with the sent fields over it, checked whole as the page checks it ...
    merged = {name: getattr(proposal, name) for name in ProposalIn.model_fields}
    merged.update(payload.dict(include=sent))
    cleaned = _validated(request, merged, instance=proposal)
    # ... and only the sent fields written, so a field left out cannot be wiped.
    form_names = {_FORM_NAMES.get(name, name) for name in sent}
    return _update(request, proposal, {k: v for k, v in cleaned.items() if k in form_names}, payload.version)


_FORM_NAMES = {"team_id": "team", "owner_id": "owner"}


def _update(request: HttpRequest, proposal: Proposal, data: dict, version: int) -> Proposal:
    try:
        return proposal_update(proposal=proposal, data=data, expected_version=version, by=request.user)
    except VersionConflict as conflict:
        changed = ", ".join(change.field for change in conflict.changes) or "no field"
        raise ApiProblem(
            409,
            f"Version {version} is stale; the proposal is at version {conflict.current.version}."
            f" Changed: {changed}. Read it again, then send your change with its version.",
            code="version_conflict",
        ) from conflict
