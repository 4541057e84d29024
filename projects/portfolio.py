"""The organisation's portfolio: its summary, its table, stale assessments and their reminders,
outcomes after approval, and the calibration of the suitability score against them.

Every read starts from projects.selectors.visible_to, so the portfolio shows and counts exactly
what the proposal list would show the same person.
"""

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, Case, ExpressionWrapper, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Floor, Least, Ln
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.models import NotificationKind, Organisation, User
from accounts.notifications import notify
from projects import calibration, portfolio_chart
from projects.audit import audit_record
from projects.csv_export import csv_lines
from projects.models import AuditEntry, Outcome, OutcomeStatus, PortfolioClock, Proposal, ProposalStatus
from projects.selectors import proposal_search, visible_to

# --- stale assessments --------------------------------------------------------------------------

STALE_AGE, STALE_QUESTIONNAIRE, STALE_INPUTS = "age", "questionnaire", "inputs"
STALE_REASONS = (STALE_AGE, STALE_QUESTIONNAIRE, STALE_INPUTS)
STALE_LABELS = {
    STALE_AGE: "Assessment too old",
    STALE_QUESTIONNAIRE: "Questionnaire changed since",
    STALE_INPUTS: "Changed since the last report",
}
STALE_HELP = {
    STALE_AGE: "The suitability assessment is older than the organisation allows; assess it again.",
    STALE_QUESTIONNAIRE: "A newer version of the suitability questionnaire was published; upgrade the assessment.",
    STALE_INPUTS: "The proposal, its answers or its requirements changed after the latest trade-off report.",
}
# Reminders go to proposals still heading for a decision; decided or abandoned ones only show flags.
REMINDER_STATUSES = (
    ProposalStatus.DRAFT,
    ProposalStatus.SUBMITTED,
    ProposalStatus.IN_REVIEW,
    ProposalStatus.CHANGES_REQUESTED,
)


def stale_cutoff(organisation: Organisation, now: datetime | None = None) -> datetime:
    """Assessments made before this moment are too old for the organisation."""
    return (now or timezone.now()) - timedelta(days=organisation.assessment_max_age_days)


def stale_reasons(
    *,
    assessed_at: datetime | None,
    questionnaire_outdated: bool,
    inputs_changed_at: datetime | None,
    latest_report_at: datetime | None,
    cutoff: datetime,
) -> list[str]:
    """Why a proposal's assessment is stale, in STALE_REASONS order; [] when it is not.

    Must agree with stale_q, which says the same in SQL (tests/projects/test_stale.py checks both).
    A proposal never assessed, or never reported on, is not stale: it has nothing to go stale.
    """
    reasons = []
    if assessed_at is not None and assessed_at < cutoff:
        reasons.append(STALE_AGE)
    if questionnaire_outdated:
        reasons.append(STALE_QUESTIONNAIRE)
    if latest_report_at is not None and inputs_changed_at is not None and inputs_changed_at > latest_report_at:
        reasons.append(STALE_INPUTS)
    return reasons


def proposal_stale_reasons(proposal: Proposal, cutoff: datetime) -> list[str]:
    return stale_reasons(
        assessed_at=proposal.assessed_at,
        questionnaire_outdated=proposal.questionnaire_outdated,
        inputs_changed_at=proposal.inputs_changed_at,
        latest_report_at=proposal.latest_report_at,
        cutoff=cutoff,
    )


def stale_reason_q(reason: str, cutoff: datetime) -> Q:
    if reason == STALE_AGE:
        return Q(assessed_at__lt=cutoff)
    if reason == STALE_QUESTIONNAIRE:
        return Q(questionnaire_outdated=True)
    return Q(latest_report_at__isnull=False, inputs_changed_at__gt=F("latest_report_at"))


def stale_q(cutoff: datetime) -> Q:
    q = Q()
    for reason in STALE_REASONS:
        q |= stale_reason_q(reason, cutoff)
    return q


# --- the portfolio's filters, summary and table -------------------------------------------------

