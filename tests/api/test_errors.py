"""The API's one error model: every failure is an RFC 9457 problem (application/problem+json)
with a stable code and, for refused values, one error per field as the client spelt it."""

import pytest
from django.test import Client

from projects.models import Proposal

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors"}


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert (body["status"], body["code"], body["type"]) == (status, code, f"urn:mlfit:problem:{code}")
    assert body["title"] and body["detail"]
    return body


def test_a_missing_token_is_401_with_a_bearer_challenge(db):
    response = Client().get("/api/proposals")
    problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    problem(Client(HTTP_AUTHORIZATION="Bearer mlf_wrong").get("/api/proposals"), 401, "not_authenticated")


def test_an_outsiders_proposal_is_a_404_problem(world, api):
    problem(api(world.outsider, world.other_org).get(f"/api/proposals/{world.proposal.pk}"), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/nope", "/api/proposals/1/nope", "/api/", "/api/proposals/1/answers/x"])
def test_an_unknown_path_under_api_is_a_json_404(world, api, path):
    problem(api(world.member).get(path), 404, "not_found")
    problem(Client().post(path, "{}", content_type="application/json"), 404, "not_found")


def test_an_unknown_path_outside_api_keeps_the_html_page(db):
    response = Client().get("/nope/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_a_path_does_not_have_is_a_json_405_with_allow(world, api):
    response = api(world.owner).delete(f"/api/proposals/{world.proposal.pk}")
    problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_a_validation_error_names_the_field_as_sent(world, api):
    body = problem(
        api(world.member).post(
            "/api/proposals", {"problem": "p", "expected_volume": -1}, content_type="application/json"
        ),
        422,
        "invalid",
    )
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("title", "missing"),
        ("expected_volume", "greater_than_equal"),
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("get", "/api/proposals?q=a%00b", None, "q"),
        ("get", "/api/proposals/%00", None, "proposal_id"),
        ("post", "/api/proposals", '{"title": "a\\u0000", "problem": "p"}', "title"),
        ("put", "/api/proposals/{pk}/answers", '{"answers": {"has_data": "y\\u0000"}}', "answers.has_data"),
    ],
)
def test_a_nul_character_anywhere_is_a_422_naming_the_field(world, api, method, path, body, field):
    client = api(world.owner)
    url = path.format(pk=world.proposal.pk)
    response = client.generic(method.upper(), url, body, content_type="application/json") if body else client.get(url)
    assert [e["field"] for e in problem(response, 422, "invalid")["errors"]] == [field]


def test_a_team_of_another_organisation_is_a_422_on_team_id(world, api):
    from tests.factories import TeamFactory

    team = TeamFactory(organisation=world.other_org)
    response = api(world.member).post(
        "/api/proposals", {"title": "t", "problem": "p", "team_id": team.pk}, content_type="application/json"
    )
    assert [e["field"] for e in problem(response, 422, "invalid")["errors"]] == ["team_id"]
    assert Proposal.objects.count() == 1


def test_malformed_json_is_a_400_problem(world, api):
    problem(
        api(world.member).post("/api/proposals", "{not json", content_type="application/json"), 400, "malformed_body"
    )


def test_an_unknown_review_action_is_a_422_not_a_409(world, api):
    response = api(world.owner).post(
        f"/api/proposals/{world.proposal.pk}/review", {"action": "frobnicate"}, content_type="application/json"
    )
    assert [e["field"] for e in problem(response, 422, "invalid")["errors"]] == ["action"]


def test_a_forbidden_change_is_a_403_problem(world, api):
    response = api(world.member).put(
        f"/api/proposals/{world.proposal.pk}",
        {"title": "x", "problem": "p", "version": 1},
        content_type="application/json",
    )
    problem(response, 403, "forbidden")


def test_every_operation_declares_its_error_statuses_as_problems(db):
    schema = Client().get("/api/openapi.json").json()
    assert set(schema["components"]["schemas"]["Problem"]["required"]) >= {"type", "title", "status", "detail", "code"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            errors = {status for status in responses if status.startswith("4")}
            for status in errors:
                ref = responses[status]["content"]["application/problem+json"]["schema"]["$ref"]
                assert ref.endswith("/Problem"), (method, path, status)
            if "{" in path:
                assert {"404", "422"} <= errors, (method, path)


def test_every_operation_declares_the_contract_it_shares(db):
    schema = Client().get("/api/openapi.json").json()
    assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(schema["components"]["headers"])
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            assert "Retry-After" in responses["429"]["headers"], (method, path)
            for status, response in responses.items():
                assert response["headers"]["RateLimit-Remaining"]["required"], (method, path, status)
                if status == "201":
                    assert response["headers"]["Location"]["required"], (method, path)
            if method == "post":
                assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", [])], path
                assert "422" in responses, path


def test_the_middlewares_errors_under_api_are_problems(world, api):
    client = api(world.owner)
    charset = client.post("/api/proposals", b"{}", content_type="application/json; charset=latin-1")
    problem(charset, 400, "unsupported_charset")
    assert "UTF-8" in charset.json()["detail"]
    big = client.post("/api/proposals", b"x", content_type="application/json", CONTENT_LENGTH=str(50 * 2**20))
    problem(big, 413, "too_large")


def test_there_is_no_delete_a_proposal_is_archived_as_on_its_page(world, api):
    client = api(world.owner)
    url = f"/api/proposals/{world.proposal.pk}"
    refused = client.delete(url)
    problem(refused, 405, "method_not_allowed")
    assert "DELETE" not in refused["Allow"]
    archived = client.post(f"{url}/review", {"action": "archive"}, content_type="application/json")
    assert (archived.status_code, archived.json()["status"]) == (200, "archived")
    restored = client.post(f"{url}/review", {"action": "unarchive"}, content_type="application/json")
    assert (restored.status_code, restored.json()["status"]) == (200, "draft")
