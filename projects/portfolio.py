"""The organisation's portfolio: its filters, its summary (counts by state and verdict, the chart,
the stale count), its table and its CSV export.

Every read starts from projects.access.visible_to, so the portfolio shows and counts exactly
what the proposal list would show the same person. Staleness is projects.staleness's rule.
"""

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Case, CharField, ExpressionWrapper, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Floor, Least, Ln
from django.urls import reverse
from django.utils.safestring import mark_safe

from accounts.models import Organisation
from projects import portfolio_chart
from projects.access import visible_to
from projects.csv_export import csv_lines
from projects.decision import PROHIBITED, effective_verdict
from projects.models import PortfolioClock, Proposal, ProposalStatus
from projects.selectors import STATUS_LABELS, day_text, proposal_search
from projects.staleness import STALE_LABELS, stale_q, stale_reasons

VERDICTS = ("good_fit", "fit_with_caveats", "not_a_fit", "")
VERDICT_LABELS = {
    "good_fit": "Good fit",
    "fit_with_caveats": "Fit with caveats",
    "not_a_fit": "Not a fit",
    "": "Not assessed",
}
# The filter's name for "never assessed" (an empty value would mean "any verdict").
NOT_ASSESSED = "none"
# The EU AI Act tiers the regulation app records on a proposal (Proposal.ai_act_tier), and the
# filter's name for "not triaged".
AI_ACT_TIERS = ("prohibited", "high_risk", "transparency", "minimal")
NOT_TRIAGED = "none"
AI_ACT_LABELS = {**Proposal.AI_ACT_LABELS, "": "Not triaged"}


def _decision_verdict() -> Case:
    """The verdict the decision goes by, in the database (projects.decision.effective_verdict):
    not a fit when the EU AI Act triage finds the use prohibited, the suitability verdict otherwise."""
    return Case(
        When(ai_act_tier=PROHIBITED, then=Value("not_a_fit")),
        default=F("suitability_verdict"),
        output_field=CharField(),
    )


PORTFOLIO_SORTS = {
    "updated": ((F("updated_at").desc(),), "Recently updated"),
    "value": ((F("estimated_value").desc(nulls_last=True),), "Value, highest first"),
    "suitability": ((F("suitability_fraction").desc(nulls_last=True),), "Suitability, highest first"),
    "conflicts": ((F("open_conflicts").desc(),), "Most open conflicts"),
    "title": ((F("title").asc(),), "Title A–Z"),
}


@dataclass(frozen=True)
class PortfolioFilters:
    q: str = ""
    status: str = ""
    verdict: str = ""
    team: int | None = None
    owner: int | None = None
    stale: bool = False
    sort: str = "updated"
    ai_act: str = ""  # an EU AI Act tier, NOT_TRIAGED, or "" for any


def portfolio_queryset(
    *, organisation: Organisation, filters: PortfolioFilters, user: Any, is_admin: bool, cutoff: datetime
) -> QuerySet[Proposal]:
    """The proposals the portfolio shows this person, filtered; unordered."""
    queryset = visible_to(organisation.proposals.all(), user=user, is_admin=is_admin)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    else:
        # As in the proposal list: archived proposals leave the portfolio unless asked for.
        queryset = queryset.exclude(status=ProposalStatus.ARCHIVED)
    if filters.verdict:
        # The verdict the decision goes by: a prohibited use is not a fit, whatever ML could do.
        verdict = "" if filters.verdict == NOT_ASSESSED else filters.verdict
        if verdict == "not_a_fit":
            queryset = queryset.filter(Q(suitability_verdict=verdict) | Q(ai_act_tier=PROHIBITED))
        else:
            queryset = queryset.filter(suitability_verdict=verdict).exclude(ai_act_tier=PROHIBITED)
    if filters.ai_act:
        queryset = queryset.filter(ai_act_tier="" if filters.ai_act == NOT_TRIAGED else filters.ai_act)
    if filters.team:
        queryset = queryset.filter(team_id=filters.team)
    if filters.owner:
        queryset = queryset.filter(owner_id=filters.owner)
    if filters.stale:
        queryset = queryset.filter(stale_q(cutoff))
    return proposal_search(queryset, filters.q)


