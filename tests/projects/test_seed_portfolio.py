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
