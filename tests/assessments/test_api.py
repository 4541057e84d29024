"""The assessment API: answers put all or nothing, completion, reading; tokens scope every call."""

import pytest
from django.test import Client

from projects.models import Proposal, Visibility
from questionnaires.models import Answer, Assessment, AssessmentStatus
from tests.typical_answers import typical_answers


def answers_url(world) -> str:
    return f"/api/proposals/{world.proposal.pk}/answers"


def assessment_url(world) -> str:
    return f"/api/proposals/{world.proposal.pk}/assessment"


def complete_url(world) -> str:
    return f"/api/proposals/{world.proposal.pk}/assessment/complete"


def put(client, world, answers: dict):
    return client.put(answers_url(world), {"answers": answers}, content_type="application/json")


# --------------------------------------------------------------------------------------------
# Tenancy and permissions


def test_it_needs_a_valid_token(world, questionnaire_version):
    assert Client().get(assessment_url(world)).status_code == 401


def test_an_outsider_gets_404_everywhere(world, questionnaire_version, api):
    outsider = api(world.outsider, world.other_org)
    assert put(outsider, world, {"has_data": "yes"}).status_code == 404
    assert outsider.get(assessment_url(world)).status_code == 404
    assert outsider.post(complete_url(world)).status_code == 404
    assert not Assessment.objects.exists()


def test_a_private_proposal_is_404_for_members_it_is_not_shared_with(world, questionnaire_version, api):
    put(api(world.owner), world, {"has_data": "yes"})
    Proposal.objects.filter(pk=world.proposal.pk).update(visibility=Visibility.PRIVATE)
    assert api(world.member).get(assessment_url(world)).status_code == 404
    assert put(api(world.member), world, {"has_data": "no"}).status_code == 404
    assert api(world.admin).get(assessment_url(world)).status_code == 200


def test_a_member_who_is_not_the_owner_cannot_put_answers(world, questionnaire_version, api):
    response = put(api(world.member), world, {"has_data": "yes"})
    assert response.status_code == 403
    assert api(world.member).post(complete_url(world)).status_code == 403
    assert not Assessment.objects.exists()


def test_an_admin_can_put_answers(world, questionnaire_version, api):
    assert put(api(world.admin), world, {"has_data": "yes"}).status_code == 200


def test_every_member_can_read(world, questionnaire_version, api):
    put(api(world.owner), world, {"has_data": "yes"})
    for reader in (world.reviewer, world.member):
        response = api(reader).get(assessment_url(world))
        assert response.status_code == 200
        assert response.json()["answers"] == {"has_data": "yes"}


def test_reading_before_any_answer_is_404_saying_so(world, questionnaire_version, api):
    response = api(world.owner).get(assessment_url(world))
    assert response.status_code == 404
    assert (response.json()["code"], response.json()["detail"]) == (
        "no_assessment",
        "This proposal has no assessment yet.",
    )


# --------------------------------------------------------------------------------------------
# Putting answers


def test_putting_answers_starts_the_assessment_and_returns_the_live_result(world, questionnaire_version, api):
    response = put(api(world.owner), world, {"has_data": "yes", "example_count": "12,000", "data_issues": []})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_progress"
    assert (body["questionnaire"], body["questionnaire_version"]) == ("ml_suitability", questionnaire_version.version)
    assert body["answers"] == {"has_data": "yes", "example_count": 12000}
    assert body["result"]["verdict"] in {"good_fit", "fit_with_caveats", "not_a_fit"}
    assert body["result"]["findings"]
    assert "answer_is_stored" in body["missing_required"]
    assert "example_count" not in body["missing_required"]
    assert Assessment.objects.get().started_by == world.owner


def test_later_puts_add_to_the_same_assessment_and_null_clears(world, questionnaire_version, api):
    client = api(world.owner)
    put(client, world, {"has_data": "yes", "data_age": "current"})
    body = put(client, world, {"data_age": None, "ml_team": "partner"}).json()
    assert body["answers"] == {"has_data": "yes", "ml_team": "partner"}
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize(
    ("answers", "key", "message"),
    [
        ({"favourite_colour": "blue"}, "favourite_colour", "no such question"),
        ({"prediction_volume": "lots"}, "prediction_volume", "expected a number"),
        ({"months_to_first_release": 500}, "months_to_first_release", "must be at most 120"),
        ({"data_age": "ancient"}, "data_age", "unknown option 'ancient'"),
        ({"expert_accuracy": 6}, "expert_accuracy", "must be a whole number from 1 to 5"),
        ({"data_issues": "duplicates"}, "data_issues", "expected a list of options"),
    ],
)
def test_a_bad_answer_is_422_naming_the_key_and_nothing_is_saved(
    world, questionnaire_version, api, answers, key, message
):
    response = put(api(world.owner), world, {"has_data": "yes", **answers})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == f"answers.{key}"
    assert error["message"].startswith(message)
    assert not Assessment.objects.exists()
    assert not Answer.objects.exists()


