"""Stakeholders shared by the tests of this folder: the organisation's roles, a product owner from
outside and an ML engineer who is a member (test_views.py, test_api.py), and the review scenario
(test_review.py, test_review_blockers.py)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from stakeholders.models import Requirement, Stakeholder
from stakeholders.services import stake_roles, stakeholder_add
from tests.factories import MembershipFactory
from tests.html import parse


def link(stakeholder, raw):
    """The requirements link emailed to a stakeholder, as the views build it."""
    return f"http://testserver/requirements/{raw}/"


@pytest.fixture
def roles(world):
    return {r.key: r for r in stake_roles(organisation=world.org)}


@pytest.fixture
def product(world, roles):
    return stakeholder_add(
        proposal=world.proposal,
        role=roles["product"],
        by=world.owner,
        link_url=link,
        name="Pat Product",
        email="pat@example.test",
    )


@pytest.fixture
def engineer(world, roles):
    return stakeholder_add(
        proposal=world.proposal, role=roles["ml_engineering"], by=world.owner, link_url=link, user=world.member
    )


class Review:
    """The world's proposal with three required stakeholders (product, ML engineering, legal),
    each a reviewer member, plus a reviewer who is not a stakeholder."""

    def __init__(self, world):
        self.world = world
        self.proposal = world.proposal
        self.roles = {r.key: r for r in stake_roles(organisation=world.org)}
        self.ml = MembershipFactory(organisation=world.org, role=Role.REVIEWER, user__email="ml@acme.test").user
        self.legal = MembershipFactory(organisation=world.org, role=Role.REVIEWER, user__email="legal@acme.test").user
        self.bystander = MembershipFactory(organisation=world.org, role=Role.REVIEWER, user__email="by@acme.test").user
        self.signers = {"product": world.reviewer, "ml_engineering": self.ml, "legal": self.legal}
        self.stakeholders = {
            key: Stakeholder.objects.create(
                organisation=world.org,
                proposal=self.proposal,
                user=user,
                name=str(user),
                email=user.email,
                role=self.roles[key],
            )
            for key, user in self.signers.items()
        }
        # A requirement stated, so approving meets no blocker unless a test puts one there
        # (tests/stakeholders/test_review_blockers.py tests them).
        Requirement.objects.create(
            organisation=world.org,
            stakeholder=self.stakeholders["product"],
            dimension="latency",
            op="<=",
            value=0.2,
            unit="s",
        )

    @property
    def url(self) -> str:
        return reverse("review", args=[self.proposal.pk])

    def post(self, user, data: dict, status: int = 302):
        response = self.world.client_for(user).post(self.url, data)
        assert response.status_code == status, parse(response).text()[:2000]
        self.proposal.refresh_from_db()
        return response

    def act(self, user, action, reason="", status=302):
        return self.post(user, {"action": action, "reason": reason}, status)

    def submit(self):
        return self.act(self.world.owner, "submit")

    def page(self, user):
        """The review page as `user` sees it, parsed."""
        return parse(self.world.client_for(user).get(self.url))


@pytest.fixture
def review(world) -> Review:
    return Review(world)
