"""The triage tied into the decision: the proposal page's panel, the one-sentence decision (a
prohibited use is not a fit, with the article), and the portfolio's column and filter, with the
portfolio's query count and cache unchanged."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.decision import decision_sentence, effective_verdict
from projects.models import Proposal
from tests.factories import ProposalFactory
from tests.html import parse

PORTFOLIO = reverse("projects:portfolio")


def test_a_prohibited_use_is_not_a_fit_whatever_the_verdict():
    assert effective_verdict("good_fit", "prohibited") == "not_a_fit"
    assert effective_verdict("good_fit", "high_risk") == "good_fit"
    assert effective_verdict(None, "") is None
    sentence = decision_sentence("good_fit", prohibited_by="Article 5(1)(c)")
    assert sentence == (
        "Not a fit: the EU AI Act triage finds this use prohibited (Article 5(1)(c)); no trade-off report yet."
    )


def test_the_proposal_page_shows_the_tier_and_open_duties(world):
    client = world.client_for(world.member)
    page = parse(client.get(reverse("projects:detail", args=[world.proposal.pk])))
    assert "Not triaged yet" in page.text("#ai-act")
    assert ("See the triage", reverse("regulation:home", args=[world.proposal.pk])) in page.links("#ai-act")
    Proposal.objects.filter(pk=world.proposal.pk).update(
        ai_act_tier="high_risk", ai_act_articles="Article 6(2) and Annex III point 4(a)", ai_act_open_obligations=21
    )
    page = parse(client.get(reverse("projects:detail", args=[world.proposal.pk])))
    assert page.text("#ai-act-tier") == "High-risk"
    assert page.text("#ai-act-open") == "21 open duties"
    assert reverse("regulation:result", args=[world.proposal.pk]) in page.hrefs("#ai-act")


def test_the_proposal_page_says_a_prohibited_use_is_not_a_fit(world):
    Proposal.objects.filter(pk=world.proposal.pk).update(
        suitability_verdict="good_fit", ai_act_tier="prohibited", ai_act_articles="Article 5(1)(c)"
    )
    page = parse(world.client_for(world.member).get(reverse("projects:detail", args=[world.proposal.pk])))
    assert page.text("#decision-summary").startswith(
        "The decision so far: Not a fit: the EU AI Act triage finds this use prohibited (Article 5(1)(c))"
    )


def test_the_proposal_page_costs_no_query_for_the_panel(world):
    client = world.client_for(world.member)
    url = reverse("projects:detail", args=[world.proposal.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    Proposal.objects.filter(pk=world.proposal.pk).update(ai_act_tier="minimal", ai_act_open_obligations=1)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


@pytest.fixture
def tiers(world):
    make = ProposalFactory
    org, owner = world.org, world.owner
    make(organisation=org, owner=owner, title="Screen CVs", suitability_verdict="good_fit", ai_act_tier="high_risk")
    make(
        organisation=org,
        owner=owner,
        title="Score citizens",
        suitability_verdict="good_fit",
        suitability_fraction=0.9,
        estimated_value=10_000,
        ai_act_tier="prohibited",
        ai_act_articles="Article 5(1)(c)",
    )
    make(organisation=org, owner=owner, title="Chat with customers", ai_act_tier="transparency")
    make(organisation=org, owner=owner, title="Forecast demand", suitability_verdict="good_fit", ai_act_tier="minimal")


def titles(response) -> list[str]:
    return sorted(row.title for row in response.context["rows"])


def test_the_portfolio_filters_by_tier_and_counts_a_prohibited_use_not_a_fit(world, tiers):
    client = world.client_for(world.member)
    assert titles(client.get(PORTFOLIO, {"ai_act": "high_risk"})) == ["Screen CVs"]
    assert titles(client.get(PORTFOLIO, {"ai_act": "none"})) == ["Route support tickets"]
    assert titles(client.get(PORTFOLIO, {"verdict": "not_a_fit"})) == ["Score citizens"]
    assert titles(client.get(PORTFOLIO, {"verdict": "good_fit"})) == ["Forecast demand", "Screen CVs"]
    response = client.get(PORTFOLIO)
    assert dict(response.context["summary"].rows[0].counts)["not_a_fit"] == 1
    # Not plotted: its score would put a use the law forbids among the most suitable.
    assert response.context["summary"].unplotted >= 1
    rows = {row.title: row for row in response.context["rows"]}
    assert rows["Score citizens"].verdict == "not_a_fit" and rows["Screen CVs"].ai_act_label == "High-risk"
    page = parse(response)
    table = {row["Title"]: row for row in page.table(".portfolio-table")}
    assert table["Screen CVs"]["EU AI Act"] == "High-risk 0 open"
    assert table["Score citizens"]["Verdict"] == "Not a fit prohibited (Article 5(1)(c))"
    assert table["Route support tickets"]["EU AI Act"] == "Not triaged"
    assert client.get(PORTFOLIO, {"ai_act": "banned"}).status_code == 400


def test_the_csv_has_the_tier(world, tiers):
    response = world.client_for(world.member).get(reverse("projects:portfolio_csv"))
    rows = {r["title"]: r for r in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))}
    assert rows["Score citizens"]["verdict"] == "not_a_fit"
    assert (rows["Screen CVs"]["EU AI Act tier"], rows["Screen CVs"]["open EU AI Act duties"]) == ("high_risk", "0")


def test_the_tier_filter_costs_no_query_more(world, tiers):
    client = world.client_for(world.member)
    client.get(PORTFOLIO)

    def count(params=None) -> int:
        from django.core.cache import cache

        cache.clear()  # counted, not served from the cache
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PORTFOLIO, params or {}).status_code == 200
        return len(captured)

    # The same queries as tests/projects/test_portfolio.py counts: the filter is a WHERE, not a query.
    assert count() == count({"ai_act": "prohibited", "verdict": "not_a_fit"}) == count({"ai_act": "none"})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the portfolio cache is kept on PostgreSQL only")
def test_the_tier_filter_is_part_of_the_cached_question(world, tiers):
    from django.core.cache import cache

    cache.clear()
    client = world.client_for(world.admin)
    assert titles(client.get(PORTFOLIO, {"ai_act": "minimal"})) == ["Forecast demand"]
    # Same page, other tier: not the cached answer of the first.
    assert "Screen CVs" in parse(client.get(PORTFOLIO, {"ai_act": "high_risk"})).text(".portfolio-table")
    assert "Screen CVs" not in parse(client.get(PORTFOLIO, {"ai_act": "minimal"})).text(".portfolio-table")


def test_the_suitability_result_says_a_prohibited_use_is_not_a_fit(world, questionnaire_version):
    from tests.factories import assess

    assessment = assess(world.proposal, world.owner)
    Proposal.objects.filter(pk=world.proposal.pk).update(ai_act_tier="prohibited", ai_act_articles="Article 5(1)(a)")
    url = reverse("assessments:result", args=[world.proposal.pk, assessment.pk])
    page = parse(world.client_for(world.member).get(url))
    assert "prohibited (Article 5(1)(a))" in page.text("#ai-act-prohibited")
