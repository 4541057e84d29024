"""Upgrading a completed assessment to a new questionnaire version, in Chromium.

A proposal assessed on version 1 of the suitability questionnaire (the saved copy in
tests/assessments/data/) meets version 2 (the current file). Its result keeps the version-1 verdict
and offers the upgrade; the upgrade opens the wizard on version 2 with the old answers carried
over, says what changed, and asks only what is new or reworded. The original assessment stays as
it was. Every expectation comes from the engine, not from numbers written down here.
"""

import re
from pathlib import Path
from typing import Any

import yaml
from django.template.defaultfilters import floatformat
from playwright.sync_api import Page, expect

from projects.models import Proposal
from projects.services import proposal_create
from questionnaires.engine import AnswerError, load_questionnaire, missing_required, validate_answer
from questionnaires.models import Answer, Assessment, AssessmentStatus, QuestionnaireVersion
from questionnaires.services import answers_of, questionnaire_diff
from questionnaires.versions import questionnaire_publish, sync_from_files
from suitability.engine import evaluate
from suitability.services import assessment_complete, assessment_start
from tests.browser.conftest import People, screenshot
from tests.browser.test_wizard import (
    QUESTIONNAIRE,
    SECTIONS,
    TYPICAL,
    VERDICTS,
    answer_section,
    expect_section,
    press_nav,
    steps_nav,
)

V1_PATH = Path(__file__).resolve().parents[1] / "assessments" / "data" / "ml_suitability_v1.yaml"


def v1_definition() -> dict[str, Any]:
    with V1_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def v1_answers(definition: dict[str, Any]) -> dict[str, Any]:
    """typical_answers() without what version 1 does not have: its questions, or answers it would refuse.

    The caller checks the rest is still a complete set of version-1 answers.
    """
    v1 = load_questionnaire(definition)
    answers = {}
    for key, value in TYPICAL.items():
        if not v1.has_question(key):
            continue
        try:
            answers[key] = validate_answer(v1.question(key), value)
        except AnswerError:
            continue  # e.g. an option version 2 added
    return answers


def assessed_on_version_1(people: People) -> tuple[Proposal, Assessment, dict[str, Any]]:
    """A proposal whose assessment was completed on version 1; then version 2 is published."""
    definition = v1_definition()
    v1, created = questionnaire_publish(definition=definition)
    assert created and v1.version == 1
    # Not test_wizard.create_proposal(): it publishes the current files, i.e. version 2, too early.
    proposal = proposal_create(
        organisation=people.org,
        data={"title": "Route support tickets to the right queue", "problem": "Tickets land in the wrong queue."},
        by=people.owner,
    )
    answers = v1_answers(definition)
    assert not missing_required(load_questionnaire(definition), answers), "the version-1 answers are incomplete"
    assessment = assessment_start(proposal=proposal, by=people.owner)
    assert assessment.questionnaire == v1
    Answer.objects.bulk_create(
        Answer(assessment=assessment, question_key=key, value=value, answered_by=people.owner)
        for key, value in answers.items()
    )
    assessment = assessment_complete(assessment=assessment, by=people.owner)

    published = sync_from_files()
    v2 = QuestionnaireVersion.objects.filter(key="ml_suitability").order_by("-version").first()
    assert (v2, True) in published and v2.version == 2
    return proposal, assessment, answers


def expect_upgrade_notes(page: Page, diff: dict[str, list[str]]) -> None:
    notes = page.locator("details.alert", has=page.get_by_text(re.compile("Upgraded from version 1 to")))
    expect(notes).to_be_visible()
    expect(notes.locator("summary")).to_contain_text(re.compile(r"Upgraded from version 1 to (version )?2"))
    # The notes name the questions as the person reads them, not by their keys.
    for key in diff["added"] + diff["changed"]:
        expect(notes).to_contain_text(QUESTIONNAIRE.question(key).text)
        expect(notes).not_to_contain_text(re.compile(rf"\b{re.escape(key)}\b"))


