"""The demo data gives the portfolio and calibration pages something to show, once."""

import io

from django.core.management import call_command

from accounts.models import Organisation
from projects.models import Outcome, Proposal


def test_seed_demo_fills_the_portfolio_once(db):
    call_command("seed_demo", stdout=io.StringIO())
    demo = Organisation.objects.get(slug="demo")
    proposals = Proposal.objects.filter(organisation=demo)
    counts = (proposals.count(), Outcome.objects.filter(proposal__organisation=demo).count())
    assert counts[0] >= 60 and counts[1] >= 5
    assert proposals.filter(estimated_value__isnull=False).count() >= counts[0] * 0.8
    assert len(set(proposals.values_list("status", flat=True))) >= 6
    assert len(set(proposals.values_list("suitability_verdict", flat=True))) == 4
    call_command("seed_demo", stdout=io.StringIO())
    assert (proposals.count(), Outcome.objects.filter(proposal__organisation=demo).count()) == counts


def test_bench_organisations_can_be_named_and_topped_up(db):
    call_command("seed_demo", "--proposals", "30", "--organisations", "1", "--prefix", "pf", stdout=io.StringIO())
    call_command("seed_demo", "--proposals", "20", "--organisations", "1", "--prefix", "pf", stdout=io.StringIO())
    org = Organisation.objects.get(slug="pf-1")
    titles = list(org.proposals.values_list("title", flat=True))
    assert len(titles) == len(set(titles)) == 50


def test_seed_demo_leaves_the_ticket_router_in_review(db):
    from projects.models import Proposal
    from stakeholders.models import SignOff

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # again: nothing more
    router = Proposal.objects.get(organisation__slug="demo", title="Route support tickets to the right queue")
    assert (router.status, router.review_round) == ("in_review", 1)
    assert [s.user.email for s in SignOff.objects.filter(proposal=router)] == ["reviewer@demo.mlfit.test"]
    waiting = sorted(router.awaiting_review_by.values_list("email", flat=True))
    assert waiting == ["admin@demo.mlfit.test", "legal@demo.mlfit.test"]
