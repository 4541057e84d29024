"""Signing in and out, switching organisations, roles and API tokens."""

from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, Membership, Role
from audit.models import AuditEntry
from tests.conftest import membership
from tests.factories import MembershipFactory, ProposalFactory
from tests.html import parse


def proposals_listed(client) -> list[str]:
    """The titles in the proposal list's table."""
    return [row["Title"] for row in parse(client.get(reverse("projects:list"))).table("#results table")]


def test_sign_in_with_email_and_password(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "member@acme.test", "password": "password-for-tests"})
    assert response.status_code == 302
    assert client.get(reverse("projects:list")).status_code == 200


def test_a_wrong_password_is_refused_with_the_email_kept(world):
    response = Client().post(reverse("login"), {"username": "member@acme.test", "password": "nope"})
    assert response.status_code == 200
    page = parse(response)
    assert page.form_values("main form")["username"] == "member@acme.test"
    assert "correct email" in page.text("main form div.alert.error").lower()


def test_sign_out_needs_a_post(world):
    client = world.client_for(world.member)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("projects:list")).status_code == 302


def test_password_reset_sends_an_email_with_a_link(world):
    Client().post(reverse("password_reset"), {"email": "member@acme.test"})
    assert len(mail.outbox) == 1
    assert "/password/reset/" in mail.outbox[0].body


def test_a_person_in_two_organisations_switches_between_them(world):
    MembershipFactory(user=world.outsider, organisation=world.org, role=Role.MEMBER)
    ProposalFactory(organisation=world.other_org, owner=world.outsider, title="Globex plan")
    client = world.client_for(world.outsider)
    client.post(reverse("accounts:switch"), {"organisation": world.org.pk})
    assert proposals_listed(client) == ["Route support tickets"]
    client.post(reverse("accounts:switch"), {"organisation": world.other_org.pk})
    assert proposals_listed(client) == ["Globex plan"]
    assert not parse(client.get(reverse("projects:list"))).shows("Route support tickets")
    # While in Globex, Acme's proposal is out of reach even by URL.
    assert client.get(reverse("projects:detail", args=[world.proposal.pk])).status_code == 404


def test_switching_to_an_organisation_you_are_not_in_changes_nothing(world):
    client = world.client_for(world.member)
    response = client.post(reverse("accounts:switch"), {"organisation": world.other_org.pk}, follow=True)
    assert "not a member" in parse(response).text("ul.messages")
    assert response.context["organisation"] == world.org


def test_a_person_without_organisation_is_told_what_to_do(db):
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory())
    response = client.get(reverse("projects:list"), follow=True)
    assert parse(response).text("main h1") == "You are not in an organisation yet"


def test_an_admin_changes_a_role_but_not_their_own_admin(world):
    client = world.client_for(world.admin)
    member = membership(world.member, world.org)
    client.post(reverse("membership_role", args=[member.pk]), {"role": "reviewer"})
    member.refresh_from_db()
    assert member.role == Role.REVIEWER
    entry = AuditEntry.objects.get(action="membership.role_changed")
    assert (entry.actor, entry.before, entry.after) == (world.admin, {"role": "member"}, {"role": "reviewer"})
    own = membership(world.admin, world.org)
    response = client.post(reverse("membership_role", args=[own.pk]), {"role": "member"}, follow=True)
    assert "cannot remove your own admin role" in parse(response).text("ul.messages")
    own.refresh_from_db()
    assert own.role == Role.ADMIN
    assert AuditEntry.objects.filter(action="membership.role_changed").count() == 1


def test_role_change_tenancy(world):
    target = membership(world.member, world.org)
    url = reverse("membership_role", args=[target.pk])
    assert world.client_for(world.outsider).post(url, {"role": "admin"}).status_code == 404
    assert world.client_for(world.reviewer).post(url, {"role": "admin"}).status_code == 403
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_api_tokens_are_shown_once_and_revoked_by_their_owner_or_an_admin(world):
    client = world.client_for(world.member)
    response = client.post(reverse("accounts:api_tokens"), {"name": "laptop"})
    raw = response.context["raw"]
    assert raw.startswith("mlf_")
    token = ApiToken.objects.get()
    assert raw not in token.token_hash
    url = reverse("api_token_revoke", args=[token.pk])
    assert world.client_for(world.outsider).post(url).status_code == 404  # another organisation's admin
    assert world.client_for(world.owner).post(url).status_code == 404
    assert world.client_for(world.reviewer).post(url).status_code == 404
    assert client.post(url).status_code == 302
    assert not ApiToken.objects.exists()
    # Revoking one's own token is not an organisation event.
    assert not AuditEntry.objects.filter(action="api_token.revoked").exists()


def test_an_admin_sees_and_revokes_other_members_tokens(world):
    token, _ = ApiToken.issue(membership=membership(world.member, world.org), name="build server")
    ApiToken.issue(membership=membership(world.outsider, world.other_org), name="globex laptop")
    admin = world.client_for(world.admin)
    page = parse(admin.get(reverse("accounts:api_tokens")))
    (row,) = page.table("h2 + p + table")  # everyone else's tokens
    assert (row["Member"], row["Name"]) == (f"{world.member} member@acme.test", "build server")
    assert not page.shows("globex laptop")
    # Members see only their own.
    assert not parse(world.client_for(world.owner).get(reverse("accounts:api_tokens"))).shows("Everyone else")
    response = admin.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert f"Token build server of {world.member} revoked." in parse(response).texts("ul.messages li")
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    entry = AuditEntry.objects.get(action="api_token.revoked")
    assert entry.actor == world.admin
    assert entry.before == {"owner": "member@acme.test", "name": "build server", "prefix": token.prefix}


def test_memberships_are_unique_per_organisation(world):
    assert Membership.objects.filter(user=world.member, organisation=world.org).count() == 1
