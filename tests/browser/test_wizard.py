"""The suitability wizard in Chromium: start, answer, leave, resume elsewhere, review, complete.

Answers are given as a person gives them: by clicking a choice's label, or by typing into a field
and leaving it. With JavaScript on, htmx posts the section's form on every `change`; `answer()`
waits for that response and for htmx to have swapped it in before the next answer, so that a
redraw (when the shown questions change) never replaces a choice the test has just made.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.template.defaultfilters import floatformat
from playwright.sync_api import Browser, Page, Response, expect

from projects.models import Proposal
from projects.services import proposal_create
from questionnaires.engine import ML_SUITABILITY_PATH, missing_required, questionnaire_from_file
from questionnaires.engine.schema import (
    LONG_TEXT,
    MULTIPLE_CHOICE,
    NUMBER,
    SCALE,
    SHORT_TEXT,
    SINGLE_CHOICE,
    UNKNOWN,
    YES_NO,
    Compare,
    Question,
    Section,
)
from questionnaires.versions import sync_from_files
from suitability.engine import evaluate
from tests.browser.conftest import PASSWORD, People, screenshot, sign_in
from tests.typical_answers import typical_answers

QUESTIONNAIRE = questionnaire_from_file(ML_SUITABILITY_PATH)
SECTIONS = QUESTIONNAIRE.sections
TYPICAL = typical_answers()
VERDICTS = re.compile(r"^(A good fit for ML|A fit for ML, with caveats|Not a fit for ML \(yet\))$")
FIELD_TYPES = {NUMBER, SHORT_TEXT, LONG_TEXT}


def create_proposal(people: People, title: str = "Route support tickets to the right queue") -> Proposal:
    proposal = proposal_create(
        organisation=people.org, data={"title": title, "problem": "Tickets land in the wrong queue."}, by=people.owner
    )
    sync_from_files()  # publish the questionnaire, as `manage.py load_questionnaires` does
    return proposal


# --- Moving through the wizard ---------------------------------------------------------------


def open_assessment(page: Page, proposal: Proposal) -> None:
    """From the proposal page, the way a person gets there."""
    page.goto(f"/proposals/{proposal.pk}/")
    page.get_by_role("link", name="Assess ML suitability").click()


def start_assessment(page: Page, proposal: Proposal) -> None:
    open_assessment(page, proposal)
    expect(page.get_by_role("heading", name="Is ML the right tool for this?", level=1)).to_be_visible()
    page.get_by_role("button", name="Start the assessment").click()
    expect_section(page, SECTIONS[0])


def expect_section(page: Page, section: Section) -> None:
    expect(page).to_have_url(re.compile(rf"/proposals/\d+/assessment/\d+/step/{section.key}/(#.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(section.title)
    expect(page.locator("nav.steps [aria-current=step]")).to_have_text(section.title)


def steps_nav(page: Page):
    return page.get_by_role("navigation", name="Steps")


def is_section_post(response: Response) -> bool:
    return response.request.method == "POST" and "/step/" in response.url


def settled(page: Page) -> None:
    """htmx has swapped in its last response: it takes `htmx-request` off the form only after the swap."""
    expect(page.locator("#wizard form.htmx-request")).to_have_count(0)


def press_nav(page: Page, name: str, section: Section) -> None:
    """Click Next or Back and land on `section`; with htmx the URL is pushed, without it the POST redirects."""
    page.locator(".wizard-nav").get_by_role("button", name=name, exact=True).click()
    expect_section(page, section)


# --- Answering -------------------------------------------------------------------------------


def question_box(page: Page, key: str):
    return page.locator(f"#q-{key}")


def choice(page: Page, key: str, value: Any):
    """The label of one choice of a question (clicking a label is what people do)."""
    return question_box(page, key).locator("label.choice", has=page.locator(f'input[value="{value}"]'))


def _give(page: Page, question: Question, value: Any) -> None:
    if question.type in FIELD_TYPES and value == UNKNOWN:
        question_box(page, question.key).locator("label.choice.unknown").click()
    elif question.type in FIELD_TYPES:
        field = page.locator(f"#id_{question.key}")
        field.fill(str(value))
        field.press("Tab")  # leaving the field fires `change`
    else:
        choice(page, question.key, value).click()


def answer(page: Page, key: str, value: Any) -> None:
    """Give one answer (each choice of a multiple choice one by one) and wait until it is saved."""
    question = QUESTIONNAIRE.question(key)
    for one in value if isinstance(value, list) else [value]:
        with page.expect_response(is_section_post) as response:
            _give(page, question, one)
        # 200: either the small "Saved" status or the redrawn section (the shown questions changed).
        assert response.value.status == 200, f"saving {key}={one!r}: HTTP {response.value.status}"
        settled(page)
    expect_answer_shown(page, key, value)


def expect_answer_shown(page: Page, key: str, value: Any) -> None:
    question = QUESTIONNAIRE.question(key)
    if question.type in FIELD_TYPES and value != UNKNOWN:
        expect(page.locator(f"#id_{key}")).to_have_value(str(value))
    elif question.type in FIELD_TYPES:
        expect(page.locator(f'input[name="{key}__unknown"]')).to_be_checked()
    else:
        for one in value if isinstance(value, list) else [value]:
            expect(question_box(page, key).locator(f'input[value="{one}"]')).to_be_checked()


def fallback_answer(question: Question) -> Any:
    """For a shown question that typical_answers() does not cover: the first choice, or nothing if optional."""
    if not question.required:
        return None
    if question.type == SINGLE_CHOICE:
        return question.options[0].value
    if question.type == MULTIPLE_CHOICE:
        return [question.options[0].value]
    if question.type == YES_NO:
        return "yes"
    if question.type == SCALE:
        return 3
    if question.type == NUMBER:
        return int(question.min or 1)
    return "n/a"


SHOWN_QUESTIONS_JS = """
els => els.map(el => ({
  key: el.id.slice(2),
  answered: [...el.querySelectorAll('input:not([type=hidden]), textarea')].some(i =>
    (i.type === 'radio' || i.type === 'checkbox') ? (i.checked && i.value !== '') : i.value !== ''),
}))
"""


def answer_section(page: Page, answers: dict[str, Any]) -> list[str]:
    """Answer every shown, unanswered question of the section on screen, including those an answer reveals.

    Returns the keys answered, in order.
    """
    seen: set[str] = set()
    given = []
    while True:
        shown = page.locator("#wizard .question").evaluate_all(SHOWN_QUESTIONS_JS)
        pending = [q for q in shown if q["key"] not in seen]
        if not pending:
            return given
        key = pending[0]["key"]
        seen.add(key)
        if pending[0]["answered"]:
            continue
        value = answers[key] if key in answers else fallback_answer(QUESTIONNAIRE.question(key))
        if value is not None:
            answer(page, key, value)
            given.append(key)


# --- The tests -------------------------------------------------------------------------------


def test_a_person_answers_leaves_and_finishes_from_another_browser(people, page_as):
    proposal = create_proposal(people)
    first, second = SECTIONS[0], SECTIONS[1]

    # Browser A: start, answer the first section, move on, answer part of the second, leave.
    a = page_as(people.owner)
    start_assessment(a, proposal)
    expect(a.locator("#wizard")).to_contain_text(re.compile(r"Section 1 of \d+ · 0 of \d+ sections done"))
    choice(a, "answer_is_stored", "no").click()
    expect(a.locator("#save-status")).to_have_text("Saved")
    settled(a)
    answer_section(a, TYPICAL)
    for key in [q.key for q in first.questions]:
        expect_answer_shown(a, key, TYPICAL[key])
    screenshot(a, "wizard-step")

    a.evaluate("window.notReloaded = true")  # a full page load would start a new window object
    press_nav(a, "Next", second)
    assert a.evaluate("window.notReloaded") is True, "Next reloaded the whole page instead of swapping the section"
    partly = [q.key for q in second.questions[:2]]
    for key in partly:
        answer(a, key, TYPICAL[key])
    a.context.close()

    # Browser B, same person, no cookies in common: the wizard resumes where A left off.
    b = page_as(people.owner)
    open_assessment(b, proposal)
    expect_section(b, second)
    # Progress counts sections: the first is done, the second only begun.
    expect(b.locator("#wizard")).to_contain_text(re.compile(r"Section 2 of \d+ · 1 of \d+ sections done"))
    for key in partly:
        expect_answer_shown(b, key, TYPICAL[key])
    for key in [q.key for q in second.questions[2:]]:
        expect(question_box(b, key).locator("input:checked:not([value=''])")).to_have_count(0)
        expect(question_box(b, key).locator("input[type=text]:not([value=''])")).to_have_count(0)
    press_nav(b, "Back", first)
    for key in [q.key for q in first.questions]:
        expect_answer_shown(b, key, TYPICAL[key])
    press_nav(b, "Next", second)

    # Every remaining section, in order; the answers may reveal follow-up questions on the way.
    for index, section in enumerate(SECTIONS[1:], start=1):
        expect_section(b, section)
        answer_section(b, TYPICAL)
        if index + 1 < len(SECTIONS):
            press_nav(b, "Next", SECTIONS[index + 1])
    expect(b.locator(".wizard-nav").get_by_role("button", name="Review answers")).to_be_visible()

    # The steps' Review link; the "Review answers" button is test_the_review_answers_button_...
    steps_nav(b).get_by_role("link", name="Review").click()
    expect(b).to_have_url(re.compile(r"/assessment/\d+/review/$"))
    expect(b.get_by_role("heading", name="Review your answers", level=1)).to_be_visible()
    expect(b.get_by_role("heading", name=re.compile("required questions? still to answer"))).to_have_count(0)
    expected = evaluate(QUESTIONNAIRE, TYPICAL)
    expect(b.locator("main")).to_contain_text(
        f"Every required question is answered. So far this reads as {expected.verdict_label}"
    )
    expect(b.locator(".review-section")).to_have_count(len(SECTIONS))
    b.get_by_role("button", name="Complete the assessment").click()

    expect(b).to_have_url(re.compile(r"/assessment/\d+/result/$"))
    expect(b.get_by_role("status")).to_contain_text("Assessment completed.")
    verdict = b.locator("#verdict-title")
    expect(verdict).to_have_text(VERDICTS)
    expect(verdict).to_have_text(expected.verdict_label)
    score, maximum = floatformat(expected.score, -1), floatformat(expected.max_score, -1)
    expect(b.locator(".verdict .score")).to_contain_text(f"Score {score} of {maximum}")
    expect(b.get_by_role("heading", name="How the score is computed")).to_be_visible()
    expect(b.locator("table.criteria tbody tr")).to_have_count(len(QUESTIONNAIRE.criteria))
    screenshot(b, "wizard-result")

    b.get_by_role("link", name=proposal.title).click()
    expect(b).to_have_url(re.compile(rf"/proposals/{proposal.pk}/$"))
    card = b.locator(".summary-card", has=b.get_by_role("heading", name="Is ML the right tool?"))
    expect(card.locator(".verdict-line strong")).to_have_text(expected.verdict_label)
    expect(card.get_by_role("link", name="Assess ML suitability")).to_have_count(0)
    # And the assessment link now leads to the result, not back into the wizard.
    card.get_by_role("link", name=re.compile("See the reasons")).click()
    expect(b).to_have_url(re.compile(r"/assessment/\d+/result/$"))
    expect(b.locator("#verdict-title")).to_have_text(expected.verdict_label)


def test_review_links_to_each_missing_required_question(people, page_as):
    proposal = create_proposal(people)
    page = page_as(people.owner)
    start_assessment(page, proposal)

    steps_nav(page).get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review your answers", level=1)).to_be_visible()
    missing = missing_required(QUESTIONNAIRE, {})
    box = page.locator("section.alert.error", has=page.locator("#missing-title"))
    expect(box.get_by_role("heading")).to_have_text(f"{len(missing)} required questions still to answer")
    links = box.get_by_role("link")
    expect(links).to_have_text([q.text for q in missing])
    screenshot(page, "wizard-review-missing")

    # Completing now is refused, and says why.
    page.get_by_role("button", name="Complete the assessment").click()
    expect(page.get_by_role("alert").filter(has_text="still need an answer")).to_have_text(
        f"{len(missing)} required question(s) still need an answer."
    )
    expect(links).to_have_count(len(missing))

    # A missing question in a later section: its link opens that section at the question.
    target = next(q for q in missing if q.section != SECTIONS[0].key)
    section = next(s for s in SECTIONS if s.key == target.section)
    links.filter(has_text=target.text).click()
    expect_section(page, section)
    expect(page).to_have_url(re.compile(rf"/step/{section.key}/#q-{target.key}$"))
    expect(question_box(page, target.key)).to_be_visible()
    expect(question_box(page, target.key)).to_contain_text(target.text)
    expect(question_box(page, target.key)).to_be_in_viewport()


@pytest.fixture
def page_without_javascript(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_wizard_works_without_javascript(people, page_without_javascript, live_server):
    proposal = create_proposal(people)
    page = page_without_javascript
    sign_in(page, live_server.url, people.owner.email, PASSWORD)
    start_assessment(page, proposal)

    choice(page, "answer_is_stored", "no").click()
    choice(page, "rule_complexity", "many_rules").click()
    expect(page.locator("#save-status")).to_have_text("")  # no htmx: nothing is sent until a button is pressed
    with page.expect_response(is_section_post) as posted:
        press_nav(page, "Next", SECTIONS[1])
    assert posted.value.status == 302, "a plain form post answers with a redirect"
    assert "hx-request" not in posted.value.request.headers
    screenshot(page, "wizard-step-without-javascript")

    choice(page, "output_use", "predict").click()
    press_nav(page, "Back", SECTIONS[0])
    expect_answer_shown(page, "answer_is_stored", "no")
    expect_answer_shown(page, "rule_complexity", "many_rules")
    expect(page.locator("#wizard")).to_contain_text(re.compile(r"Section 1 of \d+ · 0 of \d+ sections done"))
    press_nav(page, "Next", SECTIONS[1])
    expect_answer_shown(page, "output_use", "predict")


def conditional_question() -> tuple[Section, Question, Compare]:
    """The first question shown only when an earlier, always-shown question of its section has one answer."""
    for section in SECTIONS:
        earlier = {}
        for question in section.questions:
            condition = question.show_if
            if isinstance(condition, Compare) and condition.op == "equals" and condition.question in earlier:
                return section, question, condition
            if question.show_if is None and question.type in (SINGLE_CHOICE, YES_NO):
                earlier[question.key] = question
    raise AssertionError("the questionnaire has no question that another in its section shows")


def test_a_conditional_question_appears_when_its_condition_is_met(people, page_as):
    section, dependent, condition = conditional_question()
    controller = QUESTIONNAIRE.question(condition.question)
    other = next(
        (o.value for o in controller.options if o.value != condition.value),
        "no" if condition.value == "yes" else "yes",
    )
    proposal = create_proposal(people)
    page = page_as(people.owner)
    start_assessment(page, proposal)
    steps_nav(page).get_by_role("link", name=section.title).click()
    expect_section(page, section)
    expect(question_box(page, dependent.key)).to_have_count(0)
    page.evaluate("window.notReloaded = true")

    answer(page, controller.key, condition.value)
    expect(question_box(page, dependent.key)).to_be_visible()
    expect(question_box(page, dependent.key)).to_contain_text(dependent.text)
    assert page.evaluate("window.notReloaded") is True, "the section was reloaded, not redrawn in place"
    screenshot(page, "wizard-conditional-shown")

    answer(page, controller.key, other)
    expect(question_box(page, dependent.key)).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True


# --- Fixed bugs, kept as regression tests ----------------------------------------------------


def test_the_review_answers_button_opens_the_review_page(people, page_as):
    proposal = create_proposal(people)
    page = page_as(people.owner)
    start_assessment(page, proposal)
    steps_nav(page).get_by_role("link", name=SECTIONS[-1].title).click()
    expect_section(page, SECTIONS[-1])
    with page.expect_response(is_section_post):
        page.locator(".wizard-nav").get_by_role("button", name="Review answers").click()
    settled(page)
    expect(page).to_have_url(re.compile(r"/assessment/\d+/review/$"))
    expect(page.get_by_role("heading", name="Review your answers", level=1)).to_be_visible()
    expect(page.locator("main")).to_have_count(1)


def test_a_refused_answer_shows_its_error_beside_the_question(people, page_as):
    proposal = create_proposal(people)
    page = page_as(people.owner)
    start_assessment(page, proposal)
    section = next(s for s in SECTIONS if any(q.key == "prediction_volume" for q in s.questions))
    steps_nav(page).get_by_role("link", name=section.title).click()
    expect_section(page, section)
    field = page.locator("#id_prediction_volume")
    field.fill("lots")
    with page.expect_response(is_section_post) as response:
        field.press("Tab")
    assert response.value.status == 400
    settled(page)
    error = question_box(page, "prediction_volume").locator(".error")
    expect(error).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("lots")