@dataclass(frozen=True)
class CrossRow:
    status: str
    label: str
    counts: list[tuple[str, int]]  # (verdict, count) in VERDICTS order
    total: int


@dataclass
class PortfolioSummary:
    total: int = 0
    # Stale in any way; the reasons are on each row (counting each one here too cost a sixth more
    # database time at 100,000 proposals).
    stale: int = 0
    rows: list[CrossRow] = field(default_factory=list)
    verdict_totals: list[tuple[str, str, int]] = field(default_factory=list)  # (verdict, label, count)
    bins: dict[tuple[int, int], int] = field(default_factory=dict)
    unplotted: int = 0
    chart: portfolio_chart.Chart | None = None
    chart_svg: str = ""  # safe markup: numbers and our own labels only (portfolio_chart.svg)
    # The chart's cells again, as rows for the table that stands in for it (accessibility).
    chart_rows: list[portfolio_chart.Cell] = field(default_factory=list)
    # Where this summary is cached; None when it is counted every time.
    cache_key: str | None = None


# How long a cached summary is kept: its key changes with every change anyway (the clock), so
# this only bounds the memory of summaries nobody asks for any more.
SUMMARY_CACHE_SECONDS = 3600
CELL_BASE = 100  # chart_cell = column * CELL_BASE + row; rows stay below it (log10 of 10**13 is 13)


def _chart_cell() -> Any:
    """The chart cell of a proposal, computed in the database (portfolio_chart explains the grid).

    One number rather than a column and a row, so there is one computed key to group by.
    NULL without a score or a value: counted, not plotted. NULL too when a blocker decided the
    verdict, or the EU AI Act triage finds the use prohibited: its score would put a proposal ML is
    ruled out for among the most suitable.
    """
    column = Least(
        Floor(F("suitability_fraction") * float(portfolio_chart.COLUMNS)),
        Value(float(portfolio_chart.COLUMNS - 1)),
        output_field=FloatField(),
    )
    # log10(value + 1): 0 stays 0, and PostgreSQL's float ln is cheaper than its numeric log(10, x).
    log10 = Ln(Cast(F("estimated_value") + 1, FloatField())) / math.log(10)
    row = Floor(log10 * float(portfolio_chart.ROWS_PER_DECADE), output_field=FloatField())
    return Case(
        When(Q(suitability_blocked=True) | Q(ai_act_tier=PROHIBITED), then=Value(None, output_field=FloatField())),
        default=ExpressionWrapper(column * float(CELL_BASE) + row, output_field=FloatField()),
        output_field=FloatField(),
    )


def _grouped_sql(queryset: QuerySet[Proposal], *, cutoff: datetime) -> tuple[str, Any]:
    """The filtered rows to group: (state, verdict, chart cell, stale), built by the ORM
    (visibility, filters, search)."""
    inner = (
        queryset.order_by()
        .annotate(
            decision_verdict=_decision_verdict(),
            chart_cell=_chart_cell(),
            is_stale=ExpressionWrapper(stale_q(cutoff), BooleanField()),
        )
        .values("status", "decision_verdict", "chart_cell", "is_stale")
    )
    return inner.query.sql_with_params()


def summary_cache_key(*, organisation_id: int, question: str) -> str | None:
    """Where the summary of one question (who is looking, the filters, the cutoff) is cached, or
    None when it must always be counted.

    The grouping reads every proposal of the organisation (50 ms at 100,000), so its summary is
    cached under the question and the organisation's clock, which PostgreSQL moves whenever a
    proposal, its readers or a team's members change. The clock is read first: a change committed
    meanwhile then lands in a summary filed under the older number, which the next request no
    longer asks for. SQLite has no clock to say when a cached summary is out of date.
    """
    if connection.vendor != "postgresql":
        return None
    version = PortfolioClock.objects.filter(organisation_id=organisation_id).values_list("version", flat=True).first()
    digest = hashlib.sha256(question.encode()).hexdigest()[:32]
    return f"portfolio:{organisation_id}:{version or 0}:{digest}"


