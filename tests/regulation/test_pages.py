"""The EU AI Act triage pages: start, answer on one page without JavaScript, read the result,
tick duties with evidence; who may do what; bad input kept and answered 400; query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from projects.models import Proposal
from questionnaires.models import Answer
from regulation.engine import NOT_LEGAL_ADVICE
from regulation.models import ObligationCheck
from regulation.services import screening_latest, screening_save, screening_start
from tests.html import parse
from tests.regulation.answers import CV_SCREENING, UNREMARKABLE, answers, form_data


def url(name, world, *args):
    return reverse(f"regulation:{name}", args=[world.proposal.pk, *args])


@pytest.fixture
def screened(world, questionnaire_version):
    """The world's proposal screened as a CV screener: high-risk, provider and deployer."""
    assessment = screening_start(proposal=world.proposal, by=world.owner)
    assessment.proposal = world.proposal
    screening_save(assessment=assessment, raw=CV_SCREENING, by=world.owner)
    world.proposal.refresh_from_db()
    return assessment


def test_the_start_page_says_it_is_not_legal_advice_and_starts(world, questionnaire_version):
    client = world.client_for(world.owner)
    page = parse(client.get(url("home", world)))
    assert NOT_LEGAL_ADVICE in page.text("#not-legal-advice")
    response = client.post(url("start", world))
    assert response.status_code == 302 and response["Location"] == url("questions", world)
    assert screening_latest(proposal=world.proposal).questionnaire.key == "eu_ai_act"
    client.post(url("start", world))  # twice: still one screening
    assert world.proposal.assessments.count() == 1


def test_a_plain_member_reads_the_start_page_without_the_button(world, questionnaire_version):
    page = parse(world.client_for(world.member).get(url("home", world)))
    assert not page.has("form[action$='start/']")
    assert world.client_for(world.member).post(url("start", world)).status_code == 403


def test_answering_on_one_page_records_the_tier_on_the_proposal(world, questionnaire_version):
    client = world.client_for(world.owner)
    client.post(url("start", world))
    page = parse(client.get(url("questions", world)))
    # Every shown question of every section, on one page; follow-ups appear once called for.
    assert page.has("#q-practice_social_scoring") and page.has("#q-org_role")
    assert not page.has("#q-employment_use")
    follow_ups = ("employment_use", "exemption_claimed", "profiles_people", "deployer_type", "used_on_own_workers")
    first = {k: v for k, v in CV_SCREENING.items() if k not in follow_ups}
    response = client.post(url("questions", world), form_data(first))
    # The answers open follow-up questions: back to the page, at the first of them.
    assert response.status_code == 302 and response["Location"].startswith(url("questions", world) + "#q-")
    page = parse(client.get(url("questions", world)))
    assert page.has("#q-employment_use") and page.has("#q-profiles_people")
    world.proposal.refresh_from_db()
    assert world.proposal.ai_act_tier == ""  # not finished: nothing recorded yet
    rest = {k: CV_SCREENING[k] for k in ("employment_use", "exemption_claimed", "profiles_people", "deployer_type")}
    rest["used_on_own_workers"] = "no"
    response = client.post(url("questions", world), form_data(rest))
    assert response.status_code == 302 and response["Location"] == url("result", world)
    world.proposal.refresh_from_db()
    assert world.proposal.ai_act_tier == "high_risk"
    assert world.proposal.ai_act_articles == "Article 6(2) and Annex III point 4(a)"
    assert world.proposal.ai_act_open_obligations > 10
    entry = AuditEntry.objects.filter(proposal=world.proposal, action="ai_act.triaged").get()
    assert entry.after == {"tier": "high_risk", "articles": "Article 6(2) and Annex III point 4(a)"}


