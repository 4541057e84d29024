"""Outcomes after approval: who may record them, when, the checks, and the audit trail."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from projects.models import Outcome, OutcomeStatus, Proposal, Visibility
from projects.outcomes import outcome_allowed
from tests.html import parse


@pytest.fixture
def approved(world):
    Proposal.objects.filter(pk=world.proposal.pk).update(status="approved")
    world.proposal.refresh_from_db()
    return world.proposal


def url(proposal) -> str:
    return reverse("projects:outcome", args=[proposal.pk])


LAUNCHED = {"status": "launched", "value_achieved": "91% routed first time", "target_met": "yes", "notes": ""}


def test_the_owner_records_an_outcome_and_it_is_audited(world, approved):
    client = world.client_for(world.owner)
    assert client.get(url(approved)).status_code == 200
    response = client.post(url(approved), LAUNCHED)
    assert response.status_code == 302
    outcome = Outcome.objects.get(proposal=approved)
    assert (outcome.status, outcome.target_met, outcome.value_achieved) == ("launched", True, "91% routed first time")
    assert outcome.recorded_by == world.owner
    assert outcome.succeeded is True
    entry = AuditEntry.objects.get(proposal=approved, action="outcome.recorded")
    assert entry.actor == world.owner
    assert entry.after["status"] == "launched" and entry.after["target_met"] is True


def test_it_can_be_changed_later_and_each_change_is_audited(world, approved):
    client = world.client_for(world.owner)
    client.post(url(approved), {"status": "in_progress", "value_achieved": "", "notes": "Building the pipeline"})
    assert Outcome.objects.get(proposal=approved).succeeded is None
    # The form shows what was recorded.
    assert client.get(url(approved)).context["form"].initial["status"] == "in_progress"
    client.post(url(approved), {**LAUNCHED, "target_met": "no", "value_achieved": "80%"})
    outcome = Outcome.objects.get(proposal=approved)
    assert (outcome.status, outcome.target_met, outcome.succeeded) == ("launched", False, False)
    assert client.get(url(approved)).context["form"].initial["target_met"] == "no"
    entry = AuditEntry.objects.get(proposal=approved, action="outcome.updated")
    # Only what changed, before and after.
    assert entry.before == {
        "status": "in_progress",
        "value_achieved": "",
        "target_met": None,
        "notes": "Building the pipeline",
    }
    assert entry.after == {"status": "launched", "value_achieved": "80%", "target_met": False, "notes": ""}
    assert Outcome.objects.count() == 1


def test_an_admin_may_record_it_too(world, approved):
    assert world.client_for(world.admin).post(url(approved), LAUNCHED).status_code == 302
    assert Outcome.objects.get(proposal=approved).recorded_by == world.admin


def test_other_members_get_403_and_outsiders_404(world, approved):
    for user in (world.member, world.reviewer):
        assert world.client_for(user).get(url(approved)).status_code == 403
        assert world.client_for(user).post(url(approved), LAUNCHED).status_code == 403
    assert world.client_for(world.outsider).get(url(approved)).status_code == 404
    assert world.client_for(world.outsider).post(url(approved), LAUNCHED).status_code == 404
    Proposal.objects.filter(pk=approved.pk).update(visibility=Visibility.PRIVATE)
    assert world.client_for(world.member).get(url(approved)).status_code == 404  # hidden: as if absent
    assert not Outcome.objects.exists()


@pytest.mark.parametrize("status", ["draft", "submitted", "in_review", "changes_requested", "rejected", "withdrawn"])
def test_it_is_refused_before_approval_with_a_message(world, status):
    Proposal.objects.filter(pk=world.proposal.pk).update(status=status)
    client = world.client_for(world.owner)
    response = client.get(url(world.proposal))
    assert response.status_code == 409
    assert "only once the proposal is approved" in parse(response).text("main .alert.error")
    assert client.post(url(world.proposal), LAUNCHED).status_code == 409
    assert not Outcome.objects.exists()


def test_an_archived_proposal_may_have_one_only_if_it_was_approved(world, approved):
    Proposal.objects.filter(pk=approved.pk).update(status="archived")
    approved.refresh_from_db()
    assert not outcome_allowed(approved)
    assert world.client_for(world.owner).post(url(approved), LAUNCHED).status_code == 409
    # Its audit trail shows it was approved before it was archived.
    AuditEntry.objects.create(
        organisation=world.org,
        proposal=approved,
        action="proposal.approved",
        object_type="proposal",
        before={"status": "in_review"},
        after={"status": "approved"},
    )
    assert outcome_allowed(approved)
    assert world.client_for(world.owner).post(url(approved), LAUNCHED).status_code == 302


def test_an_archived_proposal_keeps_its_outcome_editable(world, approved):
    world.client_for(world.owner).post(url(approved), LAUNCHED)
    Proposal.objects.filter(pk=approved.pk).update(status="archived")
    response = world.client_for(world.owner).post(url(approved), {**LAUNCHED, "target_met": "no"})
    assert response.status_code == 302
    assert Outcome.objects.get(proposal=approved).target_met is False


def test_launched_needs_a_yes_or_no_and_abandoned_needs_a_reason(world, approved):
    client = world.client_for(world.owner)
    response = client.post(url(approved), {**LAUNCHED, "target_met": ""})
    assert response.status_code == 400
    assert "met its target" in parse(response).text("#id_target_met_error")
    response = client.post(url(approved), {"status": "abandoned", "notes": "  "})
    assert response.status_code == 400
    assert "why the project was abandoned" in parse(response).text("#id_notes_error")
    assert not Outcome.objects.exists()
    assert client.post(url(approved), {"status": "abandoned", "notes": "No labels"}).status_code == 302
    outcome = Outcome.objects.get(proposal=approved)
    assert outcome.succeeded is False and outcome.target_met is None


def test_a_target_answer_is_dropped_unless_launched(world, approved):
    world.client_for(world.owner).post(url(approved), {"status": "in_progress", "target_met": "yes"})
    assert Outcome.objects.get(proposal=approved).target_met is None


@pytest.mark.parametrize(
    "data",
    [
        {"status": "nonsense"},
        {"status": "launched", "target_met": "maybe"},
        {},
        {"status": "launched", "target_met": "yes", "value_achieved": "x" * 500},
        {"status": "abandoned", "notes": "x" * 6000},
    ],
)
def test_bad_input_is_a_400_not_a_500(world, approved, data):
    assert world.client_for(world.owner).post(url(approved), data).status_code == 400
    assert not Outcome.objects.exists()


def test_the_proposal_page_links_to_the_outcome_once_approved(world, approved):
    def page(user):
        return parse(world.client_for(user).get(reverse("projects:detail", args=[approved.pk])))

    assert url(approved) in page(world.owner).hrefs()
    # Not for those who may not record it, nor before approval.
    assert not page(world.member).shows(url(approved))
    Proposal.objects.filter(pk=approved.pk).update(status="draft")
    assert not page(world.owner).shows(url(approved))


def test_outcome_status_values_match_the_form(world):
    assert {value for value, _ in OutcomeStatus.choices} == {"in_progress", "launched", "abandoned"}
