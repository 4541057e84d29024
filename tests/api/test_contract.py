"""The API's contract for scale: Idempotency-Key on POST, cursor pagination, per-token rate limits,
ETag and If-Match on the proposal, Location on 201, and answering a completed assessment only when
a new round is asked for."""

import threading
from datetime import timedelta

import httpx
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken, IdempotencyKey
from accounts.tasks import forget_idempotency_keys
from projects.models import Proposal, ProposalStatus
from reports.models import Report
from tests.conftest import membership
from tests.factories import ProposalFactory
from tests.typical_answers import typical_answers

NEW = {"title": "Forecast demand", "problem": "Stock runs out on Mondays."}


def post(client: Client, body: dict, key: str | None = "key-1", url: str = "/api/proposals"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, body, content_type="application/json", headers=headers)


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code, body
    return body


# --------------------------------------------------------------------------------------------
# Idempotency-Key


def test_the_same_key_and_body_answer_the_first_result_without_doing_it_again(world, api):
    client = api(world.owner)
    first = post(client, NEW)
    assert first.status_code == 201
    again = post(client, NEW)
    assert (again.status_code, again.json(), again["Location"]) == (201, first.json(), first["Location"])
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Proposal.objects.filter(title=NEW["title"]).count() == 1
    # Another key is another request.
    assert post(client, NEW, key="key-2").json()["id"] != first.json()["id"]
    assert Proposal.objects.filter(title=NEW["title"]).count() == 2


def test_the_same_key_with_another_body_is_a_422_and_does_nothing(world, api):
    client = api(world.owner)
    assert post(client, NEW).status_code == 201
    body = problem(post(client, {**NEW, "title": "Something else"}), 422, "idempotency_key_reused")
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert not Proposal.objects.filter(title="Something else").exists()


def test_keys_are_scoped_to_the_token(world, api):
    first, second = api(world.owner), api(world.owner)
    assert post(first, NEW).json()["id"] != post(second, NEW).json()["id"]


def test_an_error_is_not_remembered_so_the_request_can_be_fixed(world, api):
    client = api(world.owner)
    problem(post(client, {"title": "No problem given"}), 422, "invalid")
    assert post(client, {"title": "No problem given", "problem": "Now there is."}).status_code == 201
    assert IdempotencyKey.objects.count() == 1


def test_a_key_is_kept_24_hours(world, api):
    client = api(world.owner)
    with time_machine.travel(timezone.now() - timedelta(hours=24, minutes=1)):
        old = post(client, NEW).json()["id"]
    assert post(client, NEW).json()["id"] != old  # a new request: the old key was forgotten


def test_the_hourly_sweep_forgets_keys_of_tokens_that_went_quiet(world, api):
    quiet, active = api(world.owner), api(world.owner)
    with time_machine.travel(timezone.now() - timedelta(hours=25)):
        post(quiet, NEW)
    post(active, NEW)
    assert IdempotencyKey.objects.count() == 2
    assert forget_idempotency_keys() == 1  # the task the beat runs, run here in process
    assert IdempotencyKey.objects.get().created_at > timezone.now() - timedelta(hours=1)
    assert IdempotencyKey.objects.count() == 1


def test_a_key_without_a_valid_token_is_a_401_and_stores_nothing(world):
    refused = post(Client(HTTP_AUTHORIZATION="Bearer mlf_not_a_token"), NEW)
    problem(refused, 401, "not_authenticated")
    assert not IdempotencyKey.objects.exists() and not Proposal.objects.filter(title=NEW["title"]).exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve"])
def test_a_key_that_is_not_a_key_is_a_422(world, api, key):
    problem(post(api(world.owner), NEW, key=key), 422, "invalid")
    assert not Proposal.objects.filter(title=NEW["title"]).exists()


def test_every_post_takes_a_key(world, api, questionnaire_version):
    client = api(world.owner)
    url = f"/api/proposals/{world.proposal.pk}/stakeholders"
    body = {"name": "Lee Legal", "email": "lee@law.test", "role": "legal"}
    first = post(client, body, url=url)
    assert first.status_code == 201 and post(client, body, url=url).json() == first.json()
    assert world.proposal.stakeholders.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_make_one_object(live_server, world):
    if connection.vendor != "postgresql":
        pytest.skip("the race is PostgreSQL's: SQLite serialises writers")
    _, raw = ApiToken.issue(membership=membership(world.owner, world.org))
    for attempt in range(5):
        key, answers, start = f"race-{attempt}", [], threading.Barrier(2)

        def send(key=key, answers=answers, start=start):
            start.wait()
            answers.append(
                httpx.post(
                    f"{live_server.url}/api/proposals",
                    json={**NEW, "title": f"Race {key}"},
                    headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": key},
                    timeout=30,
                )
            )

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].json() == answers[1].json()
        assert Proposal.objects.filter(title=f"Race {key}").count() == 1


