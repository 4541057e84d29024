"""Trade-off reports over the JSON API: ask for one (202 and its URL), follow its state, read its
JSON, download its CSV, PDF and Word file, compare two.

Authentication is global (config.api.TokenAuth sets request.organisation, .membership, .user). The
access rules are the pages' (reports.views): any member who may see the proposal
(projects.access.proposals_for) may ask for its report and read it; to anyone else the proposal
and its reports answer 404, as if they did not exist.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from accounts.api_pagination import PageIn, cursor_page
from accounts.api_problems import ApiProblem, invalid, problems, refuse_unknown_query
from accounts.inputs import Id
from accounts.tenancy import get_object_for_member
from projects.access import proposals_for
from projects.models import Proposal
from reports.exports import DOCX_TYPE, report_comparison, report_document, report_download
from reports.models import Report, ReportStatus
from reports.pdf import review_mark
from reports.services import DELAYED_NOTE, report_is_stale, report_pdf_request, report_request

router = Router(tags=["reports"])


class ReportLinksOut(Schema):
    self: str = Field(..., description="This report's state: poll it until status is succeeded or failed.")
    document: str = Field(..., description="The report as stored (JSON): frozen inputs and results.")
    csv: str = Field(..., description="The ranking, one approach a row.")
    pdf: str = Field(..., description="The PDF: 200 with the file once rendered, 202 while it is made.")
    docx: str = Field(..., description="The Word file, made on request.")


class ReportOut(Schema):
    id: int
    proposal_id: int
    status: ReportStatus = Field(..., description="queued, running, succeeded or failed.")
    progress: int = Field(..., description="0 to 100 while it runs.")
    progress_note: str
    delayed: bool = Field(..., description="True: the job queue is unreachable; the job is sent once it is back.")
    headline: str | None = Field(..., description="One line once it succeeded; null before.")
    error: str | None = Field(..., description="Why it failed; null unless it did.")
    stale: bool = Field(..., description="The proposal's inputs changed since: ask for a new report.")
    pdf_status: ReportStatus | None = Field(..., description="null until a PDF is asked for.")
    created_at: datetime
    finished_at: datetime | None
    links: ReportLinksOut


class ReportPageOut(Schema):
    items: list[ReportOut]
    count: int = Field(..., description="How many reports the proposal has.")
    next: str | None = Field(..., description="The next page's URL; null on the last page.")


class RankOut(Schema):
    rank: int
    key: str
    label: str
    score: float | None
    pareto: bool


class CompareSideOut(Schema):
    id: int
    created_at: datetime
    headline: str | None
    ranking: list[RankOut]


class InputChangeOut(Schema):
    path: str = Field(..., description="Where in the frozen inputs, e.g. stakeholders.0.requirements.1.value.")
    before: Any
    after: Any


class RankChangeOut(Schema):
    key: str
    label: str
    rank_before: int | None = Field(..., description="null: not ranked in the older report.")
    rank_after: int | None = Field(..., description="null: not ranked in the newer report.")


class ReportCompareOut(Schema):
    older: CompareSideOut
    newer: CompareSideOut
    input_changes: list[InputChangeOut] = Field(..., description="What changed in the inputs, value by value.")
    ranking_changes: list[RankChangeOut] = Field(..., description="The approaches whose rank changed.")


class PdfPendingOut(Schema):
    report_id: int
    pdf_status: ReportStatus | None
    detail: str


def _proposal_for(request: HttpRequest, proposal_id: int) -> Proposal:
    # Only proposals the member may see: a private one of someone else is 404, as if it did not exist.
    return get_object_for_member(request, proposals_for(request), pk=proposal_id)


def _report_for(
    request: HttpRequest, proposal_id: int, report_id: int, *, pdf: bool = False
) -> tuple[Proposal, Report]:
    proposal = _proposal_for(request, proposal_id)
    queryset = Report.objects.select_related("requested_by")
    report = get_object_for_member(request, queryset if pdf else queryset.defer("pdf"), proposal=proposal, pk=report_id)
    return proposal, report


def _url(request: HttpRequest, report: Report, tail: str = "") -> str:
    return request.build_absolute_uri(f"/api/proposals/{report.proposal_id}/reports/{report.pk}{tail}")


def _out(request: HttpRequest, proposal: Proposal, report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "proposal_id": proposal.pk,
        "status": report.status,
        "progress": report.progress,
        "progress_note": report.progress_note,
        "delayed": report.progress_note == DELAYED_NOTE,
        "headline": report.headline or None,
        "error": report.error or None,
        "stale": report_is_stale(proposal=proposal, report=report),
        "pdf_status": report.pdf_status or None,
        "created_at": report.created_at,
        "finished_at": report.finished_at,
        "links": {
            "self": _url(request, report),
            "document": _url(request, report, "/report.json"),
            "csv": _url(request, report, "/report.csv"),
            "pdf": _url(request, report, "/report.pdf"),
            "docx": _url(request, report, "/report.docx"),
        },
    }


def _ready(report: Report) -> None:
    if report.status != ReportStatus.SUCCEEDED:
        raise ApiProblem(
            409,
            f"The report is {report.status}; its results can be read once it has succeeded.",
            code="report_not_ready",
        )


@router.post(
    "/proposals/{proposal_id}/reports",
    response={202: ReportOut, 200: ReportOut, **problems(404, 422)},
    summary="Ask for a trade-off report: 202 and its URL, or 200 with the report for unchanged inputs",
)
def request_report(request: HttpRequest, response: HttpResponse, proposal_id: Id):
    proposal = _proposal_for(request, proposal_id)
    report, created = report_request(proposal=proposal, by=request.user)
    report.refresh_from_db(fields=["progress_note"])
    response["Location"] = _url(request, report)
    return Status(202 if created else 200, _out(request, proposal, report))


@router.get(
    "/proposals/{proposal_id}/reports",
    response={200: ReportPageOut, **problems(404, 422)},
    summary="List the proposal's reports, newest first, a page at a time",
)
def list_reports(
    request: HttpRequest,
    proposal_id: Id,
    page: Query[PageIn],
):
    refuse_unknown_query(request, "limit", "cursor")
    proposal = _proposal_for(request, proposal_id)
    listed = cursor_page(request, proposal.reports.defer("inputs", "results", "pdf"), page)
    listed["items"] = [_out(request, proposal, report) for report in listed["items"]]
    return listed


@router.get(
    "/proposals/{proposal_id}/reports/{report_id}",
    response={200: ReportOut, **problems(404, 422)},
    summary="Follow a report: its status and progress, and its links once done",
)
def get_report(request: HttpRequest, proposal_id: Id, report_id: Id):
    proposal, report = _report_for(request, proposal_id, report_id)
    return _out(request, proposal, report)


@router.get(
    "/proposals/{proposal_id}/reports/{report_id}/report.json",
    response={200: dict[str, Any], **problems(404, 409, 422)},
    summary="The report as stored: frozen inputs and results",
)
def get_report_json(request: HttpRequest, proposal_id: Id, report_id: Id):
    proposal, report = _report_for(request, proposal_id, report_id)
    _ready(report)
    return report_document(report=report, proposal=proposal)


@router.get(
    "/proposals/{proposal_id}/reports/{report_id}/report.csv",
    response=problems(404, 409, 422),
    summary="The ranking as CSV, one approach a row",
    openapi_extra={
        "responses": {"200": {"description": "The ranking", "content": {"text/csv": {"schema": {"type": "string"}}}}}
    },
)
def get_report_csv(request: HttpRequest, proposal_id: Id, report_id: Id):
    _, report = _report_for(request, proposal_id, report_id)
    _ready(report)
    return report_download(report=report, kind="csv")


@router.get(
    "/proposals/{proposal_id}/reports/{report_id}/report.pdf",
    response={202: PdfPendingOut, **problems(404, 409, 422)},
    summary="The PDF: 200 with the file once rendered, else 202 while a job renders it (ask again)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_report_pdf(request: HttpRequest, proposal_id: Id, report_id: Id):
    proposal, report = _report_for(request, proposal_id, report_id, pdf=True)
    _ready(report)
    # As the page: a PDF made before the latest review decision is rendered again, with it.
    fresh = report.pdf_status == ReportStatus.SUCCEEDED and report.pdf_review_mark == review_mark(proposal.pk)
    if fresh and report.pdf:
        return report_download(report=report, kind="pdf")
    # Asking again after a failure tries again, as the page's button does.
    report = report_pdf_request(report=report)
    detail = "The PDF is being made; ask again in a few seconds."
    return Status(202, {"report_id": report.pk, "pdf_status": report.pdf_status or None, "detail": detail})


@router.get(
    "/proposals/{proposal_id}/reports/{report_id}/report.docx",
    response=problems(404, 409, 422),
    summary="The report as a Word file, made on request",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The Word file",
                "content": {DOCX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_report_docx(request: HttpRequest, proposal_id: Id, report_id: Id):
    _, report = _report_for(request, proposal_id, report_id)
    _ready(report)
    return report_download(report=report, kind="docx")


@router.get(
    "/proposals/{proposal_id}/reports/{report_id}/compare/{other_id}",
    response={200: ReportCompareOut, **problems(404, 409, 422)},
    summary="Compare two of the proposal's reports: what changed in the inputs and in the ranking",
)
def compare_reports(request: HttpRequest, proposal_id: Id, report_id: Id, other_id: Id):
    """As the compare page: the older of the two is `older`, whichever order they are named in."""
    proposal = _proposal_for(request, proposal_id)
    if report_id == other_id:
        raise invalid([("other_id", "same_report", "name two different reports")])
    reports = list(Report.objects.filter(proposal=proposal, pk__in=[report_id, other_id]).defer("pdf"))
    if len(reports) != 2:
        raise ApiProblem(404, "Not found, or not yours to see.")
    for report in reports:
        _ready(report)
    older, newer = sorted(reports, key=lambda r: (r.created_at, r.pk))
    return report_comparison(older=older, newer=newer)
