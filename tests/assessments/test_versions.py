"""Questionnaire versions: publishing, pinning, upgrading, and editing in the admin."""

import copy
import json

import pytest
from django.urls import reverse

from questionnaires.models import Answer, Assessment, AssessmentStatus, QuestionnaireVersion
from questionnaires.services import answers_of
from questionnaires.versions import questionnaire_publish, sync_from_files
from suitability.services import assessment_complete, assessment_start, assessment_upgrade
from tests.html import parse
from tests.typical_answers import typical_answers


def completed(world, version):
    assessment = assessment_start(proposal=world.proposal, by=world.owner)
    for key, value in typical_answers().items():
        Answer.objects.create(assessment=assessment, question_key=key, value=value)
    return assessment_complete(assessment=assessment, by=world.owner)


def changed_definition(version: QuestionnaireVersion, *, reword: str, add: bool = True, weight: float | None = None):
    definition = copy.deepcopy(version.definition)
    for section in definition["sections"]:
        for question in section["questions"]:
            if question["key"] == reword:
                question["text"] += " (reworded)"
    if add:
        definition["sections"][0]["questions"].append(
            {"key": "new_question", "type": "short_text", "text": "Anything else?", "required": False}
        )
    if weight is not None:
        for criterion in definition["criteria"]:
            criterion["weight"] = weight
    return definition


def test_loading_the_same_files_twice_publishes_once(db):
    first = sync_from_files()
    second = sync_from_files()
    assert [created for _, created in first] == [True] * len(first)
    assert [created for _, created in second] == [False] * len(second)
    assert QuestionnaireVersion.objects.count() == len(first)


def test_a_broken_definition_is_never_published(questionnaire_version):
    broken = copy.deepcopy(questionnaire_version.definition)
    broken["criteria"][0]["signals"][0]["question"] = "no_such_question"
    with pytest.raises(ValueError, match="no_such_question"):
        questionnaire_publish(definition=broken)
    assert QuestionnaireVersion.objects.filter(key="ml_suitability").count() == 1


def test_a_completed_assessment_keeps_its_verdict_when_a_new_version_is_published(world, questionnaire_version):
    assessment = completed(world, questionnaire_version)
    before = (assessment.verdict, assessment.score, assessment.result)
    # Version 2 weighs every criterion differently: a new assessment would score differently.
    questionnaire_publish(definition=changed_definition(questionnaire_version, reword="rule_complexity", weight=7))
    assessment.refresh_from_db()
    assert (assessment.verdict, assessment.score, assessment.result) == before
    assert assessment.questionnaire == questionnaire_version
    page = world.client_for(world.owner).get(reverse("assessments:result", args=[world.proposal.pk, assessment.pk]))
    assert "Upgrade to version 2" in parse(page).texts("main .alert.info form button")


def test_upgrading_carries_answers_over_and_asks_changed_questions_again(world, questionnaire_version):
    assessment = completed(world, questionnaire_version)
    v2, _ = questionnaire_publish(definition=changed_definition(questionnaire_version, reword="rule_complexity"))
    upgraded = assessment_upgrade(assessment=assessment, by=world.owner)
    assert upgraded.questionnaire == v2
    assert upgraded.is_editable
    answers = answers_of(upgraded)
    assert "rule_complexity" not in answers  # reworded: asked again
    assert answers["has_data"] == typical_answers()["has_data"]
    notes = upgraded.upgrade_notes
    assert notes["added"] == ["new_question"]
    assert notes["changed"] == ["rule_complexity"]
    assert "rule_complexity" in notes["dropped"]
    # The original stays exactly as it was.
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.COMPLETED
    assert len(answers_of(assessment)) == len(typical_answers())


def test_the_upgraded_wizard_shows_what_changed(world, questionnaire_version):
    assessment = completed(world, questionnaire_version)
    questionnaire_publish(definition=changed_definition(questionnaire_version, reword="rule_complexity"))
    client = world.client_for(world.owner)
    response = client.post(reverse("assessments:upgrade", args=[world.proposal.pk, assessment.pk]), follow=True)
    page = parse(response)
    assert page.text("details.alert.info summary") == "Upgraded from version 1 to 2: what changed"
    asked = [href.rsplit("#", 1)[-1] for href in page.hrefs("details.alert.info")]
    assert "q-new_question" in asked and "q-rule_complexity" in asked


def test_upgrading_an_open_assessment_supersedes_it(world, questionnaire_version):
    assessment = assessment_start(proposal=world.proposal, by=world.owner)
    questionnaire_publish(definition=changed_definition(questionnaire_version, reword="has_data"))
    upgraded = assessment_upgrade(assessment=assessment, by=world.owner)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUPERSEDED
    assert Assessment.objects.exclude(status=AssessmentStatus.SUPERSEDED).get() == upgraded


def test_upgrading_on_the_latest_version_is_refused_with_a_message(world, questionnaire_version):
    assessment = completed(world, questionnaire_version)
    client = world.client_for(world.owner)
    response = client.post(reverse("assessments:upgrade", args=[world.proposal.pk, assessment.pk]), follow=True)
    assert "already uses the latest" in parse(response).text("ul.messages")


def test_editing_in_the_admin_publishes_a_new_version(world, questionnaire_version, admin_client):
    definition = changed_definition(questionnaire_version, reword="has_data")
    url = reverse("admin:assessments_questionnaireversion_change", args=[questionnaire_version.pk])
    response = admin_client.post(url, {"definition": json.dumps(definition), "notes": "Reworded has_data"})
    assert response.status_code == 302
    assert QuestionnaireVersion.objects.filter(key="ml_suitability").count() == 2
    questionnaire_version.refresh_from_db()
    assert "(reworded)" not in str(questionnaire_version.definition)
    newest = QuestionnaireVersion.objects.get(key="ml_suitability", version=2)
    assert newest.notes == "Reworded has_data"


def test_the_admin_refuses_an_invalid_definition(world, questionnaire_version, admin_client):
    url = reverse("admin:assessments_questionnaireversion_change", args=[questionnaire_version.pk])
    response = admin_client.post(url, {"definition": '{"key": "ml_suitability"}', "notes": ""})
    assert response.status_code == 200
    assert "Not a valid questionnaire" in " ".join(parse(response).texts(".errorlist"))
    assert QuestionnaireVersion.objects.filter(key="ml_suitability").count() == 1
