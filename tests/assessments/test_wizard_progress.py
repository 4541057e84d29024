"""The wizard's progress counts sections, so a follow-up question coming into view does not move the
count backwards; answers read as labels ("Yes", "Don't know"), scores to one decimal at most."""

import re

from django.urls import reverse

from questionnaires.engine import visible_questions
from questionnaires.models import Assessment
from questionnaires.versions import engine_questionnaire
from suitability.services import answers_put
from tests.html import parse
from tests.typical_answers import typical_answers

COUNT = re.compile(r"^Section (\d+) of (\d+) · (\d+) of (\d+) sections? done")


def start(world, client) -> Assessment:
    assert client.post(reverse("assessments:start", args=[world.proposal.pk])).status_code == 302
    return Assessment.objects.get(proposal=world.proposal)


def section_url(world, assessment, key: str) -> str:
    return reverse("assessments:section", args=[world.proposal.pk, assessment.pk, key])


def progress(page) -> tuple[int, int, int, int]:
    text = page.text("#wizard-count")
    match = COUNT.match(text)
    assert match, text
    return tuple(int(n) for n in match.groups())


def test_a_follow_up_question_appearing_leaves_the_count_of_sections_alone(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    questionnaire = engine_questionnaire(questionnaire_version)
    data = next(s for s in questionnaire.sections if s.key == "data")
    url = section_url(world, assessment, "data")

    before = parse(client.get(url))
    shown_before = {q.key for q in visible_questions(questionnaire, {}) if q.section == "data"}
    step, steps, done, of = progress(before)
    assert (steps, of, done) == (len(questionnaire.sections), len(questionnaire.sections), 0)

    # "Yes, we have data" brings the data section's follow-up questions into view.
    response = client.post(url, {"_shown": ["has_data"], "has_data": "yes"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    after = parse(client.get(url))
    shown_after = {q.key for q in visible_questions(questionnaire, {"has_data": "yes"}) if q.section == "data"}
    assert len(shown_after) > len(shown_before), "the test needs a question that follow-ups depend on"
    assert after.count(".question") == len(shown_after) <= len(data.questions)
    assert progress(after) == (step, steps, 0, of), "the denominator stays the number of sections"
    # What is left here is said without a total that grows.
    assert re.search(r"\d+ required questions? left in this section", after.text("#wizard-count"))
    assert "questions answered" not in after.text("#wizard")


def test_a_section_counts_as_done_once_its_required_questions_are_answered(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    questionnaire = engine_questionnaire(questionnaire_version)
    first = questionnaire.sections[0]
    answers = typical_answers()
    posted = {q.key: answers[q.key] for q in first.questions if q.key in answers}
    assert client.post(section_url(world, assessment, first.key), {"_shown": list(posted), **posted}).status_code == 302

    page = parse(client.get(section_url(world, assessment, questionnaire.sections[1].key)))
    assert progress(page)[2] == 1
    (done,) = page.all("nav.steps li.done")
    assert "(done)" in done.get_text()
    assert page.one(".progress[role=progressbar]")["aria-valuenow"] == "1"


def test_yes_no_answers_read_as_labels_on_the_verdict_and_review_pages(world, questionnaire_version):
    client = world.client_for(world.owner)
    answers = {**typical_answers(), "answer_is_stored": "no", "affects_people": "unknown"}
    assessment = answers_put(proposal=world.proposal, raw=answers, by=world.owner)

    review = parse(client.get(reverse("assessments:review", args=[world.proposal.pk, assessment.pk])))
    shown = review.texts("dl.facts dd")
    assert "No" in shown and "Don't know" in shown
    assert not {"yes", "no", "don't know", "unknown"} & set(shown)

    result = parse(client.get(reverse("assessments:result", args=[world.proposal.pk, assessment.pk])))
    drivers = [em.get_text() for em in result.all("ul.drivers em")]
    assert drivers
    assert not {"yes", "no", "don't know", "unknown", "not answered"} & set(drivers)
    assert all(d[:1] == d[:1].upper() for d in drivers), drivers


def test_scores_show_at_most_one_decimal(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = answers_put(proposal=world.proposal, raw=typical_answers(), by=world.owner)
    pages = [
        reverse("assessments:result", args=[world.proposal.pk, assessment.pk]),
        reverse("assessments:review", args=[world.proposal.pk, assessment.pk]),
    ]
    for url in pages:
        page = parse(client.get(url))
        text = page.text()
        scores = re.findall(r"(\d+(?:\.\d+)?) of (\d+(?:\.\d+)?)", text)
        assert scores, f"{url} shows no score"
        for score, maximum in scores:
            assert not re.search(r"\.\d\d", score + " " + maximum), f"{score} of {maximum} on {url}"
    earned = parse(client.get(pages[0])).table("table.criteria")
    assert all(not re.search(r"\.\d\d", row["Earned"]) for row in earned), earned
