"""The portfolio dashboard, its CSV export and settings, outcomes, and the calibration page."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.models import Role
from accounts.tenancy import member_required
from projects import calibration
from projects.access import get_proposal_for_member, may_edit
from projects.forms import OutcomeForm, PortfolioFilterForm, StalenessSettingsForm
from projects.models import Outcome
from projects.outcomes import calibration_for, outcome_allowed, outcome_record
from projects.portfolio import (
    ROW_COLUMNS,
    VERDICT_LABELS,
    PortfolioFilters,
    cached_html,
    ordered,
    portfolio_csv_lines,
    portfolio_queryset,
    portfolio_rows,
    portfolio_summary,
    summary_cache_key,
)
from projects.selectors import review_queue
from projects.staleness import organisation_staleness_set, stale_cutoff

PAGE_SIZE = 25


def _filters(request: HttpRequest) -> tuple[PortfolioFilterForm, PortfolioFilters, bool]:
    """The filters from the query string; invalid ones are dropped (the page says which) rather
    than failing the whole page."""
    form = PortfolioFilterForm(request.GET or None, organisation=request.organisation)
    if not form.is_valid():
        return form, PortfolioFilters(), not request.GET
    data = form.cleaned_data
    filters = PortfolioFilters(
        q=data["q"] or "",
        status=data["status"] or "",
        verdict=data["verdict"] or "",
        team=data["team"],
        owner=data["owner"],
        stale=bool(data["stale"]),
        sort=data["sort"] or "updated",
        ai_act=data["ai_act"] or "",
    )
    return form, filters, True


@member_required()
def landing_view(request: HttpRequest) -> HttpResponse:
    """Where sign-in lands: a reviewer with sign-offs waiting sees that queue first (the portfolio's
    "Waiting for your review"); everyone else sees the proposals."""
    is_admin = request.membership.has_role(Role.ADMIN)
    if review_queue(organisation=request.organisation, user=request.user, is_admin=is_admin):
        return redirect(f"{reverse('projects:portfolio')}#queue-title")
    return redirect("projects:list")


@member_required()
def portfolio_view(request: HttpRequest) -> HttpResponse:
    form, filters, valid = _filters(request)
    is_admin = request.membership.has_role(Role.ADMIN)
    # To the minute: the cached summary is keyed by its query, which holds the cutoff.
    cutoff = stale_cutoff(request.organisation, now=timezone.now().replace(second=0, microsecond=0))
    queryset = portfolio_queryset(
        organisation=request.organisation, filters=filters, user=request.user, is_admin=is_admin, cutoff=cutoff
    )
    # The question the summary answers: who is looking (admins see everything), filters, cutoff.
    question = f"{'all' if is_admin else request.user.pk}|{filters!r}|{cutoff.isoformat()}"
    summary = portfolio_summary(
        queryset, cutoff=cutoff, cache_key=summary_cache_key(organisation_id=request.organisation.pk, question=question)
    )
    query = request.GET.copy()
    query.pop("page", None)

    def results() -> str:
        paginator = Paginator(ordered(queryset, filters.sort).values(*ROW_COLUMNS), PAGE_SIZE)
        # The summary's grouped query already counted the filtered proposals: no second COUNT(*).
        paginator.count = summary.total
        page = paginator.get_page(request.GET.get("page"))
        context = {
            "form": form,
            "summary": summary,
            "page": page,
            "rows": portfolio_rows(page.object_list, cutoff=cutoff),
            "query": query.urlencode(),
            "max_age_days": request.organisation.assessment_max_age_days,
        }
        return render_to_string("projects/_portfolio_results.html", context)

    # The totals, chart and table read only what the summary counts (its cache key holds the
    # organisation's clock, who is looking, the filters and the cutoff), plus the page and sort in
    # the query string: rendered once per change rather than on every visit (two thirds of the
    # page's time at 10,000 proposals). Invalid filters are shown, never cached.
    html = cached_html(summary, request.GET.urlencode(), results) if valid else results()
    if request.htmx and request.htmx.target == "portfolio-results":
        return HttpResponse(html, status=200 if valid else 400)
    context = {
        "form": form,
        "summary": summary,
        "results": mark_safe(html),  # noqa: S308 - our own template's output, escaped there
        "query": query.urlencode(),
        "queue": review_queue(organisation=request.organisation, user=request.user, is_admin=is_admin),
        "is_admin": is_admin,
    }
    return render(request, "projects/portfolio.html", context, status=200 if valid else 400)


@member_required()
def portfolio_csv_view(request: HttpRequest) -> HttpResponse:
    form, filters, valid = _filters(request)
    if not valid:
        return HttpResponse(
            "Some filters are not valid: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    cutoff = stale_cutoff(request.organisation)
    queryset = portfolio_queryset(
        organisation=request.organisation,
        filters=filters,
        user=request.user,
        is_admin=request.membership.has_role(Role.ADMIN),
        cutoff=cutoff,
    )
    lines = portfolio_csv_lines(
        ordered(queryset, filters.sort), cutoff=cutoff, base_url=settings.MLFIT_BASE_URL.rstrip("/")
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="mlfit-portfolio-{request.organisation.slug}-{stamp}.csv"'
    return response


@member_required(Role.ADMIN)
def portfolio_settings_view(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    if request.method == "POST":
        form = StalenessSettingsForm(request.POST)
        if form.is_valid():
            changed = organisation_staleness_set(
                organisation=organisation,
                max_age_days=form.cleaned_data["assessment_max_age_days"],
                by=request.user,
            )
            messages.success(request, "Settings saved." if changed else "Nothing changed.")
            return redirect("projects:portfolio_settings")
        return render(request, "projects/portfolio_settings.html", {"form": form}, status=400)
    form = StalenessSettingsForm(initial={"assessment_max_age_days": organisation.assessment_max_age_days})
    return render(request, "projects/portfolio_settings.html", {"form": form})


@member_required()
def outcome_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record or change what happened after approval: the owner or an admin, approved proposals only."""
    proposal = get_proposal_for_member(request, pk)  # outsiders and those it is hidden from: 404
    if not may_edit(request, proposal):
        raise PermissionDenied("Only the proposal's owner or an admin can record its outcome.")
    outcome = Outcome.objects.filter(proposal=proposal).select_related("recorded_by").first()
    context = {"proposal": proposal, "outcome": outcome}
    if not outcome_allowed(proposal):
        # 409: the request is fine, but the proposal is in no state to have an outcome yet.
        return render(request, "projects/outcome.html", context, status=409)
    if request.method == "POST":
        form = OutcomeForm(request.POST, instance=outcome)
        if form.is_valid():
            outcome_record(proposal=proposal, data=form.cleaned_data, by=request.user)
            messages.success(request, "Outcome recorded." if outcome is None else "Outcome updated.")
            return redirect("projects:detail", pk=proposal.pk)
        return render(request, "projects/outcome.html", {**context, "form": form}, status=400)
    return render(request, "projects/outcome.html", {**context, "form": OutcomeForm(instance=outcome)})


@member_required()
def calibration_view(request: HttpRequest) -> HttpResponse:
    result = calibration_for(
        organisation=request.organisation,
        user=request.user,
        is_admin=request.membership.has_role(Role.ADMIN),
    )
    table = [
        (verdict, VERDICT_LABELS.get(verdict, verdict), result.counts[verdict])
        for verdict in (*VERDICT_LABELS, *(v for v in result.counts if v not in VERDICT_LABELS))
        if verdict in result.counts
    ]
    totals = {key: sum(row[key] for _, _, row in table) for key in calibration.OUTCOME_KEYS}
    context = {"result": result, "table": table, "totals": totals, "outcome_keys": calibration.OUTCOME_KEYS}
    return render(request, "projects/calibration.html", context)
