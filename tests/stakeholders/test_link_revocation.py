"""A member's emailed requirements link stops working when they are removed: it opens nothing and
replaces nothing, and coming back later does not revive it. Outside stakeholders' links are not
touched. On PostgreSQL, a removal arriving while the link's answers are being saved waits for them."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.services import membership_remove
from projects.models import Visibility
from questionnaires.versions import sync_from_files
from stakeholders.models import Requirement, Stakeholder
from stakeholders.services import (
    StakeholderLinkError,
    requirements_replace,
    stake_roles,
    stakeholder_add,
    stakeholder_for_link,
    stakeholder_invite,
)
from tests.concurrency import Holder, in_thread, require_postgresql, still_waiting
from tests.conftest import membership
from tests.factories import MembershipFactory
from tests.html import parse

ANSWERS = {
    "latency_priority": "must",
    "latency_target": "100",
    **{
        f"{name}_priority": "none"
        for name in (
            "quality",
            "throughput",
            "cost",
            "time_to_release",
            "interpretability",
            "fairness",
            "freshness",
            "deployment",
            "model_size",
            "privacy",
        )
    },
}
LATENCY_200 = {"dimension": "latency", "op": "<=", "value": 200, "unit": "ms", "must_have": True, "weight": 5}


def invite(stakeholder, by) -> str:
    """Send the stakeholder a fresh link; its path."""
    captured = {}

    def url(_stakeholder, raw):
        captured["raw"] = raw
        return raw

    stakeholder_invite(stakeholder=stakeholder, by=by, link_url=url)
    return reverse("requirements_link", args=[captured["raw"]])


@pytest.fixture
def private_proposal(world):
    sync_from_files()
    world.proposal.visibility = Visibility.PRIVATE
    world.proposal.save()
    return world.proposal


@pytest.fixture
def member_stakeholder(world, private_proposal):
    roles = {r.key: r for r in stake_roles(organisation=world.org)}
    stakeholder = stakeholder_add(
        proposal=private_proposal,
        role=roles["ml_engineering"],
        by=world.owner,
        link_url=lambda s, r: r,
        user=world.member,
    )
    requirements_replace(stakeholder=stakeholder, requirements=[LATENCY_200], objectives=[], by=world.member)
    return stakeholder


def remove(world, user) -> None:
    response = world.client_for(world.admin).post(reverse("membership_remove", args=[membership(user, world.org).pk]))
    assert response.status_code == 302


def latency(stakeholder) -> list:
    return list(Requirement.objects.filter(stakeholder=stakeholder).values_list("value", flat=True))


def test_a_removed_members_link_opens_nothing_and_replaces_nothing(world, member_stakeholder):
    path = invite(member_stakeholder, world.owner)
    assert Client().get(path).status_code == 200  # it worked while they were a member
    remove(world, world.member)

    page = Client().get(path)
    assert page.status_code == 404
    shown = parse(page)
    assert shown.text("main h1") == "This link cannot be used"
    assert "not valid any more" in shown.text("main .narrow p")
    assert not shown.shows(world.proposal.title)
    submitted = Client().post(path, {"_shown": list(ANSWERS), **ANSWERS, "action": "submit"})
    assert submitted.status_code == 404
    assert latency(member_stakeholder) == [200]
    # Signed in as themselves makes no difference.
    assert world.client_for(world.member).post(path, {"_shown": list(ANSWERS), **ANSWERS}).status_code == 404


def test_coming_back_does_not_revive_an_old_link_but_a_new_one_works(world, member_stakeholder):
    old = invite(member_stakeholder, world.owner)
    remove(world, world.member)
    MembershipFactory(organisation=world.org, user=world.member, role=Role.MEMBER)
    assert Client().get(old).status_code == 404
    new = invite(Stakeholder.objects.get(pk=member_stakeholder.pk), world.owner)
    response = Client().post(new, {"_shown": list(ANSWERS), **ANSWERS, "action": "submit"})
    assert response.status_code == 200
    assert latency(member_stakeholder) == [100]


def test_an_outside_stakeholders_link_is_untouched_by_a_members_removal(world, private_proposal):
    roles = {r.key: r for r in stake_roles(organisation=world.org)}
    outside = stakeholder_add(
        proposal=private_proposal,
        role=roles["legal"],
        by=world.owner,
        link_url=lambda s, r: r,
        name="Lee Legal",
        email="member@acme.test",  # even one who shares a removed member's address
    )
    path = invite(outside, world.owner)
    remove(world, world.member)
    response = Client().post(path, {"_shown": list(ANSWERS), **ANSWERS, "action": "submit"})
    assert response.status_code == 200
    assert latency(outside) == [100]


def test_a_removal_waits_for_answers_being_saved_through_the_link(transactional_db, world, member_stakeholder):
    require_postgresql()
    token = invite(member_stakeholder, world.owner).rstrip("/").rsplit("/", 1)[1]
    # The link's save holds the stakeholder and the membership; the removal must wait for it.
    holder = Holder(lambda: stakeholder_for_link(token=token, hold=True))
    removal = in_thread(lambda: membership_remove(membership=membership(world.member, world.org), by=world.admin))
    assert still_waiting(removal), "the removal did not wait for the link's save"
    holder.release()
    removal.result(10)
    with pytest.raises(StakeholderLinkError):
        stakeholder_for_link(token=token)


def test_a_link_save_after_a_removal_committed_is_refused(transactional_db, world, member_stakeholder):
    require_postgresql()
    token = invite(member_stakeholder, world.owner).rstrip("/").rsplit("/", 1)[1]
    holder = Holder(lambda: membership_remove(membership=membership(world.member, world.org), by=world.admin))

    def save_through_link():
        with transaction.atomic():
            return stakeholder_for_link(token=token, hold=True)

    save = in_thread(save_through_link)
    assert still_waiting(save), "the link's save did not wait for the removal"
    holder.release()
    with pytest.raises(StakeholderLinkError):
        save.result(10)
