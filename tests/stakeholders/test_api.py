"""Stakeholders, their requirements and conflicts over the JSON API (stakeholders.api): tokens scope
every call, the owner or an admin writes, any member reads."""

import re

import pytest
from django.core import mail
from django.test import Client

from projects.models import Proposal, Visibility
from stakeholders.models import Conflict, ConflictEvent, ConflictStatus, Objective, Requirement, Stakeholder
from stakeholders.services import requirements_replace
from tests.factories import ProposalFactory


def must_run_on(stakeholder, where: str) -> None:
    requirement = {"dimension": "deployment", "op": "==", "value": where, "unit": "", "metric": ""}
    requirements_replace(
        stakeholder=stakeholder,
        requirements=[{**requirement, "must_have": True, "weight": 5}],
        objectives=[],
        by=None,
    )


@pytest.fixture
def conflict(world, product, engineer):
    """Product needs it on a phone, engineering on a server: one contradiction."""
    must_run_on(product, "phone")
    must_run_on(engineer, "server")
    return Conflict.objects.get(proposal=world.proposal, kind="contradictory_targets")


def base(world) -> str:
    return f"/api/proposals/{world.proposal.pk}"


def put_requirements(client, world, stakeholder, requirements, objectives=()):
    return client.put(
        f"{base(world)}/stakeholders/{stakeholder.pk}/requirements",
        {"requirements": requirements, "objectives": list(objectives)},
        content_type="application/json",
    )


def resolve(client, world, conflict, **body):
    return client.post(f"{base(world)}/conflicts/{conflict.pk}/resolve", body, content_type="application/json")


LATENCY = {"dimension": "latency", "op": "<=", "value": 0.2, "unit": "s", "must_have": True, "weight": 5}


# --------------------------------------------------------------------------------------------
# Tenancy and permissions


def test_it_needs_a_valid_token(world):
    assert Client().get(f"{base(world)}/stakeholders").status_code == 401


def test_an_outsider_gets_404_everywhere(world, api, product, conflict):
    outsider = api(world.outsider, world.other_org)
    assert outsider.get(f"{base(world)}/stakeholders").status_code == 404
    assert outsider.get(f"{base(world)}/conflicts").status_code == 404
    added = outsider.post(
        f"{base(world)}/stakeholders",
        {"name": "Eve", "email": "eve@globex.test", "role": "product"},
        content_type="application/json",
    )
    assert added.status_code == 404
    assert put_requirements(outsider, world, product, [LATENCY]).status_code == 404
    assert resolve(outsider, world, conflict, decision="d", rationale="r").status_code == 404
    assert Stakeholder.objects.count() == 2
    assert not Requirement.objects.filter(dimension="latency").exists()
    assert Conflict.objects.get().status == ConflictStatus.OPEN


