"""Trade-off reports: ask for one, watch it run (htmx polling), read it, retry it, export it."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.inputs import InputRefused, clean_text, parse_ids
from accounts.tenancy import get_object_for_member, member_required
from projects.access import get_proposal_for_member, may_edit, proposals_for
from projects.models import Proposal
from reports.exports import report_document, report_download, report_input_changes
from reports.models import Report, ReportStatus
from reports.pdf import review_mark
from reports.present import charts_for, present, report_decision
from reports.services import DELAYED_NOTE, report_is_stale, report_pdf_request, report_request, report_retry


def _get_report(request: HttpRequest, pk: int, rid: int, *, full: bool = True):
    proposal = get_proposal_for_member(request, pk)
    queryset = Report.objects.select_related("requested_by")
    if not full:
        queryset = queryset.defer("inputs", "results", "pdf")
    report = get_object_for_member(request, queryset.defer("pdf"), proposal=proposal, pk=rid)
    return proposal, report


@member_required()
def report_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    if request.method == "POST":
        report, created = report_request(proposal=proposal, by=request.user)
        report.refresh_from_db(fields=["progress_note"])
        if report.progress_note == DELAYED_NOTE:
            # The job could not be sent (Redis is down); it is sent again once the queue is back.
            messages.warning(
                request, "Report requested, but the job queue is unreachable: it is delayed until it is back."
            )
        elif created:
            messages.success(request, "Report requested; it is computed in the background.")
        else:
            messages.info(request, "Nothing changed since this report: here it is.")
        return redirect("reports:detail", pk=pk, rid=report.pk)
    reports = list(proposal.reports.defer("inputs", "results", "pdf").select_related("requested_by"))
    context = {
        "proposal": proposal,
        "reports": reports,
        "stale": report_is_stale(proposal=proposal, report=reports[0] if reports else None),
        "can_edit": may_edit(request, proposal),
    }
    return render(request, "reports/list.html", context)


@member_required()
def report_detail_view(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    proposal, report = _get_report(request, pk, rid)
    stale = report_is_stale(proposal=proposal, report=report)
    view = present(report.results)
    context = {
        "proposal": proposal,
        "report": report,
        # In print form (≤, ≥, no answer keys); the JSON and CSV downloads keep them as stored.
        "results": view.get("results"),
        "view": view,
        "decision": report_decision(report, out_of_date=stale) if report.results else "",
        "charts": charts_for(report),
        "stale": stale,
        "can_edit": may_edit(request, proposal),
    }
    return render(request, "reports/detail.html", context)


@member_required()
def report_status_view(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    """The polled status badge. Once the job is done, the page reloads to show the results."""
    proposal, report = _get_report(request, pk, rid, full=False)
    response = render(request, "reports/_status.html", {"proposal": proposal, "report": report})
    if report.is_done:
        response["HX-Refresh"] = "true"
    return response


@member_required()
@require_POST
def report_retry_view(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    _, report = _get_report(request, pk, rid, full=False)
    if report.status != ReportStatus.FAILED:
        messages.info(request, "Only a failed report can be retried.")
    else:
        report_retry(report=report)
        messages.success(request, "Report queued again.")
    return redirect("reports:detail", pk=pk, rid=rid)


@member_required()
def report_json_view(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    proposal, report = _get_report(request, pk, rid)
    data = report_document(report=report, proposal=proposal)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="mlfit-report-{report.pk}.json"'
    return response


@member_required()
def report_pdf_view(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    """The PDF: served when rendered, else rendered by a job while this page waits for it."""
    proposal = get_proposal_for_member(request, pk)
    report = get_object_for_member(request, Report.objects.all(), proposal=proposal, pk=rid)
    if report.status != ReportStatus.SUCCEEDED:
        messages.info(request, "The PDF can be made once the report is computed.")
        return redirect("reports:detail", pk=pk, rid=rid)
    # An htmx poll gets the redirect below, never the bytes: it would swap them into the page.
    fresh = report.pdf_status == ReportStatus.SUCCEEDED and report.pdf_review_mark == review_mark(proposal.pk)
    if fresh and report.pdf and not request.htmx:
        return report_download(report=report, kind="pdf")
    if request.method == "POST" or report.pdf_status != ReportStatus.FAILED:
        report = report_pdf_request(report=report)
    context = {"proposal": proposal, "report": report}
    if request.htmx:
        response = render(request, "reports/pdf_wait.html#pdf-status", context)
        if report.pdf_status == ReportStatus.SUCCEEDED:
            response["HX-Redirect"] = request.path
        return response
    return render(request, "reports/pdf_wait.html", context)


@member_required()
def report_docx_view(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    """The report as a Word file, made on request (a second or less; nothing to wait for)."""
    _, report = _get_report(request, pk, rid)
    if report.status != ReportStatus.SUCCEEDED:
        messages.info(request, "The Word file can be made once the report is computed.")
        return redirect("reports:detail", pk=pk, rid=rid)
    return report_download(report=report, kind="docx")


@member_required()
def report_csv_view(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    _, report = _get_report(request, pk, rid)
    return report_download(report=report, kind="csv")


@member_required()
def report_compare_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Two reports side by side: what changed in the inputs, and in the results."""
    proposal = get_proposal_for_member(request, pk)
    ids = parse_ids(request.GET.getlist("r"), field="report")[:2]
    if len(ids) != 2:
        messages.error(request, "Tick exactly two reports to compare.")
        return redirect("reports:list", pk=pk)
    reports = {r.pk: r for r in Report.objects.filter(proposal=proposal, pk__in=ids).defer("pdf")}
    if len(reports) != 2:
        raise Http404("Not found.")
    older, newer = sorted(reports.values(), key=lambda r: r.created_at)
    input_changes = report_input_changes(older=older, newer=newer)
    context = {
        "proposal": proposal,
        "older": older,
        "newer": newer,
        "input_changes": input_changes,
        "views": (present(older.results), present(newer.results)),
        "headlines": ((older.results or {}).get("headline", ""), (newer.results or {}).get("headline", "")),
    }
    return render(request, "reports/compare.html", context)


