"""Every assessment view with an id: outsiders 404, members who may not answer 403, owner allowed."""

import pytest
from django.urls import reverse

from suitability.services import assessment_start
from tests.factories import ProposalFactory


@pytest.fixture
def assessment(world, questionnaire_version):
    return assessment_start(proposal=world.proposal, by=world.owner)


def urls(world, assessment):
    p, a = world.proposal.pk, assessment.pk
    first = assessment.current_section
    return {
        "home": ("get", reverse("assessments:home", args=[p])),
        "start": ("post", reverse("assessments:start", args=[p])),
        "section": ("get", reverse("assessments:section", args=[p, a, first])),
        "section_post": ("post", reverse("assessments:section", args=[p, a, first])),
        "review": ("get", reverse("assessments:review", args=[p, a])),
        "complete": ("post", reverse("assessments:complete", args=[p, a])),
        "result": ("get", reverse("assessments:result", args=[p, a])),
        "upgrade": ("post", reverse("assessments:upgrade", args=[p, a])),
    }


WRITE = {"start", "section", "section_post", "review", "complete", "upgrade"}
READ = {"home", "result"}


def call(client, method, url):
    return getattr(client, method)(url, {"_shown": ["answer_is_stored"], "answer_is_stored": "yes"})


@pytest.mark.parametrize("name", sorted(WRITE | READ))
def test_outsiders_get_404(world, assessment, name):
    method, url = urls(world, assessment)[name]
    assert call(world.client_for(world.outsider), method, url).status_code == 404


@pytest.mark.parametrize("name", sorted(WRITE))
def test_members_who_do_not_own_the_proposal_get_403(world, assessment, name):
    method, url = urls(world, assessment)[name]
    for user in (world.member, world.reviewer):
        assert call(world.client_for(user), method, url).status_code == 403
    assert not assessment.answers.exists()


@pytest.mark.parametrize("name", sorted(READ))
def test_members_can_read(world, assessment, name):
    method, url = urls(world, assessment)[name]
    assert call(world.client_for(world.member), method, url).status_code in (200, 302)


@pytest.mark.parametrize("name", sorted(WRITE | READ))
def test_the_owner_and_admins_may(world, assessment, name):
    method, url = urls(world, assessment)[name]
    for user in (world.owner, world.admin):
        assert call(world.client_for(user), method, url).status_code in (200, 302, 400)


def test_an_assessment_id_of_another_proposal_is_404(world, assessment):
    other = ProposalFactory(organisation=world.org, owner=world.owner)
    url = reverse("assessments:result", args=[other.pk, assessment.pk])
    assert world.client_for(world.owner).get(url).status_code == 404
