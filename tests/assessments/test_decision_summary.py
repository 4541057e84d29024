"""One decision, said once: the proposal page, the report page and the PDF lead with the same
sentence, joining the verdict, the gates that hold it and the newest report (projects/decision.py)."""

import importlib

import pytest
from django.urls import reverse

from projects.models import Proposal
from projects.services import proposal_inputs_changed
from questionnaires.models import Assessment
from reports.pdf import report_html
from tests.assessments.test_backfills import _report, apps_at
from tests.assessments.test_reports import url
from tests.factories import add_stakeholder, assess, computed, req
from tests.html import parse

pytestmark = pytest.mark.usefixtures("memo_engine")


def decision_on(page) -> str:
    """The text of the one decision sentence: the element with id decision-summary (the proposal
    page) or class decision (the report page and the PDF)."""
    return parse(page).text("#decision-summary, p.decision")


def test_the_proposal_page_report_and_pdf_say_the_same_one_sentence(world, questionnaire_version):
    # The support-ticket router: personal data whose lawful basis nobody has confirmed yet.
    assess(world.proposal, world.owner)
    add_stakeholder(
        world.proposal,
        name="Pat Product",
        role="product",
        requirements=[req("latency", "<=", 500.0, "ms")],
        by=world.owner,
    )
    report = computed(world.proposal, world.owner)
    lead = report.results["ranking"][0]["label"]
    expected = f"ML fits, with one caveat (personal data); {lead}"

    client = world.client_for(world.member)
    page = client.get(reverse("projects:detail", args=[world.proposal.pk]))
    assert expected in decision_on(page)
    assert expected in decision_on(client.get(url("detail", report)))
    assert expected in decision_on(report_html(report))

    proposal_inputs_changed(proposal_id=world.proposal.pk)
    page = client.get(reverse("projects:detail", args=[world.proposal.pk]))
    assert "leads the trade-off report (out of date: the inputs changed since)." in decision_on(page)


def test_a_good_fit_whose_report_rules_every_approach_out_says_so_in_the_same_sentence(world, questionnaire_version):
    assess(world.proposal, world.owner, privacy_basis="yes")
    must = req("quality", ">=", 0.999, metric="precision", must=True)
    add_stakeholder(world.proposal, name="Ada Engineer", role="ml_engineering", requirements=[must], by=world.owner)
    computed(world.proposal, world.owner)
    world.proposal.refresh_from_db()
    assert world.proposal.suitability_verdict == "good_fit"
    sentence = world.proposal.decision_summary
    assert sentence.startswith("ML is a good fit; no approach meets every must-have: relax Ada Engineer's ")
    assert sentence.count(". ") == 0  # one sentence, not two that could contradict each other


def test_a_blocked_proposal_names_its_blocker_before_the_report(world, questionnaire_version):
    assess(world.proposal, world.owner, simple_heuristic_possible="yes", baseline_exists="none")
    world.proposal.refresh_from_db()
    assert world.proposal.decision_summary == (
        "ML is not the tool here yet (launch the heuristic first); no trade-off report yet."
    )


backfill = importlib.import_module("questionnaires.migrations.0009_backfill_proposal_decision_summaries")


def test_the_backfill_fills_in_reasons_and_the_reports_conclusion(world, questionnaire_version):
    assess(world.proposal, world.owner)
    result = Assessment.objects.get(proposal=world.proposal).result
    report = _report(world.proposal, {"ranking": [{"label": "Rules or a heuristic", "ml": False}]})
    Proposal.objects.filter(pk=world.proposal.pk).update(
        latest_report_id=report.pk, suitability_reasons={}, latest_report_gist={}
    )

    backfill.backfill(apps_at("0009_backfill_proposal_decision_summaries"), None)

    world.proposal.refresh_from_db()
    assert world.proposal.suitability_reasons == {"gates": [g["label"] for g in result["gates"]]}
    assert world.proposal.latest_report_gist == {"lead": "Rules or a heuristic", "lead_is_ml": False, "relax": []}
