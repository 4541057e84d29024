from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from accounts.inputs import Id, MultiLine, OneLine
from accounts.models import Role
from accounts.tenancy import get_object_for_member
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
    volume_period: str
    deadline: date | None
    estimated_value: int | None
    team_id: int | None
    owner_id: int
    status: str
    suitability_verdict: str
    suitability_fraction: float | None
    suitability_blocked: bool
    version: int
    created_at: datetime
    updated_at: datetime


class ProposalIn(Schema):
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


def _validated(request: HttpRequest, payload: ProposalIn, instance: Proposal | None = None) -> dict:
    """Run the same form validation as the web page, so both refuse the same input."""
    data = payload.dict(exclude={"version"})
    data["team"] = data.pop("team_id")
    data["owner"] = data.pop("owner_id") or (instance.owner_id if instance else request.user.pk)
    form = ProposalForm(data=data, instance=instance, organisation=request.organisation)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in form.errors.items())
        raise HttpError(422, errors)
    return form.cleaned_data


class ProposalPagination(LimitOffsetPagination):
    """Ninja's limit and offset, bounded: PostgreSQL's LIMIT and OFFSET are bigints, and a larger
    number was a 500 (found by tests/fuzz/test_api.py); now it is a 422 naming the field."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=2**62)


@router.get("/proposals", response=list[ProposalOut])
@paginate(ProposalPagination)
def list_proposals(request: HttpRequest, q: OneLine = "", status: ProposalStatus | None = None):
    filters = ProposalFilters(q=q[:200], status=status or "")
    return proposal_list(
        organisation=request.organisation,
        filters=filters,
        user=request.user,
        is_admin=request.membership.has_role(Role.ADMIN),
    )


@router.get("/proposals/{proposal_id}", response=ProposalOut)
def get_proposal(request: HttpRequest, proposal_id: Id):
    return get_object_for_member(request, proposals_for(request), pk=proposal_id)


@router.post("/proposals", response={201: ProposalOut})
def create_proposal(request: HttpRequest, payload: ProposalIn):
    data = _validated(request, payload)
    return Status(201, proposal_create(organisation=request.organisation, data=data, by=request.user))


@router.put("/proposals/{proposal_id}", response={200: ProposalOut})
def update_proposal(request: HttpRequest, proposal_id: Id, payload: ProposalUpdateIn):
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    if not may_edit(request, proposal):
        raise HttpError(403, "Only the proposal's owner or an admin can change it.")
    data = _validated(request, payload, instance=proposal)
    try:
        return proposal_update(proposal=proposal, data=data, expected_version=payload.version, by=request.user)
    except VersionConflict as conflict:
        changed = ", ".join(change.field for change in conflict.changes) or "no field"
        raise HttpError(
            409,
            f"Version {payload.version} is stale; the proposal is at version {conflict.current.version}."
            f" Changed: {changed}.",
        ) from conflict
