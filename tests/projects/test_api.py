"""The JSON API: tokens scope every call to one organisation; bad input is a 4xx naming the field."""

import pytest
from django.test import Client

from projects.models import Proposal


def test_it_needs_a_valid_token(world):
    assert Client().get("/api/proposals").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer mlf_wrong").get("/api/proposals").status_code == 401


def test_it_lists_only_the_tokens_organisation(world, api):
    body = api(world.outsider, world.other_org).get("/api/proposals").json()
    assert body["count"] == 0
    body = api(world.member).get("/api/proposals").json()
    assert [p["title"] for p in body["items"]] == ["Route support tickets"]


def test_a_proposal_carries_its_suitability_summary(world, api):
    Proposal.objects.filter(pk=world.proposal.pk).update(
        suitability_verdict="not_a_fit", suitability_fraction=0.9, suitability_blocked=True
    )
    body = api(world.member).get(f"/api/proposals/{world.proposal.pk}").json()
    assert (body["suitability_verdict"], body["suitability_fraction"], body["suitability_blocked"]) == (
        "not_a_fit",
        0.9,
        True,
    )


def test_an_outsider_gets_404_for_a_proposal_id(world, api):
    assert api(world.outsider, world.other_org).get(f"/api/proposals/{world.proposal.pk}").status_code == 404
    assert api(world.member).get(f"/api/proposals/{world.proposal.pk}").status_code == 200


def test_it_creates_a_proposal(world, api):
    response = api(world.member).post(
        "/api/proposals",
        {"title": "Churn", "problem": "Customers leave", "expected_volume": 10},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    proposal = Proposal.objects.get(pk=response.json()["id"])
    assert (proposal.organisation, proposal.owner) == (world.org, world.member)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "", "problem": "p"}, "title"),
        ({"title": "t" * 201, "problem": "p"}, "title"),
        ({"title": "t", "problem": "p", "expected_volume": -1}, "expected_volume"),
        ({"title": "t", "problem": "p", "expected_volume": "many"}, "expected_volume"),
        ({"title": "t", "problem": "p", "deadline": "tomorrow"}, "deadline"),
        ({"title": "t", "problem": "p", "volume_period": "fortnight"}, "volume_period"),
        ({"problem": "p"}, "title"),
    ],
)
def test_bad_input_is_422_naming_the_field(world, api, payload, field):
    response = api(world.member).post("/api/proposals", payload, content_type="application/json")
    assert response.status_code == 422
    assert field in response.content.decode()
    assert Proposal.objects.count() == 1


def test_a_team_of_another_organisation_is_refused(world, api):
    from tests.factories import TeamFactory

    team = TeamFactory(organisation=world.other_org)
    response = api(world.member).post(
        "/api/proposals", {"title": "t", "problem": "p", "team_id": team.pk}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "team" in response.content.decode()


def test_malformed_json_is_a_4xx(world, api):
    response = api(world.member).post("/api/proposals", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500


def test_update_checks_the_version(world, api):
    client = api(world.owner)
    url = f"/api/proposals/{world.proposal.pk}"
    ok = client.put(url, {"title": "New", "problem": "p", "version": 1}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.put(url, {"title": "Newer", "problem": "p", "version": 1}, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    assert "title" in stale.json()["detail"]
    world.proposal.refresh_from_db()
    assert world.proposal.title == "New"


def test_update_by_another_member_is_403_and_by_an_outsider_404(world, api):
    url = f"/api/proposals/{world.proposal.pk}"
    payload = {"title": "x", "problem": "p", "version": 1}
    assert api(world.member).put(url, payload, content_type="application/json").status_code == 403
    assert api(world.outsider, world.other_org).put(url, payload, content_type="application/json").status_code == 404


def test_the_openapi_schema_is_public(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    assert "/api/proposals" in response.json()["paths"]
