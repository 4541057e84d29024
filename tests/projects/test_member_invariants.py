"""Membership invariants: an organisation always keeps an admin, even when two admins demote or
remove each other at the same moment (PostgreSQL, two threads), and a removal closes every way in."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Role
from accounts.services import MembershipChangeError, membership_remove, membership_set_role
from projects.models import Visibility
from projects.services import proposal_grant_access
from tests.concurrency import Holder, at_once, in_thread, require_postgresql, still_waiting
from tests.conftest import membership
from tests.factories import MembershipFactory


@pytest.fixture
def two_admins(world):
    second = MembershipFactory(organisation=world.org, role=Role.ADMIN, user__email="admin2@acme.test").user
    return world.admin, second


def admins(world) -> list[str]:
    return sorted(
        Membership.objects.filter(organisation=world.org, role=Role.ADMIN).values_list("user__email", flat=True)
    )


def demote(target, by, world):
    return lambda: membership_set_role(membership=membership(target, world.org), role=Role.MEMBER, by=by)


def remove(target, by, world):
    return lambda: membership_remove(membership=membership(target, world.org), by=by)


# Without PostgreSQL: an admin demoted or removed meanwhile acts no more.


def test_an_admin_demoted_meanwhile_cannot_demote_the_one_who_demoted_them(world, two_admins):
    first, second = two_admins
    stale = membership(first, world.org)  # the page the second admin opened before being demoted
    membership_set_role(membership=membership(second, world.org), role=Role.MEMBER, by=first)
    with pytest.raises(MembershipChangeError, match="admin role was changed meanwhile"):
        membership_set_role(membership=stale, role=Role.MEMBER, by=second)
    assert admins(world) == ["admin@acme.test"]


def test_removing_someone_removed_meanwhile_says_so(world, two_admins):
    first, second = two_admins
    stale = membership(world.member, world.org)
    membership_remove(membership=membership(world.member, world.org), by=first)
    with pytest.raises(MembershipChangeError, match="removed meanwhile"):
        membership_remove(membership=stale, by=second)


# PostgreSQL, two threads.


@pytest.mark.parametrize(
    ("first_action", "second_action"),
    [(demote, demote), (remove, remove), (demote, remove), (remove, demote)],
    ids=["demote-demote", "remove-remove", "demote-remove", "remove-demote"],
)
def test_two_admins_acting_on_each_other_at_once_leave_one_admin(
    transactional_db, world, two_admins, first_action, second_action
):
    require_postgresql()
    first, second = two_admins
    # The first admin's change is made and held uncommitted; the second admin's, against the
    # first, must wait for it (the admin rows are locked), then find its actor no longer admin.
    holder = Holder(first_action(second, first, world))
    other = in_thread(second_action(first, second, world))
    assert still_waiting(other), "the second change did not wait for the first"
    holder.release()
    with pytest.raises(MembershipChangeError):
        other.result(10)
    assert admins(world) == ["admin@acme.test"]


def test_many_rounds_of_mutual_demotion_started_together_always_leave_an_admin(transactional_db, world, two_admins):
    require_postgresql()
    first, second = two_admins
    for _ in range(5):
        futures = at_once(demote(second, first, world), demote(first, second, world))
        outcomes = []
        for future in futures:
            try:
                future.result(10)
                outcomes.append("done")
            except MembershipChangeError:
                outcomes.append("refused")
        assert sorted(outcomes) == ["done", "refused"]
        assert len(admins(world)) == 1
        Membership.objects.filter(organisation=world.org, user__in=[first, second]).update(role=Role.ADMIN)


# Every way in closes with the removal.


def test_a_removal_takes_back_private_proposals_opened_to_them_and_pending_invitations(world):
    world.proposal.visibility = Visibility.PRIVATE
    world.proposal.save()
    proposal_grant_access(proposal=world.proposal, user=world.member, by=world.owner)
    pending = Invitation.objects.create(
        organisation=world.org,
        email="Member@acme.test",
        role=Role.ADMIN,
        token_hash="x" * 64,
        invited_by=world.admin,
        expires_at=Invitation.default_expiry(),
    )
    elsewhere = Invitation.objects.create(
        organisation=world.other_org,
        email="member@acme.test",
        token_hash="y" * 64,
        invited_by=world.outsider,
        expires_at=Invitation.default_expiry(),
    )
    world.client_for(world.admin).post(reverse("membership_remove", args=[membership(world.member, world.org).pk]))
    assert not world.proposal.readers.filter(pk=world.member.pk).exists()
    pending.refresh_from_db()
    elsewhere.refresh_from_db()
    assert not pending.is_usable  # else they could walk back in, as an admin at that
    assert pending.expires_at <= timezone.now()
    assert elsewhere.is_usable  # another organisation's invitation is not this one's to take back
    # Invited again and back, they do not find the private proposal opened to them any more.
    MembershipFactory(organisation=world.org, user=world.member, role=Role.MEMBER)
    page = world.client_for(world.member).get(reverse("projects:detail", args=[world.proposal.pk]))
    assert page.status_code == 404
