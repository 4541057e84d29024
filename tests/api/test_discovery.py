"""What a client needs to know before it writes: the questionnaires, the stake roles, the
dimensions, and the closed sets in the schema."""

from django.test import Client

from domain.vocabulary import DIMENSION, DIMENSIONS
from projects.models import Proposal
from stakeholders.models import StakeRole


def test_the_suitability_questionnaire_lists_its_questions_as_answers_are_put(world, api, questionnaire_version):
    response = api(world.member).get("/api/questionnaires/ml_suitability")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert (body["key"], body["version"]) == ("ml_suitability", questionnaire_version.version)
    questions = {q["key"]: q for section in body["sections"] for q in section["questions"]}
    has_data = questions["has_data"]
    assert has_data["type"] == "single_choice" and has_data["required"] is True
    assert "yes" in [o["value"] for o in has_data["options"]]
    data_age = questions["data_age"]
    assert data_age["type"] == "single_choice"
    assert "few_years" in [o["value"] for o in data_age["options"]]
    assert all(o["label"] for o in data_age["options"])
    shown_if = [q for q in questions.values() if q["show_if"]]
    assert {"question": "has_data", "op": "equals", "value": "yes"} in [q["show_if"] for q in shown_if]
    assert any(q["allow_unknown"] for q in questions.values())
    assert any(q["unit"] and q["type"] == "number" for q in questions.values())


def test_a_question_key_the_questionnaire_lists_is_accepted_by_put_answers(world, api, questionnaire_version):
    body = api(world.owner).get("/api/questionnaires/ml_suitability").json()
    question = next(q for s in body["sections"] for q in s["questions"] if q["type"] == "single_choice")
    answer = {question["key"]: question["options"][0]["value"]}
    response = api(world.owner).put(
        f"/api/proposals/{world.proposal.pk}/answers", {"answers": answer}, content_type="application/json"
    )
    assert response.status_code == 200, response.content[:500]


def test_the_questionnaires_are_listed_with_their_current_version(world, api, questionnaire_version):
    listed = {q["key"]: q["version"] for q in api(world.member).get("/api/questionnaires").json()}
    assert listed["ml_suitability"] == questionnaire_version.version
    assert "stakeholder_requirements" in listed


def test_an_unknown_questionnaire_is_a_404_problem(world, api, questionnaire_version):
    response = api(world.member).get("/api/questionnaires/nope")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Client().get("/api/questionnaires/ml_suitability").status_code == 401


def test_stake_roles_are_the_tokens_organisations(world, api):
    roles = api(world.member).get("/api/stake-roles").json()
    assert {"key": "product", "label": roles[0]["label"], "signoff_required": True} in [
        r | {"label": roles[0]["label"]} for r in roles
    ]
    StakeRole.objects.filter(organisation=world.other_org).delete()
    StakeRole.objects.create(organisation=world.other_org, key="globex_only", label="Globex only")
    assert "globex_only" not in [r["key"] for r in api(world.member).get("/api/stake-roles").json()]
    assert [r["key"] for r in api(world.outsider, world.other_org).get("/api/stake-roles").json()] == ["globex_only"]


def test_dimensions_come_from_the_vocabulary(world, api):
    body = api(world.member).get("/api/dimensions").json()
    assert [d["key"] for d in body] == list(DIMENSIONS)
    latency = next(d for d in body if d["key"] == "latency")
    assert (latency["label"], latency["unit"], latency["better"], latency["target_op"]) == (
        DIMENSION["latency"].label,
        "ms",
        "lower",
        "<=",
    )
    deployment = next(d for d in body if d["key"] == "deployment")
    assert deployment["better"] == "choice" and "phone" in deployment["values"]


def test_no_verdict_is_null_not_an_empty_string(world, api):
    Proposal.objects.filter(pk=world.proposal.pk).update(suitability_verdict="")
    assert api(world.member).get(f"/api/proposals/{world.proposal.pk}").json()["suitability_verdict"] is None


def test_closed_sets_are_enums_in_the_schema(db):
    components = Client().get("/api/openapi.json").json()["components"]["schemas"]

    def enum_of(schema: str, field: str) -> list:
        prop = components[schema]["properties"][field]
        for option in [prop, *prop.get("anyOf", []), *prop.get("allOf", [])]:
            if "$ref" in option:
                option = components[option["$ref"].rsplit("/", 1)[-1]]
            if "enum" in option:
                return option["enum"]
        raise AssertionError(f"{schema}.{field} has no enum: {prop}")

    assert "draft" in enum_of("ProposalOut", "status")
    assert "good_fit" in enum_of("ProposalOut", "suitability_verdict")
    assert "submit" in enum_of("ActionIn", "action")
    assert enum_of("RequirementIn", "dimension") == list(DIMENSIONS)
    assert "lower" in enum_of("DimensionOut", "better")


def test_every_closed_set_of_the_answers_is_an_enum(db):
    components = Client().get("/api/openapi.json").json()["components"]["schemas"]

    def enum_of(schema: str, field: str) -> list:
        prop = components[schema]["properties"][field]
        prop = prop.get("items", prop)
        for option in [prop, *prop.get("anyOf", []), *prop.get("allOf", [])]:
            if "$ref" in option:
                option = components[option["$ref"].rsplit("/", 1)[-1]]
            if "enum" in option:
                return option["enum"]
        raise AssertionError(f"{schema}.{field} has no enum: {prop}")

    assert set(enum_of("ConflictOut", "kind")) >= {"contradictory_targets", "competing_objectives"}
    assert enum_of("ConflictOut", "severity") == ["high", "medium", "low"]
    assert set(enum_of("ReviewOut", "status")) >= {"draft", "submitted", "approved"}
    assert "approve" in enum_of("ReviewOut", "actions")
    assert set(enum_of("SignOffOut", "decision")) == {"approve", "changes", "reject"}
    assert set(enum_of("AssessmentOut", "status")) >= {"in_progress", "completed"}
    assert "good_fit" in enum_of("SuitabilityResultOut", "verdict")
    assert enum_of("FindingOut", "status") == ["met", "partly_met", "not_met", "unknown"]
    assert enum_of("RequirementOut", "dimension") == list(DIMENSIONS)


def test_no_two_schemas_share_a_name(db):
    # Ninja names a component after its class: two classes of one name were one schema, the
    # other's fields lost (the suitability blockers and the review's were both BlockerOut).
    components = Client().get("/api/openapi.json").json()["components"]["schemas"]
    assert {"SuitabilityBlockerOut", "BlockerOut"} <= set(components)
    assert "reason" in components["SuitabilityBlockerOut"]["properties"]
    assert "url" in components["BlockerOut"]["properties"]


def test_the_members_are_listed_by_id_name_and_role_for_linking_without_their_emails(world, api):
    response = api(world.member).get("/api/members", {"limit": 2})
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["count"] == world.org.memberships.count() and len(body["items"]) == 2 and body["next"]
    items = body["items"]
    following = api(world.member).get(body["next"]).json()
    while following["items"]:
        items += following["items"]
        if not following["next"]:
            break
        following = api(world.member).get(following["next"]).json()
    expected = {(m.user_id, m.user.name, m.role) for m in world.org.memberships.select_related("user")}
    assert {(i["id"], i["name"], i["role"]) for i in items} == expected
    assert world.outsider.pk not in {i["id"] for i in items}  # Globex's admin is not Acme's member
    assert "@" not in response.content.decode()  # names and roles only; emails stay on the admins' page
