"""The proposal's path (projects.path): five stages, where it stands, one next step, no dead ends."""

from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.path import CURRENT, DONE, TODO, proposal_path
from tests.factories import ProposalFactory, build_scenario, computed
from tests.html import parse


def row(**fields):
    base = {
        "status": "draft",
        "suitability_verdict": "",
        "questionnaire_outdated": False,
        "open_conflicts": 0,
        "latest_report_id": None,
        "latest_report_out_of_date": False,
        "review_round": 0,
    }
    return SimpleNamespace(**{**base, **fields})


def states(proposal) -> list[str]:
    return [s.state for s in proposal_path(proposal, can_edit=True, is_owner=True).stages]


def test_states_follow_the_proposal_row():
    assert states(row()) == [DONE, CURRENT, TODO, TODO, TODO]
    assert states(row(suitability_verdict="good_fit")) == [DONE, DONE, CURRENT, TODO, TODO]
    assert states(row(suitability_verdict="good_fit", open_conflicts=2)) == [DONE, DONE, DONE, CURRENT, TODO]
    assessed_with_report = row(suitability_verdict="good_fit", latest_report_id=3)
    assert states(assessed_with_report) == [DONE, DONE, DONE, DONE, CURRENT]
    # An out-of-date report sends the proposal back to the report stage.
    assert states(row(suitability_verdict="good_fit", latest_report_id=3, latest_report_out_of_date=True)) == [
        DONE, DONE, DONE, CURRENT, TODO,
    ]  # fmt: skip
    # Under review the review is current, whatever came before; decided, nothing is current.
    assert states(row(status="in_review", review_round=1))[-1] == CURRENT
    assert CURRENT not in states(row(status="approved", suitability_verdict="good_fit", latest_report_id=3))


def test_one_next_step_for_whoever_can_take_it():
    path = proposal_path(row(), can_edit=True, is_owner=True)
    assert path.next_step.label == "Assess ML suitability"
    assert proposal_path(row(), can_edit=False).next_step is None
    ready = row(suitability_verdict="good_fit", latest_report_id=3)
    assert proposal_path(ready, can_edit=True, is_owner=True).next_step.label == "Submit it for sign-off"
    # An admin who is not the owner cannot submit: no button that would refuse.
    assert proposal_path(ready, can_edit=True, is_owner=False).next_step is None
    assert proposal_path(row(status="archived"), can_edit=True, is_owner=True).next_step is None


def test_a_new_draft_shows_the_path_and_one_primary_action(world):
    page = parse(world.client_for(world.owner).get(reverse("projects:detail", args=[world.proposal.pk])))
    stages = page.all("nav.proposal-path li")
    assert [" ".join(s.a.get_text().split()) for s in stages] == [
        "1 Describe", "2 Assess", "3 Stakeholders", "4 Report", "5 Review",
    ]  # fmt: skip
    assert page.text("nav.proposal-path li[aria-current=step] a") == "2 Assess"
    assert page.count("main .button.primary") == 1
    assert page.text("main .button.primary") == "Assess ML suitability"
    assert page.one("main .button.primary")["href"] == reverse("assessments:home", args=[world.proposal.pk])


def test_a_reader_sees_the_path_but_no_action(world):
    page = parse(world.client_for(world.member).get(reverse("projects:detail", args=[world.proposal.pk])))
    assert page.count("nav.proposal-path li") == 5
    assert page.count("main .button.primary") == 0


def test_the_path_costs_no_query_per_stage(world):
    client = world.client_for(world.owner)
    url = reverse("projects:detail", args=[world.proposal.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as bare:
        client.get(url)
    other = ProposalFactory(organisation=world.org, owner=world.owner, suitability_verdict="good_fit", open_conflicts=1)
    with CaptureQueriesContext(connection) as further:
        client.get(reverse("projects:detail", args=[other.pk]))
    assert len(further) == len(bare)


def test_verdict_and_report_pages_link_onward(world, questionnaire_version):
    build_scenario(world)
    report = computed(world.proposal, world.owner)
    client = world.client_for(world.owner)
    pk = world.proposal.pk
    verdict = parse(client.get(reverse("assessments:home", args=[pk]), follow=True))
    assert ("Stakeholders and their requirements →", reverse("stakeholders:list", args=[pk])) in verdict.links(
        "nav.onward"
    )
    detail = parse(client.get(reverse("reports:detail", args=[pk, report.pk])))
    assert ("The review →", reverse("review", args=[pk])) in detail.links("nav.onward")
    world.proposal.refresh_from_db()
    proposal_page = parse(client.get(reverse("projects:detail", args=[pk])))
    assert proposal_page.text("nav.proposal-path li[aria-current=step] a") == "5 Review"
    # Nobody of the scenario is in ML engineering or legal, which must sign off: submitting would be
    # refused, so the next step leads to the review page that says why (stakeholders.review.submit_problems).
    assert proposal_page.text("main .button.primary") == "See what submitting still needs"


def test_named_stakeholders_who_agree_lead_on_to_the_report():
    # No conflict, no report yet: naming the stakeholders is what moves the path on.
    assessed = row(suitability_verdict="good_fit")
    assert states(assessed)[2] == CURRENT
    path = proposal_path(assessed, can_edit=True, is_owner=True, stakeholders_named=True)
    assert [s.state for s in path.stages] == [DONE, DONE, DONE, CURRENT, TODO]
    assert path.next_step.label == "Make the trade-off report"


def test_a_reviewer_asked_to_sign_off_is_led_to_the_review():
    under_review = row(status="in_review", review_round=1, suitability_verdict="good_fit", latest_report_id=3)
    asked = proposal_path(under_review, can_edit=False, awaits_my_review=True).next_step
    assert (asked.label, asked.url_name) == ("Review it and sign off", "review")
    assert proposal_path(under_review, can_edit=False).next_step is None
    # Only while the proposal is under review.
    assert proposal_path(row(status="approved"), can_edit=False, awaits_my_review=True).next_step is None