def test_a_stakeholder_or_conflict_of_another_proposal_is_404(world, api, product, conflict):
    other = ProposalFactory(organisation=world.org, owner=world.owner)
    owner = api(world.owner)
    url = f"/api/proposals/{other.pk}"
    response = owner.put(
        f"{url}/stakeholders/{product.pk}/requirements",
        {"requirements": [LATENCY], "objectives": []},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert (
        owner.post(
            f"{url}/conflicts/{conflict.pk}/resolve",
            {"decision": "d", "rationale": "r"},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_a_member_who_is_not_the_owner_cannot_write(world, api, product, conflict):
    for user in (world.member, world.reviewer):
        client = api(user)
        added = client.post(
            f"{base(world)}/stakeholders",
            {"name": "X", "email": "x@example.test", "role": "legal"},
            content_type="application/json",
        )
        assert added.status_code == 403
        assert added.json()["detail"] == "Only the proposal's owner or an admin can add stakeholders."
        assert put_requirements(client, world, product, [LATENCY]).status_code == 403
        assert resolve(client, world, conflict, decision="d", rationale="r").status_code == 403
    assert Stakeholder.objects.count() == 2
    assert not Requirement.objects.filter(dimension="latency").exists()
    assert Conflict.objects.get().status == ConflictStatus.OPEN


def test_an_admin_writes(world, api, product, conflict):
    admin = api(world.admin)
    assert resolve(admin, world, conflict, decision="d", rationale="r").status_code == 200
    assert put_requirements(admin, world, product, [LATENCY]).status_code == 200


def test_a_member_who_is_the_stakeholder_replaces_their_own_requirements(world, api, product, engineer):
    client = api(world.member)  # the engineer
    assert put_requirements(client, world, engineer, [LATENCY]).status_code == 200
    assert put_requirements(client, world, product, [LATENCY]).status_code == 403
    assert list(Requirement.objects.values_list("stakeholder", "dimension")) == [(engineer.pk, "latency")]


def test_a_private_proposal_is_404_for_members_it_is_not_shared_with(world, api, product, engineer, conflict):
    Proposal.objects.filter(pk=world.proposal.pk).update(visibility=Visibility.PRIVATE)
    reviewer = api(world.reviewer)
    assert reviewer.get(f"{base(world)}/stakeholders").status_code == 404
    assert reviewer.get(f"{base(world)}/conflicts").status_code == 404
    # The engineer is a stakeholder who is a member: added, they were let in.
    assert api(world.member).get(f"{base(world)}/conflicts").status_code == 200


def test_every_member_reads(world, api, product, conflict):
    for reader in (world.reviewer, world.member):
        client = api(reader)
        stakeholders = client.get(f"{base(world)}/stakeholders")
        assert stakeholders.status_code == 200
        assert [s["email"] for s in stakeholders.json()] == ["member@acme.test", "pat@example.test"]
        conflicts = client.get(f"{base(world)}/conflicts")
        assert conflicts.status_code == 200
        assert [c["id"] for c in conflicts.json()] == [conflict.pk]


# --------------------------------------------------------------------------------------------
# Stakeholders


def test_the_owner_adds_an_outside_stakeholder_who_is_emailed_a_link(
    world, api, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.owner).post(
            f"{base(world)}/stakeholders",
            {"name": " Lee Legal ", "email": "Lee@Law.test", "role": "legal"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("name", "email", "role", "role_label", "member")} == {
        "name": "Lee Legal",
        "email": "lee@law.test",
        "role": "legal",
        "role_label": roles["legal"].label,
        "member": False,
    }
    assert (body["requirements"], body["objectives"], body["responded_at"]) == ([], [], None)
    stakeholder = Stakeholder.objects.get(pk=body["id"])
    assert (stakeholder.proposal, stakeholder.invited_by) == (world.proposal, world.owner)
    assert mail.outbox[-1].to == ["lee@law.test"]
    # The same link as the web page sends: absolute, to the requirements page.
    assert re.search(r"http://testserver/requirements/[\w-]+/", mail.outbox[-1].body)


def test_a_member_is_added_by_email_and_linked(world, api):
    response = api(world.admin).post(
        f"{base(world)}/stakeholders",
        {"email": "MEMBER@acme.test", "role": "ml_engineering", "member": True},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["member"] is True
    stakeholder = Stakeholder.objects.get()
    assert (stakeholder.user, stakeholder.email, stakeholder.name) == (
        world.member,
        "member@acme.test",
        world.member.get_full_name(),
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"email": "lee@law.test", "role": "legal"}, "name", "required for someone who is not a member"),
        ({"name": "Lee", "email": "not an email", "role": "legal"}, "email", "'not an email' is not a valid email"),
        ({"name": "Lee", "email": "", "role": "legal"}, "email", "required"),
        ({"name": "Lee", "email": "lee@law.test", "role": "lawyers"}, "role", "got 'lawyers'; expected the key"),
        ({"name": "Lee", "email": "lee@law.test", "role": ""}, "role", "required; expected the key"),
        (
            {"email": "outsider@globex.test", "role": "legal", "member": True},
            "email",
            "'outsider@globex.test' is not the email of a member of this organisation",
        ),
        (
            {"name": "Pat Again", "email": "PAT@example.test", "role": "legal"},
            "email",
            "'pat@example.test' is already a stakeholder of this proposal (Pat Product)",
        ),
    ],
)
def test_a_refused_stakeholder_is_422_naming_the_field(world, api, product, body, field, message):
    response = api(world.owner).post(f"{base(world)}/stakeholders", body, content_type="application/json")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert error["message"].startswith(message)
    assert Stakeholder.objects.count() == 1


def test_a_body_without_a_role_is_422_naming_it(world, api):
    response = api(world.owner).post(
        f"{base(world)}/stakeholders", {"name": "Lee", "email": "lee@law.test"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "role", "code": "missing", "message": "Field required"}]


# --------------------------------------------------------------------------------------------
# Requirements


def test_putting_requirements_stores_them_canonically_and_detects_conflicts(world, api, product, engineer):
    must_run_on(engineer, "server")
    requirements = [
        LATENCY,
        {"dimension": "deployment", "op": "==", "value": "phone", "must_have": True, "weight": 5},
        {"dimension": "quality", "op": ">=", "value": 90, "unit": "%", "metric": "precision"},
    ]
    objectives = [{"name": "relevance", "direction": "maximise", "weight": 4}]
    response = put_requirements(api(world.owner), world, product, requirements, objectives)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["dimension"], r["op"], r["value"], r["unit"]) for r in body["requirements"]] == [
        ("deployment", "==", "phone", ""),
        ("latency", "<=", 200.0, "ms"),
        ("quality", ">=", 0.9, ""),
    ]
    assert body["requirements"][2] | {"metric": "precision", "must_have": False, "weight": 3} == body["requirements"][2]
    assert body["objectives"] == objectives
    assert Requirement.objects.get(stakeholder=product, dimension="latency").updated_by == world.owner

    conflicts = api(world.member).get(f"{base(world)}/conflicts").json()
    (contradiction,) = [c for c in conflicts if c["kind"] == "contradictory_targets"]
    assert contradiction["severity"] == "high"
    assert contradiction["status"] == "open"
    assert sorted(contradiction["stakeholder_ids"]) == sorted([product.pk, engineer.pk])
    assert contradiction["resolutions"]
    assert {"title", "explanation", "decision", "rationale", "resolved_at"} <= set(contradiction)

    # A put replaces everything: an empty list clears, and the contradiction is gone.
    response = put_requirements(api(world.owner), world, product, [], [])
    assert response.json()["requirements"] == []
    assert not Objective.objects.exists()
    assert Conflict.objects.get(pk=contradiction["id"]).status == ConflictStatus.GONE


