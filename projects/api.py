from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from accounts.api_pagination import PageIn, cursor_page
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


VERSION_HELP = (
    "The version you read; a stale one is refused with 409. May be left out when the request sends"
    " it as If-Match (the ETag of the proposal you read) instead."
)


class ProposalUpdateIn(ProposalIn):
    version: int | None = Field(None, ge=1, description=VERSION_HELP)


class ProposalPatchIn(StrictIn):
    """Only the fields sent change; the others keep what is stored. null clears a field that may
    be empty (expected_volume, deadline, estimated_value, team_id)."""

    version: int | None = Field(None, ge=1, description=VERSION_HELP)
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


class ProposalPageOut(Schema):
    items: list[ProposalOut]
    count: int = Field(..., description="How many proposals the filters match.")
    next: str | None = Field(..., description="The next page's URL; null on the last page.")


@router.get("/proposals", response={200: ProposalPageOut, **problems(422)})
def list_proposals(request: HttpRequest, page: Query[PageIn], q: OneLine = "", status: ProposalStatus | None = None):
    """The proposals the token's member may see, newest first, a page at a time."""
    refuse_unknown_query(request, "q", "status", "limit", "cursor")
    filters = ProposalFilters(q=q[:200], status=status or "")
    proposals = proposal_list(
        organisation=request.organisation,
        filters=filters,
        user=request.user,
        is_admin=request.membership.has_role(Role.ADMIN),
    )
    return cursor_page(request, proposals, page)


# A proposal's ETag is its version: what PUT and PATCH take as If-Match (or `version` in the body).
def etag(proposal: Proposal) -> str:
    return f'"{proposal.version}"'


def _tagged(response: HttpResponse, proposal: Proposal) -> Proposal:
    response["ETag"] = etag(proposal)
    return proposal


def _expected_version(request: HttpRequest, proposal: Proposal, body_version: int | None) -> tuple[int, bool]:
    """The version the change is made against, and whether If-Match gave it. A stale If-Match is
    412 (RFC 9110: the precondition failed); a stale body version stays 409, as it always was."""
    header = request.headers.get("If-Match")
    if header is None:
        if body_version is None:
            raise invalid([("version", "missing", "Send the version you read, or If-Match with its ETag.")])
        return body_version, False
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags:
        return body_version or proposal.version, True
    if etag(proposal) not in tags:
        raise ApiProblem(
            412,
            f"If-Match {header[:100]} is not the proposal's current ETag {etag(proposal)}:"
            " read it again, then send your change with its ETag.",
            code="precondition_failed",
            headers={"ETag": etag(proposal)},
        )
    return body_version or proposal.version, True


ETAG_HEADER = {
    "ETag": {"description": "The proposal's version, for If-Match.", "required": True, "schema": {"type": "string"}}
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": 'The ETag you read ("3"): a stale one is refused with 412; * matches any.',
    "schema": {"type": "string"},
}


@router.get(
    "/proposals/{proposal_id}",
    response={200: ProposalOut, **problems(404, 422)},
    openapi_extra={"responses": {"200": {"description": "OK", "headers": ETAG_HEADER}}},
)
def get_proposal(request: HttpRequest, response: HttpResponse, proposal_id: Id):
    return _tagged(response, get_object_for_member(request, proposals_for(request), pk=proposal_id))


@router.post("/proposals", response={201: ProposalOut, **problems(400, 422)})
def create_proposal(request: HttpRequest, response: HttpResponse, payload: ProposalIn):
    data = _validated(request, payload)
    proposal = proposal_create(organisation=request.organisation, data=data, by=request.user)
    response["Location"] = request.build_absolute_uri(f"/api/proposals/{proposal.pk}")
    return Status(201, _tagged(response, proposal))


_WRITE = {
    "response": {200: ProposalOut, **problems(400, 403, 404, 409, 412, 422)},
    "openapi_extra": {
        "parameters": [IF_MATCH],
        "responses": {"200": {"description": "OK", "headers": ETAG_HEADER}},
    },
}


@router.put("/proposals/{proposal_id}", **_WRITE)
def update_proposal(request: HttpRequest, response: HttpResponse, proposal_id: Id, payload: ProposalUpdateIn):
    """Replace the whole proposal: a field left out is set to its default (empty). PATCH changes
    only the fields sent."""
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    if not may_edit(request, proposal):
        raise ApiProblem(403, "Only the proposal's owner or an admin can change it.")
    expected = _expected_version(request, proposal, payload.version)
    data = _validated(request, payload, instance=proposal)
    return _tagged(response, _update(request, proposal, data, expected))


@router.patch("/proposals/{proposal_id}", **_WRITE)
def patch_proposal(request: HttpRequest, response: HttpResponse, proposal_id: Id, payload: ProposalPatchIn):
    """Change some fields: those not sent keep what is stored (PUT replaces the whole proposal)."""
    proposal = get_object_for_member(request, proposals_for(request), pk=proposal_id)
    if not may_edit(request, proposal):
        raise ApiProblem(403, "Only the proposal's owner or an admin can change it.")
    expected = _expected_version(request, proposal, payload.version)
    sent = payload.model_fields_set - {"version"}
    if not sent:
        raise invalid([("", "empty", "Send at least one field to change.")])
    # The stored proposal with the sent fields over it, checked whole as the page checks it ...
    merged = {name: getattr(proposal, name) for name in ProposalIn.model_fields}
    merged.update(payload.dict(include=sent))
    cleaned = _validated(request, merged, instance=proposal)
    # ... and only the sent fields written, so a field left out cannot be wiped.
    form_names = {_FORM_NAMES.get(name, name) for name in sent}
    changed = _update(request, proposal, {k: v for k, v in cleaned.items() if k in form_names}, expected)
    return _tagged(response, changed)


_FORM_NAMES = {"team_id": "team", "owner_id": "owner"}


def _update(request: HttpRequest, proposal: Proposal, data: dict, expected: tuple[int, bool]) -> Proposal:
    version, by_header = expected
    try:
        return proposal_update(proposal=proposal, data=data, expected_version=version, by=request.user)
    except VersionConflict as conflict:
        changed = ", ".join(change.field for change in conflict.changes) or "no field"
        current = conflict.current.version
        if by_header:  # changed between the If-Match check and the lock
            raise ApiProblem(
                412,
                f"The proposal changed meanwhile (now version {current}); read it again.",
                code="precondition_failed",
                headers={"ETag": f'"{current}"'},
            ) from conflict
        raise ApiProblem(
            409,
            f"Version {version} is stale; the proposal is at version {current}."
            f" Changed: {changed}. Read it again, then send your change with its version.",
            code="version_conflict",
        ) from conflict
