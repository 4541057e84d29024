"""Answers to questions hidden by the other answers never count and never reach a report's inputs
(a report whose answers had none hidden keeps its inputs' hash). While an assessment is edited
they are kept, so changing an answer and changing it back, or an upgrade that asks a question
again, loses nothing; completing the assessment drops them, recorded in the audit trail."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from questionnaires.models import Answer, Assessment
from questionnaires.services import answers_of
from questionnaires.versions import sync_from_files
from reports.services import inputs_hash, report_inputs, report_request
from stakeholders.services import stake_roles, stakeholder_add, stakeholder_invite
from suitability.services import answers_put, assessment_complete, assessment_start
from tests.typical_answers import typical_answers

# labelled_examples is shown only when has_data is "yes".
SHOWN = {"has_data": "yes", "labelled_examples": 8000}


@pytest.fixture
def assessed(world, questionnaire_version):
    return answers_put(proposal=world.proposal, raw={**typical_answers(), **SHOWN}, by=world.owner)


def stored(assessment) -> dict:
    return dict(Answer.objects.filter(assessment=assessment).values_list("question_key", "value"))


def test_an_answer_hidden_by_a_change_in_the_wizard_is_kept_until_completion_then_dropped(world, assessed):
    url = reverse("assessments:section", args=[world.proposal.pk, assessed.pk, "data"])
    response = world.client_for(world.owner).post(url, {"_shown": ["has_data"], "has_data": "no"})
    assert response.status_code == 302
    answers = stored(assessed)
    assert answers["has_data"] == "no"
    assert answers["labelled_examples"] == 8000  # kept, counting for nothing, while editing
    completed = assessment_complete(assessment=assessed, by=world.owner)
    assert "labelled_examples" not in stored(completed)
    entry = AuditEntry.objects.filter(action="answers.hidden_dropped").latest("pk")
    assert entry.before["labelled_examples"] == 8000 and entry.after["labelled_examples"] is None


def test_changing_an_answer_and_back_loses_nothing(world, assessed):
    answers_put(proposal=world.proposal, raw={"has_data": "no"}, by=world.owner)
    answers_put(proposal=world.proposal, raw={"has_data": "yes"}, by=world.owner)
    assert stored(assessed)["labelled_examples"] == 8000


def test_completing_through_the_api_drops_hidden_answers_too(world, questionnaire_version):
    answers = {**typical_answers(), "has_data": "no", "labelled_examples": 500}
    assessment = answers_put(proposal=world.proposal, raw=answers, by=world.owner)
    assert stored(assessment)["labelled_examples"] == 500
    completed = assessment_complete(assessment=assessment, by=world.owner)
    assert "labelled_examples" not in stored(completed)
    assert "labelled_examples" not in completed.result["unknowns"]


def test_the_stakeholder_questionnaire_drops_a_target_for_a_dimension_they_do_not_care_about(world):
    sync_from_files()
    role = next(r for r in stake_roles(organisation=world.org) if r.key == "legal")
    stakeholder = stakeholder_add(
        proposal=world.proposal, role=role, by=world.owner, link_url=lambda s, r: r, name="Lee", email="lee@law.test"
    )
    raw = stakeholder_invite(stakeholder=stakeholder, by=world.owner, link_url=lambda s, r: r)
    path = reverse("requirements_link", args=[raw])
    Client().post(
        path, {"_shown": ["latency_priority", "latency_target"], "latency_priority": "must", "latency_target": "100"}
    )
    Client().post(path, {"_shown": ["latency_priority"], "latency_priority": "none"})
    # The target stays stored (hidden, counting for nothing) but states no requirement.
    answers = answers_of(Assessment.objects.get(stakeholder=stakeholder))
    assert answers["latency_priority"] == "none"
    assert not stakeholder.requirements.filter(dimension="latency").exists()


def legacy_hidden_answer(assessment) -> None:
    """An answer to a hidden question as stored before answers were dropped at save (or imported)."""
    Answer.objects.create(assessment=assessment, question_key="labelled_examples", value=50, answered_by=None)


def test_a_hidden_answer_never_reaches_a_reports_inputs_nor_changes_its_hash(world, assessed):
    answers_put(proposal=world.proposal, raw={"has_data": "no"}, by=world.owner)
    completed = assessment_complete(assessment=assessed, by=world.owner)
    report, created = report_request(proposal=world.proposal, by=world.owner)
    assert created
    legacy_hidden_answer(completed)
    inputs = report_inputs(proposal=world.proposal)
    assert "labelled_examples" not in inputs["suitability"]["answers"]
    assert inputs_hash(inputs) == report.inputs_hash
    again, created = report_request(proposal=world.proposal, by=world.owner)
    assert (again.pk, created) == (report.pk, False)


def test_answers_without_hidden_ones_give_the_same_inputs_as_before(world, assessed):
    # Before this change the inputs held every stored answer: for answers with none hidden they
    # must be the very same, so no existing report goes out of date.
    inputs = report_inputs(proposal=world.proposal)
    assert inputs["suitability"]["answers"] == dict(sorted(answers_of(assessed).items()))
    assert "labelled_examples" in inputs["suitability"]["answers"]


def test_a_hidden_answer_carried_into_a_new_round_counts_for_nothing_and_goes_at_completion(world, assessed):
    answers_put(proposal=world.proposal, raw={"has_data": "no"}, by=world.owner)
    completed = assessment_complete(assessment=assessed, by=world.owner)
    legacy_hidden_answer(completed)
    new_round = assessment_start(proposal=world.proposal, by=world.owner)
    assert new_round.pk != completed.pk
    assert stored(new_round)["has_data"] == "no"
    assert "labelled_examples" not in report_inputs(proposal=world.proposal)["suitability"]["answers"]
    assert "labelled_examples" not in stored(assessment_complete(assessment=new_round, by=world.owner))
