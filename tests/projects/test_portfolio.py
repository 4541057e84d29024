"""The portfolio dashboard: counts, chart, filters, visibility, CSV export, the review queue, and a
query count that does not grow with the data."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import Proposal, Visibility
from tests.conftest import session_queries
from tests.factories import ProposalFactory, TeamFactory
from tests.html import parse

URL = reverse("projects:portfolio")


def titles(response) -> list[str]:
    return sorted(row.title for row in response.context["rows"])


def cross(response) -> dict[str, dict[str, int]]:
    return {row.status: dict(row.counts) for row in response.context["summary"].rows}


def _portfolio(world):
    """Seven proposals besides the world's draft: states, verdicts, values, one stale, one team's."""
    team = TeamFactory(organisation=world.org, name="Risk")
    make = ProposalFactory
    org, owner = world.org, world.owner
    make(
        organisation=org,
        owner=owner,
        title="Churn",
        status="approved",
        suitability_verdict="good_fit",
        suitability_fraction=0.82,
        estimated_value=1_200_000,
    )
    make(
        organisation=org,
        owner=owner,
        title="Fraud",
        status="approved",
        suitability_verdict="good_fit",
        suitability_fraction=0.75,
        estimated_value=450_000,
        team=team,
    )
    make(
        organisation=org,
        owner=world.member,
        title="Depots",
        status="rejected",
        suitability_verdict="not_a_fit",
        suitability_fraction=0.2,
        estimated_value=15_000,
    )
    make(
        organisation=org,
        owner=owner,
        title="Demand",
        status="submitted",
        suitability_verdict="fit_with_caveats",
        suitability_fraction=0.55,
        estimated_value=None,
        assessed_at=timezone.now() - timedelta(days=400),
    )
    make(
        organisation=org,
        owner=owner,
        title="Leads",
        status="draft",
        suitability_verdict="fit_with_caveats",
        suitability_fraction=0.6,
        estimated_value=80_000,
        questionnaire_outdated=True,
    )
    make(
        organisation=org,
        owner=owner,
        title="Old idea",
        status="archived",
        suitability_verdict="good_fit",
        suitability_fraction=0.9,
        estimated_value=10,
    )
    make(
        organisation=world.other_org,
        title="Globex secret",
        status="approved",
        suitability_verdict="good_fit",
        suitability_fraction=0.9,
        estimated_value=5_000_000,
    )
    return team


def test_it_counts_by_state_and_verdict(world):
    _portfolio(world)
    response = world.client_for(world.member).get(URL)
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.total == 6  # the archived one and Globex's are left out
    assert cross(response) == {
        "draft": {"good_fit": 0, "fit_with_caveats": 1, "not_a_fit": 0, "": 1},
        "submitted": {"good_fit": 0, "fit_with_caveats": 1, "not_a_fit": 0, "": 0},
        "approved": {"good_fit": 2, "fit_with_caveats": 0, "not_a_fit": 0, "": 0},
        "rejected": {"good_fit": 0, "fit_with_caveats": 0, "not_a_fit": 1, "": 0},
    }
    assert [n for _, _, n in summary.verdict_totals] == [2, 2, 1, 1]
    assert summary.stale == 2


def test_the_chart_bins_value_against_suitability(world):
    _portfolio(world)
    summary = world.client_for(world.member).get(URL).context["summary"]
    # (suitability column, value row): row = floor(2 * log10(value + 1)).
    assert summary.bins == {(8, 12): 1, (7, 11): 1, (2, 8): 1, (6, 9): 1}
    assert summary.unplotted == 2  # Demand has no value; the world's proposal has no score
    # A blocker rules ML out whatever the score: not plotted among the suitable ones.
    Proposal.objects.filter(title="Fraud").update(suitability_verdict="not_a_fit", suitability_blocked=True)
    summary = world.client_for(world.member).get(URL).context["summary"]
    assert summary.bins == {(8, 12): 1, (2, 8): 1, (6, 9): 1}
    assert summary.unplotted == 3
    page = parse(world.client_for(world.member).get(URL))
    assert page.texts("svg.portfolio-chart text.axis-title") == [
        "Suitability score (share of the maximum) →",
        "Estimated value per year (log scale) →",
    ]
    assert page.text("details.chart-table summary") == "The chart as a table"
    # Churn's cell, in the table that stands in for the chart.
    assert "1M–3.2M" in [row["Value per year"] for row in page.table("details.chart-table table")]


def test_archived_proposals_come_back_when_asked_for(world):
    _portfolio(world)
    response = world.client_for(world.member).get(URL, {"status": "archived"})
    assert titles(response) == ["Old idea"]


def test_filters(world):
    team = _portfolio(world)
    client = world.client_for(world.member)
    assert titles(client.get(URL, {"status": "approved"})) == ["Churn", "Fraud"]
    assert titles(client.get(URL, {"verdict": "fit_with_caveats"})) == ["Demand", "Leads"]
    assert titles(client.get(URL, {"verdict": "none"})) == ["Route support tickets"]
    assert titles(client.get(URL, {"team": team.pk})) == ["Fraud"]
    assert titles(client.get(URL, {"owner": world.member.pk})) == ["Depots"]
    assert titles(client.get(URL, {"stale": "on"})) == ["Demand", "Leads"]
    assert titles(client.get(URL, {"q": "churn"})) == ["Churn"]
    both = client.get(URL, {"status": "approved", "verdict": "good_fit", "q": "fraud"})
    assert titles(both) == ["Fraud"]
    assert both.context["summary"].total == 1


def test_sorting_by_value(world):
    _portfolio(world)
    rows = world.client_for(world.member).get(URL, {"sort": "value"}).context["rows"]
    assert [r.title for r in rows][:4] == ["Churn", "Fraud", "Leads", "Depots"]
    assert [r.value for r in rows][-2:] == [None, None]  # unvalued last


def test_bad_filters_are_a_400_with_the_page_not_a_500(world):
    foreign = TeamFactory(organisation=world.other_org)
    client = world.client_for(world.member)
    for params in [
        {"team": foreign.pk},
        {"status": "nonsense"},
        {"verdict": "<script>"},
        {"owner": "x"},
        {"sort": "'; drop"},
        {"q": "x" * 300},
        {"page": "-1"},
    ]:
        response = client.get(URL, params)
        assert response.status_code in (200, 400), params
        assert response.context["summary"].total == 1
    for q in ["'", '"unclosed', "a & | ! b", "(", "<script>"]:
        assert client.get(URL, {"q": q}).status_code == 200


def test_a_private_proposal_of_someone_else_neither_shows_nor_counts(world):
    _portfolio(world)
    Proposal.objects.filter(title="Churn").update(visibility=Visibility.PRIVATE)
    member = world.client_for(world.member).get(URL)
    assert "Churn" not in titles(member)
    assert member.context["summary"].total == 5
    assert cross(member)["approved"]["good_fit"] == 1
    assert (8, 12) not in member.context["summary"].bins
    # Its owner and the admins still count it.
    assert world.client_for(world.owner).get(URL).context["summary"].total == 6
    assert world.client_for(world.admin).get(URL).context["summary"].total == 6


def test_a_team_proposal_counts_for_the_team_only(world):
    team = _portfolio(world)
    Proposal.objects.filter(title="Fraud").update(visibility=Visibility.TEAM)
    assert "Fraud" not in titles(world.client_for(world.member).get(URL))
    team.members.add(world.member)
    assert "Fraud" in titles(world.client_for(world.member).get(URL))


def test_outsiders_see_nothing_of_another_organisation(world):
    _portfolio(world)
    response = world.client_for(world.outsider).get(URL)
    assert titles(response) == ["Globex secret"]
    assert response.context["summary"].total == 1
    csv_text = b"".join(world.client_for(world.outsider).get(reverse("projects:portfolio_csv")).streaming_content)
    assert b"Churn" not in csv_text and b"Globex secret" in csv_text


def test_it_needs_a_signed_in_member(world):
    from django.test import Client

    assert Client().get(URL).status_code == 302
    assert Client().get(reverse("projects:portfolio_csv")).status_code == 302


def test_the_table_shows_state_verdict_value_conflicts_and_stale_flags(world):
    _portfolio(world)
    Proposal.objects.filter(title="Churn").update(open_conflicts=3, open_conflicts_severity="high")
    # A blocker makes a proposal not a fit whatever its score: the row says so beside the score.
    Proposal.objects.filter(title="Depots").update(suitability_blocked=True, suitability_fraction=0.9)
    response = world.client_for(world.member).get(URL, {"sort": "title"})
    rows = {r.title: r for r in response.context["rows"]}
    assert rows["Churn"].value == 1_200_000 and rows["Churn"].open_conflicts == 3
    assert rows["Churn"].verdict_label == "Good fit" and rows["Churn"].suitability == "82%"
    assert not rows["Churn"].blocked
    assert rows["Depots"].blocked and rows["Depots"].verdict_label == "Not a fit"
    assert rows["Demand"].stale == [("age", "Assessment too old")]
    page = parse(response)
    shown = {row["Title"]: row for row in page.table(".portfolio-table")}
    assert shown["Churn"]["Value per year"] == "1,200,000"
    assert shown["Leads"]["Stale"] == "Questionnaire changed since"
    assert shown["Depots"]["Verdict"] == "Not a fit by a blocker (score 90%)"
    assert [title for title, row in shown.items() if "by a blocker" in row["Verdict"]] == ["Depots"]
    assert "3 proposals without a score or a value, or ruled out by a blocker, are not plotted" in page.text(
        "section[aria-labelledby=chart-heading] p.muted"
    )


def test_pagination_uses_the_summarys_count(world):
    ProposalFactory.create_batch(30, organisation=world.org, owner=world.owner, status="submitted")
    response = world.client_for(world.member).get(URL, {"status": "submitted"})
    assert len(response.context["rows"]) == 25
    assert response.context["page"].paginator.num_pages == 2
    second = world.client_for(world.member).get(URL, {"status": "submitted", "page": 2})
    assert len(second.context["rows"]) == 5
    assert parse(response).one("nav.pagination a[rel=next]")["href"] == "?status=submitted&page=2"


def test_htmx_requests_get_only_the_results(world):
    response = world.client_for(world.member).get(
        URL, {"q": "route"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="portfolio-results"
    )
    page = parse(response)
    # Only the partial: one element at the top, the results; no document around it.
    assert [element["id"] for element in page.soup.find_all(True, recursive=False)] == ["portfolio-results"]
    assert not page.has("html, head, body")


# --- CSV ----------------------------------------------------------------------------------------


def read_csv(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_export_has_the_filtered_portfolio(world):
    _portfolio(world)
    client = world.client_for(world.member)
    rows = read_csv(client.get(reverse("projects:portfolio_csv"), {"status": "approved", "sort": "value"}))
    assert [r["title"] for r in rows] == ["Churn", "Fraud"]
    churn = rows[0]
    assert churn["state"] == "approved" and churn["verdict"] == "good_fit"
    assert churn["estimated value per year"] == "1200000"
    assert churn["suitability fraction"] == "0.82"
    assert churn["ruled out by a blocker"] == ""
    assert churn["url"].endswith(reverse("projects:detail", args=[Proposal.objects.get(title="Churn").pk]))
    Proposal.objects.filter(title="Depots").update(suitability_blocked=True)
    rejected = read_csv(client.get(reverse("projects:portfolio_csv"), {"status": "rejected"}))
    assert [(r["title"], r["ruled out by a blocker"]) for r in rejected] == [("Depots", "yes")]
    stale = read_csv(client.get(reverse("projects:portfolio_csv"), {"stale": "on", "sort": "title"}))
    assert [(r["title"], r["stale"]) for r in stale] == [("Demand", "age"), ("Leads", "questionnaire")]


def test_the_csv_export_respects_visibility(world):
    _portfolio(world)
    Proposal.objects.filter(title="Churn").update(visibility=Visibility.PRIVATE)
    rows = read_csv(world.client_for(world.member).get(reverse("projects:portfolio_csv")))
    assert "Churn" not in {r["title"] for r in rows}
    assert len(rows) == 5


def test_the_csv_export_neutralises_formulas(world):
    ProposalFactory(organisation=world.org, owner=world.owner, title='=HYPERLINK("http://evil")')
    rows = read_csv(world.client_for(world.member).get(reverse("projects:portfolio_csv")))
    assert '\'=HYPERLINK("http://evil")' in {r["title"] for r in rows}


def test_the_csv_export_refuses_bad_filters(world):
    response = world.client_for(world.member).get(reverse("projects:portfolio_csv"), {"status": "nonsense"})
    assert response.status_code == 400


# --- the review queue ---------------------------------------------------------------------------


def test_the_queue_lists_what_waits_for_my_sign_off(world):
    waiting = ProposalFactory(organisation=world.org, owner=world.owner, title="Waiting", status="in_review")
    submitted = ProposalFactory(organisation=world.org, owner=world.owner, title="Just in", status="submitted")
    draft = ProposalFactory(organisation=world.org, owner=world.owner, title="Back to draft", status="draft")
    others = ProposalFactory(organisation=world.org, owner=world.owner, title="Someone else's", status="submitted")
    for proposal in (waiting, submitted, draft):
        proposal.awaiting_review_by.add(world.reviewer)
    others.awaiting_review_by.add(world.admin)
    queue = world.client_for(world.reviewer).get(URL).context["queue"]
    assert sorted(q.title for q in queue) == ["Just in", "Waiting"]
    assert [q.title for q in world.client_for(world.admin).get(URL).context["queue"]] == ["Someone else's"]
    assert world.client_for(world.member).get(URL).context["queue"] == []
    page = parse(world.client_for(world.member).get(URL))
    assert page.text("section.queue p") == "Nothing waits for your sign-off."


# --- queries ------------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_data(world):
    team = TeamFactory(organisation=world.org)
    client = world.client_for(world.member)
    client.get(URL)  # the first visit stores the active organisation in the session

    def queries(params=None) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params or {}).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    ProposalFactory.create_batch(
        4, organisation=world.org, owner=world.member, team=team, estimated_value=10, questionnaire_outdated=True
    )
    few, few_filtered = queries(), queries({"stale": "on", "q": "agents", "sort": "value"})
    for i in range(45):
        proposal = ProposalFactory(
            organisation=world.org,
            owner=world.member,
            team=team,
            status=["draft", "submitted", "approved"][i % 3],
            suitability_verdict=["good_fit", "not_a_fit", ""][i % 3],
            suitability_fraction=i / 45,
            estimated_value=10**i % 10**9,
            questionnaire_outdated=i % 5 == 0,
        )
        if i % 7 == 0:
            proposal.awaiting_review_by.add(world.member)
    many, many_filtered = queries(), queries({"stale": "on", "q": "agents", "sort": "value"})
    assert len(many) == len(few)
    assert len(many_filtered) == len(few_filtered) == len(few)
    # The session (none when Redis caches it), then 1: the user with membership and organisation,
    # 2: the team and owner choices (one UNION ALL), on PostgreSQL the organisation's portfolio
    # clock (kept by triggers there), 3: the grouped summary (counts, chart and paging total in
    # one), 4: the page of rows with owner and team joined, 5: the member's review queue.
    clock = connection.vendor == "postgresql"
    assert len(many) == session_queries() + clock + 5, many
    assert Proposal.objects.filter(organisation=world.org).count() == 50


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the portfolio clock is kept by PostgreSQL triggers")
def test_the_summary_is_cached_until_anything_it_counts_changes(world):
    """Served from the cache while nothing changes; any change (through any code path: here a raw
    UPDATE, a new reader, a new team member) moves the clock, and the next page counts again."""
    from django.core.cache import cache

    from projects.models import PortfolioClock

    cache.clear()
    team = TeamFactory(organisation=world.org)
    ProposalFactory.create_batch(3, organisation=world.org, owner=world.member, status="draft")
    client = world.client_for(world.admin)

    def grouped() -> tuple[int, list[str]]:
        """How many times the summary was counted, and the states the results show."""
        with CaptureQueriesContext(connection) as captured:
            page = client.get(URL)
        counted = sum("COUNT(*) FILTER" in q["sql"] for q in captured.captured_queries)
        # The table's page of rows is read with the count, and cached with it as rendered HTML.
        table = sum("open_conflicts_severity" in q["sql"] for q in captured.captured_queries)
        assert table == counted, captured.captured_queries
        return counted, parse(page).texts("#portfolio-results .status")

    def clock() -> int:
        return PortfolioClock.objects.get(organisation_id=world.org.pk).version

    assert grouped()[0] == 1
    assert grouped()[0] == 0  # the same question, nothing changed: from the cache
    before = clock()
    Proposal.objects.filter(organisation=world.org, owner=world.member).update(status="submitted")
    assert clock() > before
    counted, states = grouped()
    assert counted == 1 and "Submitted" in states
    before = clock()
    Proposal.objects.filter(organisation=world.org).first().readers.add(world.reviewer)
    assert clock() > before
    before = clock()
    team.members.add(world.member)
    assert clock() > before
    assert grouped()[0] == 1
