"""An admin takes a person out of the organisation: access, tokens and team places go at once;
what they wrote stays; reviews waiting on them are named; the removal is in the audit trail."""

from django.urls import reverse

from accounts.models import ApiToken, Membership, Role, Team
from audit.models import AuditEntry
from projects.models import ProposalStatus
from tests.conftest import membership
from tests.html import parse


def _remove_url(world, user):
    return reverse("membership_remove", args=[membership(user, world.org).pk])


def test_an_admin_removes_a_member_who_then_sees_nothing(world):
    leaving = world.client_for(world.owner)
    assert leaving.get(reverse("projects:detail", args=[world.proposal.pk])).status_code == 200
    _, raw = ApiToken.issue(membership=membership(world.owner, world.org), name="laptop")
    team = Team.objects.create(organisation=world.org, name="Support")
    team.members.add(world.owner, world.member)
    world.proposal.status = ProposalStatus.IN_REVIEW
    world.proposal.save(update_fields=["status"])
    world.proposal.awaiting_review_by.add(world.owner, world.reviewer)

    response = world.client_for(world.admin).post(_remove_url(world, world.owner), follow=True)

    assert response.status_code == 200
    said = parse(response).text("ul.messages")
    assert "no longer has access" in said
    # The review still needs that sign-off: it is named, and left waiting for an admin to settle.
    assert "1 review(s) still wait on their sign-off: “Route support tickets”" in said
    assert not Membership.objects.filter(user=world.owner, organisation=world.org).exists()
    # The session they already had no longer opens anything of the organisation's.
    assert leaving.get(reverse("projects:detail", args=[world.proposal.pk])).status_code == 302
    assert leaving.get(reverse("projects:list"), follow=True).redirect_chain[-1][0] == reverse(
        "accounts:no_organisation"
    )
    # Nor does their API token.
    api = world.client_for(world.member)
    api.logout()
    assert api.get("/api/proposals", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert not ApiToken.objects.exists()
    assert list(team.members.all()) == [world.member]
    assert set(world.proposal.awaiting_review_by.all()) == {world.owner, world.reviewer}
    # What they wrote stays, under their name.
    world.proposal.refresh_from_db()
    assert world.proposal.owner == world.owner
    entry = AuditEntry.objects.get(action="membership.removed")
    assert entry.actor == world.admin
    assert entry.before == {"email": "owner@acme.test", "role": "member", "api_tokens": 1}


def test_an_admin_cannot_remove_themselves(world):
    client = world.client_for(world.admin)
    response = client.post(_remove_url(world, world.admin), follow=True)
    assert "cannot remove yourself" in parse(response).text("ul.messages")
    assert Membership.objects.filter(user=world.admin, organisation=world.org, role=Role.ADMIN).exists()
    assert not AuditEntry.objects.filter(action="membership.removed").exists()


def test_removal_tenancy(world):
    url = _remove_url(world, world.member)
    assert world.client_for(world.outsider).post(url).status_code == 404  # another organisation's admin
    assert world.client_for(world.reviewer).post(url).status_code == 403
    assert world.client_for(world.member).post(url).status_code == 403
    assert world.client_for(world.admin).get(url).status_code == 405
    assert world.client_for(world.admin).post(reverse("membership_remove", args=[999_999])).status_code == 404
    assert Membership.objects.filter(user=world.member, organisation=world.org).exists()


def test_the_members_page_offers_removal_for_everyone_but_yourself(world):
    page = parse(world.client_for(world.admin).get(reverse("accounts:members")))
    actions = [form["action"] for form in page.all("form[action]")]
    assert _remove_url(world, world.member) in actions
    assert _remove_url(world, world.admin) not in actions


def test_admin_actions_on_members_are_in_the_audit_export(world):
    admin = world.client_for(world.admin)
    admin.post(reverse("membership_role", args=[membership(world.member, world.org).pk]), {"role": "reviewer"})
    admin.post(_remove_url(world, world.owner))
    response = admin.get(reverse("projects:audit_export") + "?format=csv")
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert "membership.role_changed" in body and "membership.removed" in body
    assert "owner@acme.test" in body
