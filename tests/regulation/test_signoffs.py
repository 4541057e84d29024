"""Sign-offs by EU AI Act tier (docs/methodology.md §12.12): the review policy can require a role's
sign-off for proposals in a tier, legal for prohibited and high-risk ones by default, and a
high-risk proposal is not approved without it, not even by an admin's override."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from projects import workflow
from projects.services import proposal_set_ai_act
from stakeholders.access import required_stakeholders
from stakeholders.models import Stakeholder, StakeRole
from stakeholders.review import approval_blockers, missing_roles
from stakeholders.services import stake_roles
from tests.html import parse
from tests.stakeholders.conftest import Review

HIGH_RISK_ARTICLES = "Article 6(2) and Annex III point 4(a)"


def high_risk(proposal):
    proposal_set_ai_act(proposal=proposal, tier="high_risk", articles=HIGH_RISK_ARTICLES, open_obligations=20)


@pytest.fixture
def review(world) -> Review:
    return Review(world)


@pytest.fixture
def legal_only_by_tier(review):
    """The policy with legal not always required: only for the tiers the default names."""
    StakeRole.objects.filter(organisation=review.world.org, key="legal").update(signoff_required=False)
    return review


def test_by_default_legal_signs_off_prohibited_and_high_risk_proposals(world):
    roles = {r.key: r for r in stake_roles(organisation=world.org)}
    assert roles["legal"].signoff_tiers == ["prohibited", "high_risk"]
    assert all(r.signoff_tiers == [] for key, r in roles.items() if key != "legal")


def test_a_high_risk_proposal_requires_the_legal_signoff(legal_only_by_tier):
    review = legal_only_by_tier
    assert "legal" not in {s.role.key for s in required_stakeholders(proposal=review.proposal)}
    high_risk(review.proposal)
    assert "legal" in {s.role.key for s in required_stakeholders(proposal=review.proposal)}
    review.submit()
    assert review.legal in review.proposal.awaiting_review_by.all()
    review.act(review.world.reviewer, "approve", reason="Fine for product.")
    review.act(review.ml, "approve", reason="Buildable.")
    assert review.proposal.status == workflow.IN_REVIEW  # legal has not signed
    review.act(review.legal, "approve", reason="Annex III duties planned; checklist reviewed.")
    assert review.proposal.status == workflow.APPROVED


def test_a_high_risk_proposal_cannot_be_submitted_without_a_legal_stakeholder(legal_only_by_tier):
    review = legal_only_by_tier
    Stakeholder.objects.filter(proposal=review.proposal, role__key="legal").delete()
    high_risk(review.proposal)
    assert [r.key for r in missing_roles(proposal=review.proposal)] == ["legal"]
    response = review.act(review.world.owner, "submit", status=409)
    assert "Legal" in parse(response).text("#review-error")


def test_a_tier_reached_after_submission_holds_the_approval_until_legal_signs(legal_only_by_tier):
    review = legal_only_by_tier
    Stakeholder.objects.filter(proposal=review.proposal, role__key="legal").delete()
    review.submit()
    high_risk(review.proposal)  # the triage, answered during the review
    (hard,) = [b for b in approval_blockers(proposal=review.proposal) if b.hard]
    assert hard.key == "ai_act_signoff:legal" and HIGH_RISK_ARTICLES in hard.label
    page = review.page(review.ml)
    assert page.has("#approval-blockers li.hard[data-key='ai_act_signoff:legal']")
    # No acknowledgement field for it: only the sign-off lifts it.
    assert not page.has("textarea[name='ack-ai_act_signoff:legal']")
    review.act(review.world.reviewer, "approve", reason="Fine for product.")
    response = review.act(review.ml, "approve", reason="Buildable.", status=409)
    assert "cannot be approved without the approval of Legal" in parse(response).text("#review-error")
    assert review.proposal.status == workflow.IN_REVIEW
    # Acknowledging it by hand is refused too, and so is an admin's override.
    review.post(review.ml, {"action": "approve", "reason": "x", "ack-ai_act_signoff:legal": "Trust me."}, status=400)
    review.act(review.world.admin, "override_approve", reason="Board decision.", status=409)
    assert review.proposal.status == workflow.IN_REVIEW
    # Legal named and approving lifts it: the proposal is approved on the last sign-off.
    Stakeholder.objects.create(
        organisation=review.world.org,
        proposal=review.proposal,
        user=review.legal,
        name="Legal",
        email=review.legal.email,
        role=review.roles["legal"],
    )
    review.act(review.legal, "approve", reason="Checklist reviewed.")
    review.act(review.ml, "approve", reason="Buildable.")
    assert review.proposal.status == workflow.APPROVED


def test_a_prohibited_use_is_a_not_a_fit_blocker_naming_the_article(review):
    proposal_set_ai_act(proposal=review.proposal, tier="prohibited", articles="Article 5(1)(c)", open_obligations=2)
    (blocker,) = [b for b in approval_blockers(proposal=review.proposal) if b.key == "not_a_fit"]
    assert "prohibited (Article 5(1)(c))" in blocker.label
    assert blocker.url == reverse("regulation:result", args=[review.proposal.pk])


def test_the_review_policy_page_sets_the_roles_per_tier(review, world):
    url = reverse("review_policy")
    page = parse(world.client_for(world.admin).get(url))
    legal = review.roles["legal"]
    assert page.one("#role-legal-high_risk")["value"] == str(legal.pk)
    assert "checked" in page.one("#role-legal-high_risk").attrs
    data = {
        "required": [review.roles["product"].pk],
        "tier-high_risk": [legal.pk, review.roles["leadership"].pk],
        "tier-transparency": [review.roles["product"].pk],
    }
    assert world.client_for(world.admin).post(url, data).status_code == 302
    roles = {r.key: r for r in stake_roles(organisation=world.org)}
    assert roles["legal"].signoff_tiers == ["high_risk"] and not roles["legal"].signoff_required
    assert roles["leadership"].signoff_tiers == ["high_risk"]
    assert roles["product"].signoff_tiers == ["transparency"] and roles["product"].signoff_required
    entry = AuditEntry.objects.get(action="organisation.review_policy")
    assert entry.after["legal"] == {"always": False, "tiers": ["high_risk"]}
    # A bad id changes nothing and is a 400.
    assert world.client_for(world.admin).post(url, {"tier-high_risk": ["x"]}).status_code == 400
    assert StakeRole.objects.get(pk=legal.pk).signoff_tiers == ["high_risk"]


def test_another_organisations_role_ids_change_nothing(review, world):
    legal = review.roles["legal"]
    response = world.client_for(world.outsider).post(reverse("review_policy"), {"tier-minimal": [legal.pk]})
    assert response.status_code == 302
    assert StakeRole.objects.get(pk=legal.pk).signoff_tiers == ["prohibited", "high_risk"]