def test_every_bad_answer_is_listed_and_stored_answers_stay(world, questionnaire_version, api):
    client = api(world.owner)
    put(client, world, {"has_data": "yes"})
    response = put(client, world, {"has_data": "no", "data_age": "ancient", "bogus": 1})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["answers.data_age", "answers.bogus"]
    assert dict(Answer.objects.values_list("question_key", "value")) == {"has_data": "yes"}


@pytest.mark.parametrize("body", [{"answers": ["has_data"]}, {"answers": "yes"}, {}])
def test_a_body_without_an_answers_object_is_422(world, questionnaire_version, api, body):
    response = api(world.owner).put(answers_url(world), body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "answers"


def test_putting_answers_without_a_published_questionnaire_is_409(world, api):
    response = put(api(world.owner), world, {"has_data": "yes"})
    assert response.status_code == 409
    assert "load_questionnaires" in response.json()["detail"]


# --------------------------------------------------------------------------------------------
# Completing


def test_the_complete_flow(world, questionnaire_version, api):
    client = api(world.owner)
    body = put(client, world, typical_answers()).json()
    assert body["missing_required"] == []

    response = client.post(complete_url(world))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "completed"
    assert body["completed_at"]
    assert (body["result"]["verdict"], body["result"]["score"]) == ("fit_with_caveats", 17.72)
    world.proposal.refresh_from_db()
    assert world.proposal.suitability_verdict == "fit_with_caveats"

    # A reviewer reads the frozen result.
    read = api(world.reviewer).get(assessment_url(world)).json()
    assert (read["status"], read["result"]["verdict"]) == ("completed", "fit_with_caveats")

    again = client.post(complete_url(world))
    assert again.status_code == 409
    assert again.json()["detail"] == "This assessment is already completed."


def test_putting_answers_after_completion_starts_a_new_round(world, questionnaire_version, api):
    client = api(world.owner)
    put(client, world, typical_answers())
    client.post(complete_url(world))
    # Asked for: without new_round=true it is a 409 (tests/api/test_contract.py).
    body = client.put(
        f"{answers_url(world)}?new_round=true", {"answers": {"ml_team": "nobody"}}, content_type="application/json"
    ).json()
    assert body["status"] == "in_progress"
    assert body["answers"]["ml_team"] == "nobody"
    assert body["answers"]["data_age"] == "few_years"  # carried over from the completed round
    assert list(Assessment.objects.order_by("created_at").values_list("status", flat=True)) == [
        AssessmentStatus.COMPLETED,
        AssessmentStatus.IN_PROGRESS,
    ]


def test_completing_with_required_answers_missing_is_409_listing_them(world, questionnaire_version, api):
    client = api(world.owner)
    answers = typical_answers()
    del answers["data_age"], answers["ml_team"]
    put(client, world, answers)
    response = client.post(complete_url(world))
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["detail"]) == ("answers_missing", "2 required question(s) still need an answer.")
    assert [e["field"] for e in body["errors"]] == ["answers.data_age", "answers.ml_team"]
    assert Assessment.objects.get().status == AssessmentStatus.IN_PROGRESS


def test_completing_before_any_answer_is_409(world, questionnaire_version, api):
    response = api(world.owner).post(complete_url(world))
    assert response.status_code == 409
    assert not Assessment.objects.exists()


# --------------------------------------------------------------------------------------------
# The schema


def test_the_openapi_schema_documents_the_assessment_endpoints(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert set(paths["/api/proposals/{proposal_id}/answers"]) == {"put"}
    assert set(paths["/api/proposals/{proposal_id}/assessment"]) == {"get"}
    assert set(paths["/api/proposals/{proposal_id}/assessment/complete"]) == {"post"}
    assert paths["/api/proposals/{proposal_id}/answers"]["put"]["tags"] == ["assessments"]
    assert {"AssessmentOut", "SuitabilityResultOut", "Problem"} <= set(schema["components"]["schemas"])