def test_a_refused_answer_is_a_400_with_what_was_typed_kept(world, questionnaire_version):
    client = world.client_for(world.owner)
    client.post(url("start", world))
    typed = {"practice_social_scoring": "perhaps", "practice_manipulation": "no", "intended_purpose": "Sort CVs"}
    data = form_data(typed)
    response = client.post(url("questions", world), data)
    assert response.status_code == 400
    page = parse(response)
    assert page.has("#triage-errors")
    assert page.text("#q-practice_social_scoring .error")
    values = page.form_lists("#triage-questions")
    assert values["intended_purpose"] == ["Sort CVs"] and values["practice_manipulation"] == ["no"]
    assert values["practice_social_scoring"] == []  # "perhaps" is no option: none is checked
    # The good answers are saved, the refused one is not.
    stored = dict(Answer.objects.filter(assessment__proposal=world.proposal).values_list("question_key", "value"))
    assert stored == {"practice_manipulation": "no", "intended_purpose": "Sort CVs"}


def test_the_result_names_the_tier_the_articles_the_dates_and_the_legal_review(world, screened):
    page = parse(world.client_for(world.member).get(url("result", world)))
    assert page.text("#tier-label") == "High-risk"
    assert "Article 6(2) and Annex III point 4(a)" in page.text("#deciding")
    assert NOT_LEGAL_ADVICE in page.text("#not-legal-advice")
    duty = page.text("#duty-risk_management")
    assert "Article 9" in duty and "2 Dec 2027" in duty and "Digital Omnibus" in duty
    assert "4 Dec 2026" in page.text("#dates-as-of")
    # A plain member reads, but has no tick forms.
    assert not page.has(".duty-form")


def test_the_legal_review_lists_the_deciding_question_of_a_dont_know(world, questionnaire_version):
    assessment = screening_start(proposal=world.proposal, by=world.owner)
    assessment.proposal = world.proposal
    screening_save(assessment=assessment, raw=answers(practice_social_scoring="unknown"), by=world.owner)
    page = parse(world.client_for(world.owner).get(url("result", world)))
    review = page.text("#legal-review")
    assert "score or rank people over time" in review and "Prohibited" in review


def test_ticking_a_duty_needs_evidence_and_counts_it_done(world, screened):
    client = world.client_for(world.owner)
    before = world.proposal.ai_act_open_obligations
    response = client.post(url("tick", world, "risk_management"), {"done": "on", "evidence": "   "})
    assert response.status_code == 400
    assert parse(response).text("#duty-risk_management .error")
    evidence = "Risk register RM-12, reviewed by the DPO on 1 Dec."
    response = client.post(url("tick", world, "risk_management"), {"done": "on", "evidence": evidence})
    assert response.status_code == 302
    check = ObligationCheck.objects.get(proposal=world.proposal, key="risk_management")
    assert check.done and check.evidence == evidence and check.by == world.owner
    world.proposal.refresh_from_db()
    assert world.proposal.ai_act_open_obligations == before - 1
    assert AuditEntry.objects.filter(proposal=world.proposal, action="ai_act.duty_ticked").exists()
    page = parse(client.get(url("result", world)))
    assert "done" in page.text("#duty-risk_management") and evidence in page.text("#duty-risk_management")
    # Open it again: the count goes back up.
    assert client.post(url("tick", world, "risk_management"), {"evidence": evidence}).status_code == 302
    world.proposal.refresh_from_db()
    assert world.proposal.ai_act_open_obligations == before


def test_a_refused_tick_keeps_the_evidence_typed(world, screened):
    client = world.client_for(world.owner)
    long = "x" * 2001
    response = client.post(url("tick", world, "risk_management"), {"done": "on", "evidence": long})
    assert response.status_code == 400
    assert parse(response).one("#evidence-risk_management").text == long


def test_a_duty_not_on_the_checklist_is_404(world, screened):
    client = world.client_for(world.owner)
    assert client.post(url("tick", world, "gpai_cybersecurity"), {"done": "on", "evidence": "x"}).status_code == 404