VERDICTS = ("good_fit", "fit_with_caveats", "not_a_fit", "")
VERDICT_LABELS = {
    "good_fit": "Good fit",
    "fit_with_caveats": "Fit with caveats",
    "not_a_fit": "Not a fit",
    "": "Not assessed",
}
# The filter's name for "never assessed" (an empty value would mean "any verdict").
NOT_ASSESSED = "none"
STATUS_LABELS = dict(ProposalStatus.choices)

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
        queryset = queryset.filter(suitability_verdict="" if filters.verdict == NOT_ASSESSED else filters.verdict)
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
    verdict: its score would put a proposal ML is ruled out for among the most suitable.
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
        When(suitability_blocked=True, then=Value(None, output_field=FloatField())),
        default=ExpressionWrapper(column * float(CELL_BASE) + row, output_field=FloatField()),
        output_field=FloatField(),
    )


def _grouped_sql(queryset: QuerySet[Proposal], *, cutoff: datetime) -> tuple[str, Any]:
    """The filtered rows to group: (state, verdict, chart cell, stale), built by the ORM
    (visibility, filters, search)."""
    inner = (
        queryset.order_by()
        .annotate(chart_cell=_chart_cell(), is_stale=ExpressionWrapper(stale_q(cutoff), BooleanField()))
        .values("status", "suitability_verdict", "chart_cell", "is_stale")
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
            "SELECT status, suitability_verdict, chart_cell, COUNT(*), COUNT(*) FILTER (WHERE is_stale)"  # noqa: S608
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
            verdict=row["suitability_verdict"],
            verdict_label=VERDICT_LABELS.get(row["suitability_verdict"], row["suitability_verdict"]),
            suitability="—" if row["suitability_fraction"] is None else f"{row['suitability_fraction']:.0%}",
            blocked=row["suitability_blocked"],
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
            updated=row["updated_at"].date().isoformat(),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class QueueRow:
    pk: int
    title: str
    status_label: str
    owner: str
    submitted: str


QUEUE_LIMIT = 20


def review_queue(*, organisation: Organisation, user: Any, is_admin: bool) -> list[QueueRow]:
    """Proposals waiting for this person's sign-off in their current review round, oldest first.

    Up to QUEUE_LIMIT + 1 rows, so the page can say there are more.
    """
    queryset = visible_to(
        organisation.proposals.filter(
            status__in=[ProposalStatus.SUBMITTED, ProposalStatus.IN_REVIEW], awaiting_review_by=user
        ),
        user=user,
        is_admin=is_admin,
    )
    rows = queryset.order_by(F("submitted_at").asc(nulls_last=True), "pk").values(
        "pk", "title", "status", "submitted_at", "owner__name", "owner__email"
    )[: QUEUE_LIMIT + 1]
    return [
        QueueRow(
            pk=row["pk"],
            title=row["title"],
            status_label=STATUS_LABELS.get(row["status"], row["status"]),
            owner=row["owner__name"] or row["owner__email"],
            submitted=row["submitted_at"].date().isoformat() if row["submitted_at"] else "",
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
                row["suitability_verdict"],
                "" if row["suitability_score"] is None else row["suitability_score"],
                "" if row["suitability_fraction"] is None else row["suitability_fraction"],
                "yes" if row["suitability_blocked"] else "",
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


# --- reminders ----------------------------------------------------------------------------------


def stale_reminders_send(*, now: datetime | None = None) -> int:
    """Remind the owners of stale proposals, once per proposal, reason and ISO week.

    The event key names the proposal, the reason and the week, and notifications are unique per
    person and event key, so running this twice in a week (a retried or doubled job) reminds
    nobody twice; a reason still true next week reminds again. Returns how many reminders were new.
    """
    now = now or timezone.now()
    year, week, _ = now.isocalendar()
    period = f"{year}-W{week:02d}"
    created = 0
    for organisation in Organisation.objects.all().iterator():
        cutoff = stale_cutoff(organisation, now)
        stale = (
            organisation.proposals.filter(status__in=REMINDER_STATUSES)
            .filter(stale_q(cutoff))
            .select_related("owner")
            .order_by("pk")
        )
        for proposal in stale.iterator(chunk_size=500):
            url = reverse("projects:detail", args=[proposal.pk])
            for reason in proposal_stale_reasons(proposal, cutoff):
                with transaction.atomic():
                    created += _remind(organisation, proposal, reason, period, url)
    return created


def _remind(organisation: Organisation, proposal: Proposal, reason: str, period: str, url: str) -> int:
    from accounts.models import Notification

    key = f"stale:{proposal.pk}:{reason}:{period}"
    if Notification.objects.filter(user_id=proposal.owner_id, event_key=key).exists():
        return 0
    notify(
        organisation=organisation,
        users=[proposal.owner],
        kind=NotificationKind.REMINDER,
        event_key=key,
        title=f"Stale assessment: {proposal.title}",
        body=STALE_HELP[reason],
        url=url,
    )
    return 1


# --- the organisation's setting -----------------------------------------------------------------


def organisation_staleness_set(*, organisation: Organisation, max_age_days: int, by: User) -> bool:
    """Change how old an assessment may get; audited. False when nothing changed."""
    before = organisation.assessment_max_age_days
    if before == max_age_days:
        return False
    Organisation.objects.filter(pk=organisation.pk).update(assessment_max_age_days=max_age_days)
    organisation.assessment_max_age_days = max_age_days
    audit_record(
        organisation=organisation,
        action="organisation.settings",
        obj=organisation,
        actor=by,
        before={"assessment_max_age_days": before},
        after={"assessment_max_age_days": max_age_days},
    )
    return True


# --- outcomes -----------------------------------------------------------------------------------

OUTCOME_FIELDS = ("status", "value_achieved", "target_met", "notes")


def outcome_allowed(proposal: Proposal) -> bool:
    """Outcomes follow approval: an approved proposal, or one archived after it was approved.

    An archived proposal counts as approved before if it has an outcome already, or if its audit
    trail records a change to the approved state.
    """
    if proposal.status == ProposalStatus.APPROVED:
        return True
    if proposal.status != ProposalStatus.ARCHIVED:
        return False
    if Outcome.objects.filter(proposal=proposal).exists():
        return True
    return AuditEntry.objects.filter(proposal=proposal, after__status=ProposalStatus.APPROVED).exists()


def _outcome_data(outcome: Outcome) -> dict[str, Any]:
    return {name: getattr(outcome, name) for name in OUTCOME_FIELDS}


@transaction.atomic
def outcome_record(*, proposal: Proposal, data: dict[str, Any], by: User) -> Outcome:
    """Record or change what happened after approval; every change lands in the audit trail.

    A target met or missed only means something once launched, so other states clear it.
    """
    fields = {name: data.get(name) for name in OUTCOME_FIELDS}
    fields["value_achieved"] = fields["value_achieved"] or ""
    fields["notes"] = fields["notes"] or ""
    if fields["status"] != OutcomeStatus.LAUNCHED:
        fields["target_met"] = None
    outcome = Outcome.objects.select_for_update().filter(proposal=proposal).first()
    if outcome is None:
        outcome = Outcome.objects.create(proposal=proposal, recorded_by=by, **fields)
        audit_record(
            organisation=proposal.organisation,
            action="outcome.recorded",
            obj=outcome,
            proposal=proposal,
            actor=by,
            after=_outcome_data(outcome),
            only_changes=False,
        )
        return outcome
    before = _outcome_data(outcome)
    for name, value in fields.items():
        setattr(outcome, name, value)
    outcome.save()
    audit_record(
        organisation=proposal.organisation,
        action="outcome.updated",
        obj=outcome,
        proposal=proposal,
        actor=by,
        before=before,
        after=_outcome_data(outcome),
    )
    return outcome


# --- calibration --------------------------------------------------------------------------------


def calibration_for(*, organisation: Organisation, user: Any, is_admin: bool) -> calibration.Calibration:
    """Verdicts against outcomes over the approved proposals this person may see.

    Approved proposals without an outcome count as pending; so do outcomes of proposals archived
    after approval, which keep their outcome row. One query, three columns per proposal.
    """
    queryset = visible_to(organisation.proposals.all(), user=user, is_admin=is_admin).filter(
        Q(status=ProposalStatus.APPROVED) | Q(outcome__isnull=False)
    )
    forecasts = (
        calibration.Forecast(
            verdict=verdict or "",
            probability=fraction,
            succeeded=_succeeded(status, target_met),
        )
        for verdict, fraction, status, target_met in queryset.values_list(
            "suitability_verdict", "suitability_fraction", "outcome__status", "outcome__target_met"
        ).iterator(chunk_size=2000)
    )
    return calibration.calibrate(forecasts)


def _succeeded(status: str | None, target_met: bool | None) -> bool | None:
    """Outcome.succeeded, from the two columns (no model instance per row)."""
    if status == OutcomeStatus.ABANDONED:
        return False
    if status == OutcomeStatus.LAUNCHED and target_met is not None:
        return target_met
    return None
