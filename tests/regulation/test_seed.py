"""The demo's high-risk proposal: triaged, one duty ticked, waiting for legal's sign-off."""

import io

from django.core.management import call_command

from projects.models import Proposal
from regulation.models import ObligationCheck
from stakeholders.review import approval_blockers


def test_the_demo_cv_screener_is_high_risk_and_waits_for_legal(db):
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # again: nothing more
    (screener,) = Proposal.objects.filter(organisation__slug="demo", title="Screen job applications for store roles")
    assert (screener.ai_act_tier, screener.ai_act_articles) == ("high_risk", "Article 6(2) and Annex III point 4(a)")
    assert ObligationCheck.objects.filter(proposal=screener, done=True).count() == 1
    assert screener.ai_act_open_obligations > 10
    assert (screener.status, screener.review_round) == ("in_review", 1)
    assert list(screener.awaiting_review_by.values_list("email", flat=True)) == ["legal@demo.mlfit.test"]
    assert [b.key for b in approval_blockers(proposal=screener) if b.hard] == ["ai_act_signoff:legal"]