def _group(sql: str, params: Any) -> list[tuple]:
    """Rows of (state, verdict, chart cell) with their counts and stale counts.

    The grouping wraps the ORM's SQL in SQL of its own, for one reason: PostgreSQL cannot
    estimate how many chart cells there are (the cell mixes two columns with thousands of values
    each), guesses tens of thousands of groups, and sorts 100,000 rows on disk to group them.
    Behind OFFSET 0 it takes its default estimate instead, and hashes: a few hundred groups in
    memory, twice as fast.
    """
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, decision_verdict, chart_cell, COUNT(*), COUNT(*) FILTER (WHERE is_stale)"  # noqa: S608
            f" FROM ({sql}{fence}) AS portfolio GROUP BY 1, 2, 3",
            params,
        )
        return [tuple(row) for row in cursor.fetchall()]


def portfolio_summary(
    queryset: QuerySet[Proposal], *, cutoff: datetime, cache_key: str | None = None
) -> PortfolioSummary:
    """Counts by state and verdict, the chart's grid and the stale counts: one grouped query.

    One scan of the filtered proposals grouped by (state, verdict, chart cell), with the stale
    counts as filtered aggregates: at 100,000 proposals this returns a few hundred rows, and the
    rest is summed here. Its total also serves as the table's count, so paging costs no COUNT(*).
    Cached under `cache_key` (summary_cache_key) when there is one.
    Every column it reads is in proposal_portfolio_idx (migration 0007), so PostgreSQL can answer
    from the index alone, reading only this organisation's entries.
    """
    summary = cache.get(cache_key) if cache_key else None
    if summary is None:
        summary = _summarise(_group(*_grouped_sql(queryset, cutoff=cutoff)))
        summary.cache_key = cache_key
        if cache_key:
            cache.set(cache_key, summary, SUMMARY_CACHE_SECONDS)
    return summary


def cached_html(summary: PortfolioSummary, part: str, render: Callable[[], str]) -> str:
    """HTML that depends only on what the summary counts and on `part` (the page, sort and
    links), cached beside the summary under the same clock: rendered once per change."""
    if not summary.cache_key:
        return render()
    key = f"{summary.cache_key}:html:{hashlib.sha256(part.encode()).hexdigest()[:32]}"
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, SUMMARY_CACHE_SECONDS)
    return html


def _summarise(grouped: list[tuple]) -> PortfolioSummary:
    summary = PortfolioSummary()
    cross: dict[str, dict[str, int]] = {}
    for status, verdict, chart_cell, n, stale in grouped:
        summary.total += n
        summary.stale += stale
        verdict = verdict if verdict in VERDICTS else ""
        row = cross.setdefault(status, dict.fromkeys(VERDICTS, 0))
        row[verdict] += n
        if chart_cell is None:
            summary.unplotted += n
        else:
            key = divmod(int(chart_cell), CELL_BASE)
            summary.bins[key] = summary.bins.get(key, 0) + n
    for status in ProposalStatus.values:
        if status in cross:
            counts = cross[status]
            summary.rows.append(
                CrossRow(status, STATUS_LABELS[status], [(v, counts[v]) for v in VERDICTS], sum(counts.values()))
            )
    summary.verdict_totals = [(v, VERDICT_LABELS[v], sum(cross[s][v] for s in cross)) for v in VERDICTS]
    summary.chart = portfolio_chart.layout(summary.bins)
    if summary.chart:
        summary.chart_svg = mark_safe(portfolio_chart.svg(summary.chart))  # noqa: S308 - escaped in svg()
        summary.chart_rows = sorted(summary.chart.cells, key=lambda c: (c.cy, c.cx))
    return summary


# The table's columns: plain rows rather than model instances, as in the proposal list.
ROW_COLUMNS = (
    "pk",
    "title",
    "status",
    "suitability_verdict",
    "suitability_fraction",
    "suitability_blocked",
    "ai_act_tier",
    "ai_act_articles",
    "ai_act_open_obligations",
    "estimated_value",
    "open_conflicts",
    "open_conflicts_severity",
    "assessed_at",
    "questionnaire_outdated",
    "inputs_changed_at",
    "latest_report_at",
    "updated_at",
    "team__name",
    "owner__name",
    "owner__email",
)