LIBRARY_PAGE_SIZE = 25


@member_required()
def report_library_view(request: HttpRequest) -> HttpResponse:
    """Every report the member may see across the organisation: search, filters, newest first."""
    q, search_error = request.GET.get("q", "").strip()[:200], ""
    try:
        clean_text(q, field="Search", multiline=False)
    except InputRefused as refused:  # NUL was a 500 in the LIKE on PostgreSQL
        search_error = str(refused)
    status = request.GET.get("status", "")
    verdict = request.GET.get("verdict", "")
    visible = proposals_for(request).filter(organisation=request.organisation)
    reports = (
        Report.objects.filter(organisation=request.organisation, proposal__in=visible)
        .select_related("proposal", "requested_by")
        .only(
            "pk",
            "status",
            "created_at",
            "headline",
            "proposal__id",
            "proposal__title",
            "proposal__suitability_verdict",
            "requested_by__name",
            "requested_by__email",
        )
        .order_by("-created_at", "-pk")
    )
    if q and not search_error:
        reports = reports.filter(Q(proposal__title__icontains=q) | Q(headline__icontains=q))
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    if verdict in Proposal.SUITABILITY_LABELS:
        reports = reports.filter(proposal__suitability_verdict=verdict)
    page = Paginator(reports, LIBRARY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "q": q,
        "search_error": search_error,
        "status": status,
        "verdict": verdict,
        "statuses": ReportStatus.choices,
        "verdicts": list(Proposal.SUITABILITY_LABELS.items()),
        "query": query.urlencode(),
    }
    return render(request, "reports/library.html", context, status=400 if search_error else 200)