def test_bad_requirements_are_422_listing_each_path_and_nothing_changes(world, api, product):
    must_run_on(product, "phone")
    requirements = [
        {"dimension": "latency", "op": "<=", "value": -5, "unit": "ms"},
        {"dimension": "latency", "op": "<=", "value": 100, "unit": "kg"},
        {"dimension": "cost", "op": "<=", "value": "lots", "unit": "per_month"},
        {"dimension": "deployment", "op": "==", "value": "moon"},
        {"dimension": "colour", "op": "==", "value": "blue"},
        {"dimension": "quality", "op": "==", "value": 0.9},
        {"dimension": "fairness", "op": "<=", "value": 0.1, "weight": 9},
    ]
    objectives = [{"name": "fees", "direction": "sideways"}]
    response = put_requirements(api(world.owner), world, product, requirements, objectives)
    assert response.status_code == 422
    assert [{"field": e["field"], "message": e["message"]} for e in response.json()["errors"]] == [
        {"field": "requirements[0].value", "message": "Latency (p95) must be above 0 ms"},
        {"field": "requirements[1].unit", "message": "Latency (p95) is measured in ms, s, not 'kg'"},
        {"field": "requirements[2].value", "message": "Cost needs a number"},
        {"field": "requirements[3].value", "message": "choose one of: server, browser, phone, device"},
        {"field": "requirements[4].dimension", "message": "unknown dimension 'colour'"},
        {"field": "requirements[5].op", "message": "Prediction quality takes >=, <=, not '=='"},
        {"field": "requirements[6].weight", "message": "expected a whole number from 1 to 5, got 9"},
        {"field": "objectives[0].direction", "message": "expected one of maximise, minimise, got 'sideways'"},
    ]
    assert list(Requirement.objects.values_list("dimension", "value")) == [("deployment", "phone")]


