"""The suitability wizard over plain form posts and htmx: save as you go, resume, review, complete."""

from django.urls import reverse

from questionnaires.engine import visible_questions
from questionnaires.engine.schema import condition_questions
from questionnaires.models import Answer, Assessment
from questionnaires.versions import engine_questionnaire
from tests.conftest import session_queries
from tests.html import parse
from tests.typical_answers import typical_answers


def start(world, client):
    response = client.post(reverse("assessments:start", args=[world.proposal.pk]))
    assert response.status_code == 302
    return Assessment.objects.get(proposal=world.proposal)


def section_url(world, assessment, key):
    return reverse("assessments:section", args=[world.proposal.pk, assessment.pk, key])


def post_section(client, url, answers: dict, nav: str = "", **extra):
    data = {"_shown": list(answers), **answers}
    if nav:
        data["nav"] = nav
    return client.post(url, data, **extra)


def test_the_start_page_explains_and_starts(world, questionnaire_version):
    client = world.client_for(world.owner)
    page = client.get(reverse("assessments:home", args=[world.proposal.pk]))
    assert page.status_code == 200
    assessment = start(world, client)
    first = engine_questionnaire(questionnaire_version).sections[0].key
    assert assessment.current_section == first
    response = client.get(reverse("assessments:home", args=[world.proposal.pk]))
    assert response["Location"] == section_url(world, assessment, first)


def test_starting_twice_resumes_the_open_assessment(world, questionnaire_version):
    client = world.client_for(world.owner)
    first = start(world, client)
    client.post(reverse("assessments:start", args=[world.proposal.pk]))
    assert Assessment.objects.filter(proposal=world.proposal).count() == 1
    assert Assessment.objects.get() == first


