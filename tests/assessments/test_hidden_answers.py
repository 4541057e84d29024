"""Answers to questions hidden by the other answers are dropped when answers are saved (the wizard,
the API, the stakeholder questionnaire, a new round), and never reach a report's inputs; a report
whose answers had none hidden keeps its inputs' hash."""

import pytest
from django.test import Client
from django.urls import reverse

from assessments.engine.bench import typical_answers
from assessments.models import Answer, Assessment
from assessments.questionnaires_db import sync_from_files
from assessments.reports import inputs_hash, report_inputs, report_request
from assessments.services import answers_of, answers_put, assessment_complete, assessment_start
from projects.models import AuditEntry
from stakeholders.services import stake_roles, stakeholder_add, stakeholder_invite
from tests.assessments.test_reports import celery_eager

# labelled_examples is shown only when has_data is "yes".
SHOWN = {"has_data": "yes", "labelled_examples": 8000}


@pytest.fixture
def assessed(world, questionnaire_version):
    return answers_put(proposal=world.proposal, raw={**typical_answers(), **SHOWN}, by=world.owner)


def stored(assessment) -> dict:
    return dict(Answer.objects.filter(assessment=assessment).values_list("question_key", "value"))


def test_an_answer_hidden_by_a_change_in_the_wizard_is_dropped_and_the_drop_recorded(world, assessed):
    url = reverse("assessments:section", args=[world.proposal.pk, assessed.pk, "data"])
    response = world.client_for(world.owner).post(url, {"_shown": ["has_data"], "has_data": "no"})
    assert response.status_code == 302
    answers = stored(assessed)
    assert answers["has_data"] == "no"
    assert "labelled_examples" not in answers
    entry = AuditEntry.objects.filter(action="answers.saved").latest("pk")
    assert entry.before["labelled_examples"] == 8000 and entry.after["labelled_examples"] is None


def test_an_answer_posted_to_a_question_its_own_post_hides_is_not_stored(world, assessed):
    url = reverse("assessments:section", args=[world.proposal.pk, assessed.pk, "data"])
    world.client_for(world.owner).post(
        url, {"_shown": ["has_data", "labelled_examples"], "has_data": "no", "labelled_examples": "500"}
    )
    assert "labelled_examples" not in stored(assessed)


def test_the_api_drops_hidden_answers_too(world, questionnaire_version):
    assessment = answers_put(proposal=world.proposal, raw={"has_data": "no", "labelled_examples": 500}, by=world.owner)
    assert stored(assessment) == {"has_data": "no"}


def test_a_hidden_answer_that_becomes_shown_again_is_asked_again(world, assessed):
    answers_put(proposal=world.proposal, raw={"has_data": "no"}, by=world.owner)
    answers_put(proposal=world.proposal, raw={"has_data": "yes"}, by=world.owner)
    assert "labelled_examples" not in stored(assessed)


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
    answers = answers_of(Assessment.objects.get(stakeholder=stakeholder))
    assert answers == {"latency_priority": "none"}


def legacy_hidden_answer(assessment) -> None:
    """An answer to a hidden question as stored before answers were dropped at save (or imported)."""
    Answer.objects.create(assessment=assessment, question_key="labelled_examples", value=50, answered_by=None)


def test_a_hidden_answer_never_reaches_a_reports_inputs_nor_changes_its_hash(world, assessed):
    answers_put(proposal=world.proposal, raw={"has_data": "no"}, by=world.owner)
    completed = assessment_complete(assessment=assessed, by=world.owner)
    with celery_eager():
        report, created = report_request(proposal=world.proposal, by=world.owner)
    assert created
    legacy_hidden_answer(completed)
    inputs = report_inputs(proposal=world.proposal)
    assert "labelled_examples" not in inputs["suitability"]["answers"]
    assert inputs_hash(inputs) == report.inputs_hash
    with celery_eager():
        again, created = report_request(proposal=world.proposal, by=world.owner)
    assert (again.pk, created) == (report.pk, False)


def test_answers_without_hidden_ones_give_the_same_inputs_as_before(world, assessed):
    # Before this change the inputs held every stored answer: for answers with none hidden they
    # must be the very same, so no existing report goes out of date.
    inputs = report_inputs(proposal=world.proposal)
    assert inputs["suitability"]["answers"] == dict(sorted(answers_of(assessed).items()))
    assert "labelled_examples" in inputs["suitability"]["answers"]


def test_a_new_round_does_not_carry_a_hidden_answer_over(world, assessed):
    answers_put(proposal=world.proposal, raw={"has_data": "no"}, by=world.owner)
    completed = assessment_complete(assessment=assessed, by=world.owner)
    legacy_hidden_answer(completed)
    new_round = assessment_start(proposal=world.proposal, by=world.owner)
    assert new_round.pk != completed.pk
    assert "labelled_examples" not in stored(new_round)
    assert stored(new_round)["has_data"] == "no"