@dataclass(frozen=True)
class PortfolioRow:
    pk: int
    title: str
    status: str
    status_label: str
    verdict: str
    verdict_label: str
    suitability: str
    blocked: bool  # a blocker decided the verdict, whatever the score
    ai_act_tier: str  # "" when not triaged
    ai_act_label: str
    ai_act_articles: str
    ai_act_open: int  # duties of the triage's checklist not ticked done
    value: int | None
    open_conflicts: int
    severity: str
    stale: list[tuple[str, str]]  # (reason, label)
    team: str
    owner: str
    updated: str


def ordered(queryset: QuerySet[Proposal], sort: str) -> QuerySet[Proposal]:
    order = PORTFOLIO_SORTS.get(sort, PORTFOLIO_SORTS["updated"])[0]
    return queryset.order_by(*order, "-pk")


def portfolio_rows(rows: Iterable[dict], *, cutoff: datetime) -> list[PortfolioRow]:
    return [
        PortfolioRow(
            pk=row["pk"],
            title=row["title"],
            status=row["status"],
            status_label=STATUS_LABELS.get(row["status"], row["status"]),
            verdict=(verdict := effective_verdict(row["suitability_verdict"], row["ai_act_tier"]) or ""),
            verdict_label=VERDICT_LABELS.get(verdict, verdict),
            suitability="—" if row["suitability_fraction"] is None else f"{row['suitability_fraction']:.0%}",
            blocked=row["suitability_blocked"],
            ai_act_tier=row["ai_act_tier"],
            ai_act_label=AI_ACT_LABELS.get(row["ai_act_tier"], row["ai_act_tier"]),
            ai_act_articles=row["ai_act_articles"],
            ai_act_open=row["ai_act_open_obligations"],
            value=row["estimated_value"],
            open_conflicts=row["open_conflicts"],
            severity=row["open_conflicts_severity"],
            stale=[
                (reason, STALE_LABELS[reason])
                for reason in stale_reasons(
                    assessed_at=row["assessed_at"],
                    questionnaire_outdated=row["questionnaire_outdated"],
                    inputs_changed_at=row["inputs_changed_at"],
                    latest_report_at=row["latest_report_at"],
                    cutoff=cutoff,
                )
            ],
            team=row["team__name"] or "—",
            owner=row["owner__name"] or row["owner__email"],
            updated=day_text(row["updated_at"].date()),
        )
        for row in rows
    ]


# --- CSV export ---------------------------------------------------------------------------------

CSV_HEADER = [
    "id",
    "title",
    "state",
    "verdict",
    "suitability score",
    "suitability fraction",
    "ruled out by a blocker",
    "EU AI Act tier",
    "open EU AI Act duties",
    "estimated value per year",
    "open conflicts",
    "stale",
    "team",
    "owner",
    "assessed at",
    "updated at",
    "url",
]
CSV_COLUMNS = (*ROW_COLUMNS, "suitability_score")


def portfolio_csv_lines(queryset: QuerySet[Proposal], *, cutoff: datetime, base_url: str) -> Iterator[str]:
    """CSV lines of the filtered portfolio, read in chunks: memory stays flat however many rows."""
    detail = reverse("projects:detail", args=[0])[: -len("0/")]

    def rows() -> Iterator[tuple]:
        for row in queryset.values(*CSV_COLUMNS).iterator(chunk_size=2000):
            reasons = stale_reasons(
                assessed_at=row["assessed_at"],
                questionnaire_outdated=row["questionnaire_outdated"],
                inputs_changed_at=row["inputs_changed_at"],
                latest_report_at=row["latest_report_at"],
                cutoff=cutoff,
            )
            yield (
                row["pk"],
                row["title"],
                row["status"],
                effective_verdict(row["suitability_verdict"], row["ai_act_tier"]) or "",
                "" if row["suitability_score"] is None else row["suitability_score"],
                "" if row["suitability_fraction"] is None else row["suitability_fraction"],
                "yes" if row["suitability_blocked"] else "",
                row["ai_act_tier"],
                row["ai_act_open_obligations"] if row["ai_act_tier"] else "",
                "" if row["estimated_value"] is None else row["estimated_value"],
                row["open_conflicts"],
                " ".join(reasons),
                row["team__name"] or "",
                row["owner__name"] or row["owner__email"],
                row["assessed_at"].isoformat() if row["assessed_at"] else "",
                row["updated_at"].isoformat(),
                f"{base_url}{detail}{row['pk']}/",
            )

    return csv_lines(CSV_HEADER, rows())