def test_a_version_1_assessment_is_upgraded_to_version_2_and_completed(people, page_as):
    proposal, original, v1_given = assessed_on_version_1(people)
    v1 = original.questionnaire
    v2 = QuestionnaireVersion.objects.get(key="ml_suitability", version=2)
    original_state = (original.status, original.verdict, original.score, original.result, original.completed_at)
    v1_label = evaluate(load_questionnaire(v1.definition), v1_given).verdict_label
    assert v1_label == original.result["verdict_label"]
    diff = questionnaire_diff(v1, v2)
    assert diff["added"], "version 2 adds questions"

    # The proposal page leads to the version-1 result, which offers the upgrade.
    page = page_as(people.owner)
    page.goto(f"/proposals/{proposal.pk}/")
    card = page.locator(".summary-card", has=page.get_by_role("heading", name="Is ML the right tool?"))
    expect(card.locator(".verdict-line strong")).to_have_text(v1_label)
    card.get_by_role("link", name=re.compile("See the reasons")).click()
    expect(page).to_have_url(re.compile(rf"/proposals/{proposal.pk}/assessment/{original.pk}/result/$"))
    expect(page.locator("main")).to_contain_text("Questionnaire version 1")
    expect(page.locator("#verdict-title")).to_have_text(v1_label)
    upgrade = page.get_by_role("button", name="Upgrade to version 2")
    expect(upgrade).to_be_visible()
    upgrade.click()

    # The wizard, on version 2, says what changed.
    expect_section(page, SECTIONS[0])
    expect(page.locator(".crumbs")).to_contain_text("(version 2)")
    expect(page.get_by_text("Your answers were carried over to the new version.")).to_be_visible()
    expect_upgrade_notes(page, diff)
    screenshot(page, "upgrade-wizard")

    # Only what version 2 asks anew (or what its answers newly reveal) is answered.
    given: list[str] = []
    for index, section in enumerate(SECTIONS):
        expect_section(page, section)
        given += answer_section(page, TYPICAL)
        if index + 1 < len(SECTIONS):
            press_nav(page, "Next", SECTIONS[index + 1])
    carried = set(v1_given) - set(diff["changed"])
    assert not carried & set(given), f"carried-over answers were asked again: {sorted(carried & set(given))}"
    assert set(diff["added"]) & set(given), "none of the new questions was asked"

    steps_nav(page).get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review your answers", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("required questions? still to answer"))).to_have_count(0)
    page.get_by_role("button", name="Complete the assessment").click()
    expect(page).to_have_url(re.compile(r"/assessment/\d+/result/$"))
    expect(page.get_by_role("status")).to_contain_text("Assessment completed.")

    # The page has loaded: the database is free to ask (see conftest.py on SQLite).
    upgraded = Assessment.objects.get(upgraded_from=original)
    assert upgraded.questionnaire == v2
    assert upgraded.status == AssessmentStatus.COMPLETED
    upgraded_answers = answers_of(upgraded)
    expected = evaluate(QUESTIONNAIRE, upgraded_answers)
    assert page.url.endswith(f"/proposals/{proposal.pk}/assessment/{upgraded.pk}/result/")

    verdict = page.locator("#verdict-title")
    expect(verdict).to_have_text(VERDICTS)
    expect(verdict).to_have_text(expected.verdict_label)
    expect(page.locator(".verdict .score")).to_contain_text(
        f"Score {floatformat(expected.score, -1)} of {floatformat(expected.max_score, -1)}"
    )
    expect(page.locator("main")).to_contain_text("Questionnaire version 2")
    expect(page.get_by_role("button", name=re.compile("Upgrade to version"))).to_have_count(0)
    gates = page.locator("section.gates")
    if expected.gates:
        expect(gates).to_be_visible()
        expect(gates.get_by_role("heading", level=2)).to_contain_text("Production gates")
        expect(gates.locator(".gate-list > li")).to_have_count(len(expected.gates))
        for gate in expected.gates:
            expect(gates).to_contain_text(gate.label)
    else:
        expect(gates).to_have_count(0)
    screenshot(page, "upgrade-result")

    # The old answers came along, unchanged; only the reworded questions were answered again.
    for key in carried:
        assert upgraded_answers[key] == v1_given[key], key
    assert upgraded.upgrade_notes["from_version"] == 1 and upgraded.upgrade_notes["to_version"] == 2
    assert set(upgraded.upgrade_notes["kept"]) == carried
    # And the version-1 assessment is exactly as it was.
    original.refresh_from_db()
    assert original.questionnaire == v1
    assert (original.status, original.verdict, original.score, original.result, original.completed_at) == (
        original_state
    )
    assert answers_of(original) == v1_given
