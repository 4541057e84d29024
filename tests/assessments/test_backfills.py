"""Data migrations that fill in what the projects app records from assessments, run here with the
models as they were at that migration (Report has since moved to the reports app)."""

import importlib
from datetime import timedelta

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from projects.models import Proposal
from questionnaires.models import Assessment, AssessmentStatus
from reports.models import Report, ReportStatus
from tests.factories import ProposalFactory


def apps_at(migration: str):
    """The app registry as the assessments migration `migration` sees it."""
    return MigrationLoader(connection).project_state(("assessments", migration)).apps


blocked_backfill = importlib.import_module("questionnaires.migrations.0007_backfill_proposal_suitability_blocked")

BLOCKED = {"blockers": [{"key": "unethical", "title": "Unethical use"}]}


def _assessment(proposal, version, *, result, days_ago, status=AssessmentStatus.COMPLETED):
    return Assessment.objects.create(
        organisation=proposal.organisation,
        proposal=proposal,
        questionnaire=version,
        started_by=proposal.owner,
        status=status,
        completed_at=timezone.now() - timedelta(days=days_ago),
        result=result,
    )


def test_proposals_not_a_fit_by_a_blocker_are_marked_from_their_latest_completed_assessment(
    world, questionnaire_version
):
    make = ProposalFactory
    blocked = make(organisation=world.org, owner=world.owner, suitability_verdict="not_a_fit")
    _assessment(blocked, questionnaire_version, result={"blockers": []}, days_ago=30)
    # The latest one was superseded by an upgrade still in progress: it is still the summary's source.
    _assessment(blocked, questionnaire_version, result=BLOCKED, days_ago=2, status=AssessmentStatus.SUPERSEDED)
    # Blocked once, then answered again without a blocker: the low score decided, not a blocker.
    lifted = make(organisation=world.org, owner=world.owner, suitability_verdict="not_a_fit")
    _assessment(lifted, questionnaire_version, result=BLOCKED, days_ago=30)
    _assessment(lifted, questionnaire_version, result={"blockers": []}, days_ago=1)
    # A verdict with no assessment behind it (imported) stays as it is.
    imported = make(organisation=world.org, owner=world.owner, suitability_verdict="not_a_fit")
    # Only proposals judged not a fit are looked at.
    good = make(organisation=world.org, owner=world.owner, suitability_verdict="good_fit")
    _assessment(good, questionnaire_version, result=BLOCKED, days_ago=1)

    blocked_backfill.backfill(apps_at("0007_backfill_proposal_suitability_blocked"), None)

    marked = dict(Proposal.objects.values_list("pk", "suitability_blocked"))
    assert marked[blocked.pk] is True
    assert marked[lifted.pk] is False
    assert marked[imported.pk] is False
    assert marked[good.pk] is False


none_feasible_backfill = importlib.import_module(
    "questionnaires.migrations.0008_backfill_proposal_report_none_feasible"
)


def _report(proposal, results):
    return Report.objects.create(
        organisation=proposal.organisation,
        proposal=proposal,
        inputs={},
        inputs_hash=str(proposal.pk),
        engine_version="1",
        status=ReportStatus.SUCCEEDED,
        results=results,
    )


def test_proposals_whose_latest_report_ranks_no_approach_are_marked(world):
    make = ProposalFactory
    none = make(organisation=world.org, owner=world.owner)
    none.latest_report_id = _report(none, {"headline": "No candidate approach...", "ranking": []}).pk
    some = make(organisation=world.org, owner=world.owner)
    some.latest_report_id = _report(some, {"headline": "Rules lead.", "ranking": [{"key": "rules"}]}).pk
    # An older report ranked nothing, but the latest (the proposal's summary) ranks an approach.
    _report(some, {"ranking": []})
    # A report without a ranking at all is not read as "none feasible".
    odd = make(organisation=world.org, owner=world.owner)
    odd.latest_report_id = _report(odd, {"headline": "?"}).pk
    never = make(organisation=world.org, owner=world.owner)
    for proposal in (none, some, odd):
        proposal.save(update_fields=["latest_report_id"])

    none_feasible_backfill.backfill(apps_at("0008_backfill_proposal_report_none_feasible"), None)

    marked = dict(Proposal.objects.values_list("pk", "latest_report_none_feasible"))
    assert marked == {world.proposal.pk: False, none.pk: True, some.pk: False, odd.pk: False, never.pk: False}
