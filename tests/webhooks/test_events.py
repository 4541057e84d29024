"""Each event is emitted by the real flow that causes it, in that flow's transaction, with a small
payload: ids, titles and links for an integrator, no secret."""

import json

import pytest

from stakeholders.services import conflicts_refresh
from tests.factories import assess, build_scenario, computed
from tests.stakeholders.conftest import Review
from webhooks.models import Delivery, Event
from webhooks.services import webhook_create


@pytest.fixture
def listening(world, local):
    """An Acme webhook for every event (nothing is sent: these tests' transactions never commit)."""
    return webhook_create(organisation=world.org, url="http://127.0.0.1:9/hooks", events=Event.values, by=world.admin)


def bodies(event: str) -> list[dict]:
    return [json.loads(d.body) for d in Delivery.objects.filter(event=event).order_by("pk")]


def test_completing_the_suitability_assessment_emits_assessment_completed(world, listening, questionnaire_version):
    assessment = assess(world.proposal, world.owner)
    [body] = bodies("assessment.completed")
    assert body["event"] == "assessment.completed"
    assert body["data"]["assessment"]["id"] == assessment.pk
    assert body["data"]["assessment"]["verdict"] == assessment.verdict
    assert body["data"]["assessment"]["score"] == assessment.score
    assert body["data"]["assessment"]["api_url"].endswith(f"/api/proposals/{world.proposal.pk}/assessment")
    assert body["data"]["proposal"]["id"] == world.proposal.pk
    assert body["data"]["proposal"]["title"] == "Route support tickets"


def test_new_conflicts_emit_conflict_detected_once(world, listening, questionnaire_version):
    build_scenario(world)  # Dana and Sam contradict each other on freshness
    found = bodies("conflict.detected")
    conflicts = {c.pk: c for c in world.proposal.conflicts.all()}
    assert found and len(found) == len(conflicts)
    kinds = {b["data"]["conflict"]["kind"] for b in found}
    assert "contradictory_targets" in kinds
    for body in found:
        conflict = conflicts[body["data"]["conflict"]["id"]]
        assert body["data"]["conflict"]["severity"] == conflict.severity
        assert body["data"]["conflict"]["title"] == conflict.title
        assert body["data"]["proposal"]["id"] == world.proposal.pk
    # Detected again, nothing is new: no event.
    conflicts_refresh(proposal=world.proposal, by=world.owner)
    assert len(bodies("conflict.detected")) == len(found)


def test_a_finished_report_emits_report_finished(world, listening, questionnaire_version, memo_engine):
    build_scenario(world)
    report = computed(world.proposal, world.owner)
    [body] = bodies("report.finished")
    data = body["data"]
    assert data["report"]["id"] == report.pk
    assert data["report"]["status"] == "succeeded"
    assert data["report"]["headline"] == report.headline
    assert data["report"]["api_url"].endswith(f"/api/proposals/{world.proposal.pk}/reports/{report.pk}")
    assert data["report"]["document_url"].endswith(f"/reports/{report.pk}/report.json")
    assert data["proposal"]["id"] == world.proposal.pk


def test_a_review_decision_emits_review_decided(world, listening):
    world.reviewer.name = ""  # a person without a name: still no email address in the payload
    world.reviewer.save()
    review = Review(world)
    review.submit()
    assert bodies("review.decided") == []  # submitting is not a decision
    review.act(world.reviewer, "request_changes", "Say how the tickets are labelled.")
    [body] = bodies("review.decided")
    data = body["data"]
    assert data["decision"] == "changes"
    assert data["override"] is False
    assert data["rationale"] == "Say how the tickets are labelled."
    assert data["roles"] == [review.roles["product"].label]
    assert data["decided_by"] == {"id": world.reviewer.pk, "name": ""}
    assert "@" not in Delivery.objects.get(event="review.decided").body
    assert data["proposal"] == {**data["proposal"], "id": world.proposal.pk, "status": "changes_requested"}


def test_an_admin_override_emits_review_decided(world, listening):
    review = Review(world)
    review.submit()
    review.act(world.admin, "override_reject", "Out of scope this year.")
    [body] = bodies("review.decided")
    assert (body["data"]["decision"], body["data"]["override"]) == ("reject", True)
    assert body["data"]["proposal"]["status"] == "rejected"


def test_payloads_carry_no_secret_nor_email(world, listening, questionnaire_version):
    build_scenario(world)
    text = " ".join(d.body for d in Delivery.objects.all())
    assert Delivery.objects.exists()
    assert listening.secret not in text
    assert "@" not in text  # no email address: stakeholders', members' or anyone's


def test_another_organisations_webhook_hears_nothing(world, local, questionnaire_version):
    webhook_create(organisation=world.other_org, url="http://127.0.0.1:9/", events=Event.values, by=world.outsider)
    build_scenario(world)
    assert not Delivery.objects.exists()
