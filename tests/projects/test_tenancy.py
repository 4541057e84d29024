"""Every view that takes a proposal id: the owner may, a member may read, an outsider gets 404.

Outsiders get 404, not 403, so a URL never confirms that another organisation's object exists.
"""

import pytest
from django.test import Client
from django.urls import reverse

READ_URLS = ["projects:detail"]
WRITE_GET_URLS = ["projects:edit"]
WRITE_POST_URLS = ["projects:autosave", "projects:discard", "projects:archive"]


@pytest.mark.parametrize("name", READ_URLS + WRITE_GET_URLS)
def test_it_gives_outsiders_404_on_get(world, name):
    url = reverse(name, args=[world.proposal.pk])
    assert world.client_for(world.outsider).get(url).status_code == 404


@pytest.mark.parametrize("name", WRITE_POST_URLS + WRITE_GET_URLS)
def test_it_gives_outsiders_404_on_post(world, name):
    url = reverse(name, args=[world.proposal.pk])
    assert world.client_for(world.outsider).post(url, {"title": "x"}).status_code == 404


@pytest.mark.parametrize("name", READ_URLS)
def test_members_of_the_organisation_can_read(world, name):
    url = reverse(name, args=[world.proposal.pk])
    for user in (world.owner, world.member, world.reviewer, world.admin):
        assert world.client_for(user).get(url).status_code == 200


@pytest.mark.parametrize("name", WRITE_GET_URLS)
def test_it_requires_ownership_or_admin_to_edit(world, name):
    url = reverse(name, args=[world.proposal.pk])
    assert world.client_for(world.member).get(url).status_code == 403
    assert world.client_for(world.reviewer).get(url).status_code == 403
    assert world.client_for(world.owner).get(url).status_code == 200
    assert world.client_for(world.admin).get(url).status_code == 200


@pytest.mark.parametrize("name", WRITE_POST_URLS)
def test_it_refuses_writes_by_other_members_with_403(world, name):
    url = reverse(name, args=[world.proposal.pk])
    response = world.client_for(world.member).post(url, {"title": "hijack"})
    assert response.status_code == 403
    world.proposal.refresh_from_db()
    assert world.proposal.status == "draft"


def test_an_unknown_id_is_404(world):
    assert world.client_for(world.owner).get("/proposals/999999/").status_code == 404


def test_an_id_too_large_for_the_database_is_404_not_500(world):
    assert world.client_for(world.owner).get(f"/proposals/{2**70}/").status_code == 404


def test_anonymous_people_are_sent_to_sign_in(world):
    response = Client().get(reverse("projects:detail", args=[world.proposal.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
