"""Recompute the suitability answers the conflict detector reads, and the conflicts, for every
proposal with a completed suitability assessment.

Facts stored before issue 20 quoted "people could label a sample" as "no labels", and lack the
task family and pattern complexity the approach profiles now depend on (docs/methodology.md
§7.11, §7.12); without this they are only corrected at the proposal's next completion. Only
proposals whose facts change are touched: their conflicts are detected again (a recorded
resolution stays attached by fingerprint) and their latest report is marked out of date.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from projects.models import Proposal
from projects.services import proposal_set_conflict_facts
from questionnaires.engine import effective_answers
from questionnaires.models import Assessment, AssessmentStatus
from questionnaires.services import answers_of
from questionnaires.versions import SUITABILITY_KEY, engine_questionnaire
from stakeholders.services import conflicts_refresh
from suitability.services import _conflict_facts


class Command(BaseCommand):
    help = (
        "Recompute the suitability facts the conflict detector reads (labels as given, task family, pattern "
        "complexity) from each proposal's latest completed assessment, and detect its conflicts again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the proposals that would change; write nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        completed = (
            Assessment.objects.filter(
                questionnaire__key=SUITABILITY_KEY, status=AssessmentStatus.COMPLETED, stakeholder__isnull=True
            )
            .select_related("questionnaire")
            .order_by("proposal_id", "-completed_at", "-pk")
        )
        latest: dict[int, Assessment] = {}
        for assessment in completed.iterator():
            latest.setdefault(assessment.proposal_id, assessment)
        changed = 0
        for proposal_id, assessment in latest.items():
            questionnaire = engine_questionnaire(assessment.questionnaire)
            facts = _conflict_facts(effective_answers(questionnaire, answers_of(assessment)))
            with transaction.atomic():
                proposal = Proposal.objects.select_for_update().get(pk=proposal_id)
                if (proposal.suitability_facts or {}) == facts:
                    continue
                changed += 1
                if dry_run:
                    continue
                proposal_set_conflict_facts(proposal=proposal, facts=facts)
                conflicts_refresh(proposal=proposal)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(f"{changed} of {len(latest)} assessed proposals {verb}.")