def test_two_requirements_on_one_dimension_are_refused(world, api, product):
    requirements = [LATENCY, {**LATENCY, "value": 300, "unit": "ms"}]
    response = put_requirements(api(world.owner), world, product, requirements)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "requirements[1].dimension",
            "code": "invalid",
            "message": "requirements[0] is on latency already; one requirement a dimension",
        }
    ]


@pytest.mark.parametrize(
    ("requirement", "field"),
    [
        ({"dimension": "latency", "op": "<=", "value": True, "unit": "ms"}, "value"),
        ({"dimension": "latency", "op": "<=", "unit": "ms"}, "value"),
        ({"dimension": "latency", "value": 100, "unit": "ms"}, "op"),
    ],
)
def test_a_requirement_of_the_wrong_shape_is_422_naming_the_field(world, api, product, requirement, field):
    response = put_requirements(api(world.owner), world, product, [requirement])
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {f"requirements[0].{field}"}
    assert not Requirement.objects.exists()


# --------------------------------------------------------------------------------------------
# Resolving conflicts


def test_the_resolve_flow(world, api, conflict):
    owner = api(world.owner)
    blank = resolve(owner, world, conflict, decision="  ", rationale="")
    assert blank.status_code == 422
    assert blank.json()["errors"] == [
        {"field": "decision", "code": "invalid", "message": "required"},
        {"field": "rationale", "code": "invalid", "message": "required"},
    ]
    missing = resolve(owner, world, conflict, decision="Server first")
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "rationale"

    response = resolve(owner, world, conflict, decision=" Server first ", rationale="Phones after launch.")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["decision"], body["rationale"]) == ("resolved", "Server first", "Phones after launch.")
    assert body["resolved_at"]
    world.proposal.refresh_from_db()
    assert world.proposal.open_conflicts == 0
    assert list(ConflictEvent.objects.filter(conflict=conflict).values_list("action", "by")) == [
        ("detected", None),
        ("resolved", world.owner.pk),
    ]
    (read,) = api(world.reviewer).get(f"{base(world)}/conflicts").json()
    assert (read["status"], read["decision"]) == ("resolved", "Server first")


def test_a_conflict_no_longer_detected_cannot_be_resolved(world, api, product, conflict):
    requirements_replace(stakeholder=product, requirements=[], objectives=[], by=None)
    response = resolve(api(world.owner), world, conflict, decision="d", rationale="r")
    assert response.status_code == 409
    assert Conflict.objects.get().status == ConflictStatus.GONE


# --------------------------------------------------------------------------------------------
# The schema


def test_the_openapi_schema_documents_the_stakeholder_endpoints(db):
    schema = Client().get("/api/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/proposals/{proposal_id}/stakeholders"]) == {"get", "post"}
    assert set(paths["/api/proposals/{proposal_id}/stakeholders/{stakeholder_id}/requirements"]) == {"put"}
    assert set(paths["/api/proposals/{proposal_id}/conflicts"]) == {"get"}
    assert set(paths["/api/proposals/{proposal_id}/conflicts/{conflict_id}/resolve"]) == {"post"}
    assert paths["/api/proposals/{proposal_id}/conflicts"]["get"]["tags"] == ["stakeholders"]
    assert {"StakeholderOut", "ConflictOut", "RequirementsIn", "Problem"} <= set(schema["components"]["schemas"])
