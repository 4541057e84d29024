"""Who sees a proposal: the whole organisation, its team, or only its owner, stakeholders and admins."""

from django.urls import reverse

from projects.models import Proposal, Visibility
from projects.services import proposal_grant_access
from tests.factories import TeamFactory


def titles(client) -> list[str]:
    return [row.title for row in client.get(reverse("projects:list")).context["rows"]]


def test_an_organisation_wide_proposal_is_seen_by_every_member(world):
    assert world.client_for(world.member).get(reverse("projects:detail", args=[world.proposal.pk])).status_code == 200


def test_a_private_proposal_is_hidden_from_other_members_as_if_it_did_not_exist(world):
    Proposal.objects.filter(pk=world.proposal.pk).update(visibility=Visibility.PRIVATE)
    url = reverse("projects:detail", args=[world.proposal.pk])
    assert world.client_for(world.member).get(url).status_code == 404
    assert world.client_for(world.reviewer).get(url).status_code == 404
    assert "Route support tickets" not in titles(world.client_for(world.member))
    # The owner and the admins still see it.
    assert world.client_for(world.owner).get(url).status_code == 200
    assert world.client_for(world.admin).get(url).status_code == 200
    # So do its reports, stakeholders and assessment pages: all go through the same helper.
    for name in ("reports:list", "stakeholders:list", "assessments:home"):
        assert world.client_for(world.member).get(reverse(name, args=[world.proposal.pk])).status_code == 404


def test_a_stakeholder_who_is_a_member_sees_a_private_proposal(world):
    Proposal.objects.filter(pk=world.proposal.pk).update(visibility=Visibility.PRIVATE)
    proposal_grant_access(proposal=world.proposal, user=world.member)
    assert world.client_for(world.member).get(reverse("projects:detail", args=[world.proposal.pk])).status_code == 200
    assert "Route support tickets" in titles(world.client_for(world.member))


def test_a_team_proposal_is_seen_by_the_team_only(world):
    team = TeamFactory(organisation=world.org, name="Support")
    team.members.add(world.member)
    Proposal.objects.filter(pk=world.proposal.pk).update(visibility=Visibility.TEAM, team=team)
    url = reverse("projects:detail", args=[world.proposal.pk])
    assert world.client_for(world.member).get(url).status_code == 200
    assert world.client_for(world.reviewer).get(url).status_code == 404


def test_the_api_applies_the_same_rule(world):
    from django.test import Client

    from accounts.models import ApiToken
    from tests.conftest import membership

    Proposal.objects.filter(pk=world.proposal.pk).update(visibility=Visibility.PRIVATE)
    _, raw = ApiToken.issue(membership=membership(world.member, world.org))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(f"/api/proposals/{world.proposal.pk}").status_code == 404
    assert client.get("/api/proposals").json()["count"] == 0


def test_the_list_shows_each_proposal_once_however_many_ways_it_is_shared(world):
    team = TeamFactory(organisation=world.org)
    team.members.add(world.owner)
    Proposal.objects.filter(pk=world.proposal.pk).update(visibility=Visibility.TEAM, team=team)
    proposal_grant_access(proposal=world.proposal, user=world.owner)
    assert titles(world.client_for(world.owner)) == ["Route support tickets"]