@pytest.mark.parametrize("name", ["questions", "tick"])
def test_only_the_owner_or_an_admin_may_answer_or_tick(world, screened, name):
    args = ["risk_management"] if name == "tick" else []
    data = {"done": "on", "evidence": "x"} if name == "tick" else form_data({"practice_manipulation": "yes"})
    for person in (world.member, world.reviewer):
        assert world.client_for(person).post(url(name, world, *args), data).status_code == 403
    assert world.client_for(world.admin).post(url(name, world, *args), data).status_code == 302


@pytest.mark.parametrize("name", ["home", "questions", "result"])
def test_an_outsider_gets_404(world, screened, name):
    client = world.client_for(world.outsider)
    assert client.get(url(name, world)).status_code == 404
    assert client.post(url("tick", world, "risk_management"), {"done": "on", "evidence": "x"}).status_code == 404


def test_the_result_page_costs_the_same_queries_however_many_duties_are_ticked(world, screened):
    client = world.client_for(world.owner)
    client.get(url("result", world))  # warm the questionnaire and rules caches
    with CaptureQueriesContext(connection) as none_ticked:
        client.get(url("result", world))
    for key in ("risk_management", "data_governance", "technical_documentation", "record_keeping"):
        client.post(url("tick", world, key), {"done": "on", "evidence": f"{key} done"})
    with CaptureQueriesContext(connection) as four_ticked:
        assert client.get(url("result", world)).status_code == 200
    assert len(four_ticked) == len(none_ticked)


def test_a_triage_started_after_the_assessment_is_not_taken_for_it(world, questionnaire_version):
    """suitability.services.assessment_latest reads the suitability questionnaire only."""
    from suitability.services import assessment_latest, assessment_start

    suitability = assessment_start(proposal=world.proposal, by=world.owner)
    screening_start(proposal=world.proposal, by=world.owner)
    assert assessment_latest(proposal=world.proposal) == suitability
    # And the suitability pages do not open the triage by its id.
    triage_id = screening_latest(proposal=world.proposal).pk
    client = world.client_for(world.owner)
    assert client.get(reverse("assessments:result", args=[world.proposal.pk, triage_id])).status_code == 404
    assert client.get(reverse("assessments:home", args=[world.proposal.pk]))["Location"].endswith(
        f"/{suitability.pk}/step/{suitability.current_section}/"
    )


def test_an_unfinished_screening_records_no_tier(world, questionnaire_version):
    assessment = screening_start(proposal=world.proposal, by=world.owner)
    assessment.proposal = world.proposal
    partial = {k: v for k, v in UNREMARKABLE.items() if k != "gpai_model_provider"}
    screening_save(assessment=assessment, raw=partial, by=world.owner)
    assert Proposal.objects.get(pk=world.proposal.pk).ai_act_tier == ""
    screening_save(assessment=assessment, raw={"gpai_model_provider": "no"}, by=world.owner)
    assert Proposal.objects.get(pk=world.proposal.pk).ai_act_tier == "minimal"


def test_the_questions_page_costs_the_same_queries_however_many_answers(world, questionnaire_version):
    client = world.client_for(world.owner)
    client.post(url("start", world))
    client.get(url("questions", world))  # warm the questionnaire and rules caches
    with CaptureQueriesContext(connection) as bare:
        client.get(url("questions", world))
    assessment = screening_latest(proposal=world.proposal)
    assessment.proposal = world.proposal
    screening_save(assessment=assessment, raw=CV_SCREENING, by=world.owner)
    with CaptureQueriesContext(connection) as answered:
        assert client.get(url("questions", world)).status_code == 200
    assert len(answered) == len(bare)


def test_evidence_is_shown_as_typed_and_never_runs(world, screened):
    client = world.client_for(world.owner)
    typed = '<script>alert(1)</script> "><img src=x onerror=alert(2)> {{ 7|add:1 }}'
    client.post(url("tick", world, "risk_management"), {"done": "on", "evidence": typed})
    response = client.get(url("result", world))
    html = response.content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert typed in parse(response).text("#duty-risk_management")
