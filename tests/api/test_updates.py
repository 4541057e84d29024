"""Safe updates: PATCH changes only the fields sent (the version still checked); a field the API
does not know is refused on every write body; so is a filter a list does not have."""

import pytest

from projects.models import Proposal


def patch(client, world, body: dict):
    return client.patch(f"/api/proposals/{world.proposal.pk}", body, content_type="application/json")


def errors_of(response, status: int = 422) -> list[tuple[str, str]]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_a_patch_changes_only_the_fields_sent(world, api):
    Proposal.objects.filter(pk=world.proposal.pk).update(business_objective="Cut handling time", expected_volume=50)
    response = patch(api(world.owner), world, {"title": "Route tickets faster", "version": 1})
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert (body["title"], body["version"]) == ("Route tickets faster", 2)
    world.proposal.refresh_from_db()
    assert (world.proposal.title, world.proposal.business_objective, world.proposal.expected_volume) == (
        "Route tickets faster",
        "Cut handling time",
        50,
    )


def test_a_patch_can_clear_a_field_that_may_be_empty(world, api):
    Proposal.objects.filter(pk=world.proposal.pk).update(expected_volume=50)
    assert patch(api(world.owner), world, {"expected_volume": None, "version": 1}).json()["expected_volume"] is None


def test_a_patch_with_a_stale_version_is_a_409_and_changes_nothing(world, api):
    client = api(world.owner)
    assert patch(client, world, {"decision": "Route or not", "version": 1}).status_code == 200
    stale = patch(client, world, {"title": "Other", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    world.proposal.refresh_from_db()
    assert (world.proposal.title, world.proposal.decision) == ("Route support tickets", "Route or not")


def test_a_patch_by_an_outsider_is_404_and_by_another_member_403(world, api):
    body = {"title": "x", "version": 1}
    assert patch(api(world.outsider, world.other_org), world, body).status_code == 404
    assert patch(api(world.member), world, body).status_code == 403
    world.proposal.refresh_from_db()
    assert world.proposal.title == "Route support tickets"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"title": None, "version": 1}, [("title", "required")]),
        ({"title": "", "version": 1}, [("title", "too_short")]),
        ({"expected_volume": -1, "version": 1}, [("expected_volume", "greater_than_equal")]),
        ({"titel": "Typo", "version": 1}, [("titel", "extra_forbidden")]),
        ({"title": "No version"}, [("version", "missing")]),
        ({"version": 1}, [("", "empty")]),
    ],
)
def test_a_bad_patch_is_a_422_naming_the_field(world, api, body, expected):
    assert errors_of(patch(api(world.owner), world, body)) == expected
    world.proposal.refresh_from_db()
    assert world.proposal.version == 1


def test_a_patch_naming_a_team_of_another_organisation_is_refused(world, api):
    from tests.factories import TeamFactory

    team = TeamFactory(organisation=world.other_org)
    assert errors_of(patch(api(world.owner), world, {"team_id": team.pk, "version": 1})) == [
        ("team_id", "invalid_choice")
    ]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/api/proposals", {"title": "t", "problem": "p", "owner": 1}, "owner"),
        (
            "put",
            "/api/proposals/{pk}",
            {"title": "t", "problem": "p", "version": 1, "visiblity": "private"},
            "visiblity",
        ),
        ("put", "/api/proposals/{pk}/answers", {"answers": {}, "complete": True}, "complete"),
        ("post", "/api/proposals/{pk}/stakeholders", {"email": "a@b.test", "role": "legal", "nmae": "A"}, "nmae"),
        (
            "put",
            "/api/proposals/{pk}/stakeholders/{sid}/requirements",
            {"requirements": [{"dimension": "latency", "op": "<=", "value": 1, "units": "ms"}], "objectives": []},
            "requirements[0].units",
        ),
        ("post", "/api/proposals/{pk}/review", {"action": "submit", "comment": "hi"}, "comment"),
    ],
)
def test_an_unknown_field_is_refused_on_every_write_body(world, api, method, path, body, field):
    from stakeholders.services import stake_roles, stakeholder_add

    role = next(r for r in stake_roles(organisation=world.org) if r.key == "product")
    stakeholder = stakeholder_add(
        proposal=world.proposal, role=role, by=world.owner, link_url=lambda s, raw: raw, name="Pat", email="p@x.test"
    )
    url = path.format(pk=world.proposal.pk, sid=stakeholder.pk)
    response = getattr(api(world.owner), method)(url, body, content_type="application/json")
    assert (field, "extra_forbidden") in errors_of(response)


@pytest.mark.parametrize(
    "path",
    [
        "/api/proposals?stauts=draft",
        "/api/proposals/{pk}/stakeholders?role=legal",
        "/api/proposals/{pk}/conflicts?status=open",
        "/api/stake-roles?key=legal",
        "/api/dimensions?key=latency",
        "/api/questionnaires?key=ml_suitability",
    ],
)
def test_an_unknown_filter_is_a_422_not_ignored(world, api, path):
    url = path.format(pk=world.proposal.pk)
    name = url.split("?")[1].split("=")[0]
    assert errors_of(api(world.member).get(url)) == [(name, "unknown_filter")]


def test_the_known_filters_still_filter(world, api):
    body = api(world.member).get("/api/proposals?status=draft&q=Route&limit=5").json()
    assert [p["title"] for p in body["items"]] == ["Route support tickets"]
    assert api(world.member).get("/api/proposals?status=approved").json()["count"] == 0