# --------------------------------------------------------------------------------------------
# Location on 201


def test_a_201_says_where_the_new_thing_is(world, api):
    client = api(world.owner)
    created = post(client, NEW, key=None)
    assert created["Location"] == f"http://testserver/api/proposals/{created.json()['id']}"
    assert client.get(created["Location"]).json() == created.json()


# --------------------------------------------------------------------------------------------
# ETag and If-Match


def patch(client, world, body: dict, if_match: str | None = None):
    headers = {"If-Match": if_match} if if_match else {}
    return client.patch(f"/api/proposals/{world.proposal.pk}", body, content_type="application/json", headers=headers)


def test_a_read_sends_the_etag_and_a_matching_if_match_changes(world, api):
    client = api(world.owner)
    read = client.get(f"/api/proposals/{world.proposal.pk}")
    assert read["ETag"] == '"1"'
    changed = patch(client, world, {"title": "Route tickets faster"}, if_match=read["ETag"])
    assert changed.status_code == 200, changed.content[:300]
    assert (changed["ETag"], changed.json()["version"]) == ('"2"', 2)


def test_a_stale_if_match_is_a_412_and_changes_nothing(world, api):
    client = api(world.owner)
    assert patch(client, world, {"decision": "Route or not", "version": 1}).status_code == 200
    stale = patch(client, world, {"title": "Other"}, if_match='"1"')
    problem(stale, 412, "precondition_failed")
    assert stale["ETag"] == '"2"'
    put = client.put(
        f"/api/proposals/{world.proposal.pk}",
        {"title": "Other", "problem": "p"},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    problem(put, 412, "precondition_failed")
    world.proposal.refresh_from_db()
    assert (world.proposal.title, world.proposal.version) == ("Route support tickets", 2)


def test_the_body_version_still_works_and_one_of_them_is_needed(world, api):
    client = api(world.owner)
    assert patch(client, world, {"title": "A", "version": 1}).status_code == 200
    problem(patch(client, world, {"title": "B", "version": 1}), 409, "version_conflict")
    missing = problem(patch(client, world, {"title": "B"}), 422, "invalid")
    assert missing["errors"][0]["field"] == "version"
    assert patch(client, world, {"title": "C"}, if_match="*").json()["title"] == "C"


# --------------------------------------------------------------------------------------------
# Cursor pagination


def walk(client: Client, url: str) -> tuple[list[int], list[dict]]:
    ids, pages = [], []
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.content[:300]
        pages.append(page.json())
        ids += [item["id"] for item in page.json()["items"]]
        url = page.json()["next"]
    return ids, pages


def test_proposals_come_a_page_at_a_time_newest_first(world, api):
    for i in range(6):
        ProposalFactory(organisation=world.org, owner=world.owner, title=f"Proposal {i}")
    client = api(world.owner)
    ids, pages = walk(client, "/api/proposals?limit=3&status=draft")
    visible = sorted(Proposal.objects.filter(organisation=world.org).values_list("pk", flat=True), reverse=True)
    assert ids == visible and len(pages) == 3
    assert {p["count"] for p in pages} == {7}
    assert pages[-1]["next"] is None
    assert "status=draft" in pages[0]["next"]  # the filters travel with the cursor


def test_a_row_added_meanwhile_does_not_shift_the_pages(world, api):
    for i in range(4):
        ProposalFactory(organisation=world.org, owner=world.owner, title=f"Proposal {i}")
    client = api(world.owner)
    first = client.get("/api/proposals?limit=2").json()
    ProposalFactory(organisation=world.org, owner=world.owner, title="Newer")
    rest, _ = walk(client, first["next"])
    seen = [p["id"] for p in first["items"]] + rest
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("cursor", ["nonsense", "eyJhIjoxfQ:forged", "a" * 201])
def test_a_bad_cursor_is_a_422(world, api, cursor):
    body = problem(api(world.owner).get(f"/api/proposals?cursor={cursor}"), 422, "invalid")
    assert body["errors"][0]["field"] == "cursor"


def test_a_cursor_of_another_list_is_a_422(world, api):
    for _ in range(2):
        ProposalFactory(organisation=world.org, owner=world.owner)
    client = api(world.owner)
    cursor = client.get("/api/proposals?limit=1").json()["next"].split("cursor=")[1]
    body = problem(client.get(f"/api/proposals/{world.proposal.pk}/reports?cursor={cursor}"), 422, "invalid")
    assert body["errors"][0]["code"] == "invalid_cursor"


def test_a_page_costs_the_same_queries_however_many_rows(world, api):
    client = api(world.owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/proposals?limit=2").status_code == 200
        return len(captured)

    queries()  # the token's first use of the minute also records it (accounts.api_auth)
    few = queries()
    for _ in range(10):
        ProposalFactory(organisation=world.org, owner=world.owner)
    assert queries() == few


def test_reports_come_a_page_at_a_time(world, api, questionnaire_version):
    for _ in range(3):
        Report.objects.create(organisation=world.org, proposal=world.proposal, inputs={}, inputs_hash="x")
    ids, pages = walk(api(world.member), f"/api/proposals/{world.proposal.pk}/reports?limit=2")
    assert ids == sorted(Report.objects.values_list("pk", flat=True), reverse=True) and len(pages) == 2


# --------------------------------------------------------------------------------------------
# Rate limits


def test_every_answer_tells_the_limit_and_past_it_is_a_429(world, api, settings):
    settings.MLFIT_API_RATE_LIMIT, settings.MLFIT_API_RATE_WINDOW = 3, 60
    client = api(world.owner)
    with time_machine.travel(timezone.now().replace(second=5), tick=False) as clock:
        answers = [client.get(url) for url in ("/api/proposals", "/api/nowhere", f"/api/proposals/{world.proposal.pk}")]
        assert [a.status_code for a in answers] == [200, 404, 200]
        assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
        assert {(a["RateLimit-Limit"], a["RateLimit-Reset"]) for a in answers} == {("3", "55")}
        refused = client.get("/api/proposals")
        problem(refused, 429, "rate_limited")
        assert (refused["Retry-After"], refused["RateLimit-Remaining"]) == ("55", "0")
        # Another token has its own allowance.
        assert api(world.owner).get("/api/proposals").status_code == 200
        clock.shift(timedelta(seconds=56))
        assert client.get("/api/proposals")["RateLimit-Remaining"] == "2"


def test_a_refused_post_does_nothing(world, api, settings):
    settings.MLFIT_API_RATE_LIMIT = 1
    client = api(world.owner)
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        assert post(client, NEW, key=None).status_code == 201
        problem(post(client, NEW, key=None), 429, "rate_limited")
    assert Proposal.objects.filter(title=NEW["title"]).count() == 1


# --------------------------------------------------------------------------------------------
# Answering a completed assessment


@pytest.fixture
def completed(world, api, questionnaire_version):
    client = api(world.owner)
    url = f"/api/proposals/{world.proposal.pk}"
    answered = client.put(f"{url}/answers", {"answers": typical_answers()}, content_type="application/json")
    assert answered.status_code == 200
    assert client.post(f"{url}/assessment/complete").status_code == 200
    return client


def test_answering_a_completed_assessment_needs_new_round(world, completed):
    url = f"/api/proposals/{world.proposal.pk}/answers"
    body = {"answers": {"ml_team": "nobody"}}
    refused = completed.put(url, body, content_type="application/json")
    assert "new_round=true" in problem(refused, 409, "assessment_completed")["detail"]
    assert completed.get(f"/api/proposals/{world.proposal.pk}/assessment").json()["status"] == "completed"
    started = completed.put(f"{url}?new_round=true", body, content_type="application/json")
    assert (started.status_code, started.json()["status"]) == (200, "in_progress")


def test_no_new_round_while_under_review(world, completed):
    Proposal.objects.filter(pk=world.proposal.pk).update(status=ProposalStatus.SUBMITTED)
    url = f"/api/proposals/{world.proposal.pk}/answers?new_round=true"
    refused = completed.put(url, {"answers": {"ml_team": "nobody"}}, content_type="application/json")
    problem(refused, 409, "under_review")
    assert completed.get(f"/api/proposals/{world.proposal.pk}/assessment").json()["status"] == "completed"