def test_answers_are_saved_on_next_and_the_step_moves(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    q = engine_questionnaire(questionnaire_version)
    first, second = q.sections[0], q.sections[1]
    response = post_section(client, section_url(world, assessment, first.key), {"answer_is_stored": "no"}, nav="next")
    assert response.status_code == 302
    assert response["Location"] == section_url(world, assessment, second.key)
    assert Answer.objects.get(assessment=assessment, question_key="answer_is_stored").value == "no"
    assessment.refresh_from_db()
    assert assessment.current_section == second.key


def test_a_bad_answer_is_refused_beside_its_question_and_the_others_are_saved(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    q = engine_questionnaire(questionnaire_version)
    number = next(x for x in q.questions if x.type == "number" and x.max is not None and x.show_if is None)
    response = post_section(
        client,
        section_url(world, assessment, number.section),
        {number.key: str(number.max * 10), "_other": ""},
        nav="next",
    )
    assert response.status_code == 400
    page = parse(response)
    assert page.form_lists("main form")[number.key] in ([str(number.max * 10)], [str(int(number.max * 10))])
    assert page.text(f"#q-{number.key} [role=alert]")  # beside its question
    assert not Answer.objects.filter(assessment=assessment, question_key=number.key).exists()


def shown_in(questionnaire, section_key, answers) -> list[str]:
    return [q.key for q in visible_questions(questionnaire, answers) if q.section == section_key]


def test_an_htmx_change_saves_and_answers_with_a_small_status(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    q = engine_questionnaire(questionnaire_version)
    first = q.sections[0].key
    data = {"_shown": shown_in(q, first, {}), "problem_description": "Route tickets"}
    response = client.post(section_url(world, assessment, first), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = parse(response)
    assert page.soup.find(True)["id"] == "save-status"  # the status comes first, not a page
    assert page.text("#save-status") == "Saved"
    assert Answer.objects.get(assessment=assessment, question_key="problem_description").value == "Route tickets"


def test_an_htmx_change_that_reveals_questions_redraws_the_section(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    q = engine_questionnaire(questionnaire_version)
    answers = typical_answers()
    # A question shown by an answer in its own section, with the bench's typical answers.
    conditional = next(
        x
        for x in q.questions
        if x.show_if is not None
        and condition_questions(x.show_if) <= {y.key for y in q.questions if y.section == x.section}
        and x.key in shown_in(q, x.section, answers)
    )
    section = conditional.section
    before = shown_in(q, section, {})
    after = shown_in(q, section, answers)
    assert conditional.key in after and conditional.key not in before
    data = {"_shown": before, **{k: answers[k] for k in before if k in answers}}
    response = client.post(section_url(world, assessment, section), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#wizard"
    assert parse(response).has(f"#q-{conditional.key}")


def test_htmx_next_swaps_the_section_and_pushes_the_url(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    q = engine_questionnaire(questionnaire_version)
    response = post_section(
        client, section_url(world, assessment, q.sections[0].key), {}, nav="next", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"] == section_url(world, assessment, q.sections[1].key)
    assert response["HX-Retarget"] == "#wizard"
    assert parse(response).text("h1") == q.sections[1].title


def test_completion_lists_missing_required_questions_with_links(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    response = client.post(reverse("assessments:complete", args=[world.proposal.pk, assessment.pk]))
    assert response.status_code == 400
    page = parse(response)
    assert "required question" in page.text("#missing-title")
    assert any(href.endswith("#q-answer_is_stored") for href in page.hrefs("section[aria-labelledby=missing-title]"))
    assessment.refresh_from_db()
    assert assessment.is_editable


def fill_all(assessment, by):
    for key, value in typical_answers().items():
        Answer.objects.create(assessment=assessment, question_key=key, value=value, answered_by=by)


def test_completion_records_the_verdict_on_the_proposal(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    fill_all(assessment, world.owner)
    review = client.get(reverse("assessments:review", args=[world.proposal.pk, assessment.pk]))
    assert "Every required question is answered" in parse(review).text("main .alert.info")
    response = client.post(reverse("assessments:complete", args=[world.proposal.pk, assessment.pk]))
    assert response.status_code == 302
    assessment.refresh_from_db()
    world.proposal.refresh_from_db()
    assert assessment.is_completed
    assert assessment.verdict in {"good_fit", "fit_with_caveats", "not_a_fit"}
    assert world.proposal.suitability_verdict == assessment.verdict
    assert world.proposal.suitability_blocked is bool(assessment.result["blockers"])
    result = parse(client.get(reverse("assessments:result", args=[world.proposal.pk, assessment.pk])))
    assert result.text("#verdict-title") == assessment.result["verdict_label"]
    assert result.text("#criteria-title") == "How the score is computed"
    detail = parse(client.get(reverse("projects:detail", args=[world.proposal.pk])))
    assert (
        detail.text("section[aria-labelledby=suitability-title] .verdict-line strong")
        == (assessment.result["verdict_label"])
    )


def test_a_completed_assessment_no_longer_takes_answers(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    fill_all(assessment, world.owner)
    client.post(reverse("assessments:complete", args=[world.proposal.pk, assessment.pk]))
    first = engine_questionnaire(questionnaire_version).sections[0].key
    response = post_section(client, section_url(world, assessment, first), {"answer_is_stored": "yes"})
    assert response.status_code == 302
    assert Answer.objects.get(assessment=assessment, question_key="answer_is_stored").value == "no"


def test_an_unknown_step_goes_back_to_where_you_left_off(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    response = client.get(section_url(world, assessment, "no-such-step"))
    assert response.status_code == 302
    assert response["Location"] == section_url(world, assessment, assessment.current_section)


def test_the_wizard_query_count_is_constant(world, questionnaire_version, django_assert_num_queries):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    fill_all(assessment, world.owner)
    first = engine_questionnaire(questionnaire_version).sections[0].key
    client.get(section_url(world, assessment, first))
    # The session (none when Redis caches it), then 1: the user with membership and organisation,
    # 2: the proposal (tenancy), 3: the assessment with its questionnaire version, 4: the answers;
    # nothing per question.
    with django_assert_num_queries(session_queries() + 4):
        assert client.get(section_url(world, assessment, first)).status_code == 200


def test_htmx_review_sends_the_browser_to_the_review_page(world, questionnaire_version):
    client = world.client_for(world.owner)
    assessment = start(world, client)
    q = engine_questionnaire(questionnaire_version)
    response = post_section(
        client, section_url(world, assessment, q.sections[-1].key), {}, nav="review", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("assessments:review", args=[world.proposal.pk, assessment.pk])
