"""The backfill of the suitability facts the conflict detector reads (issue 20; docs/methodology.md
§7.11, §7.12): facts stored before the fix said "no labels" for "people could label a sample",
and had no task family; `refresh_conflict_facts` recomputes them and the conflicts."""

from io import StringIO

from django.core.management import call_command

from projects.models import Proposal
from stakeholders.models import Conflict, ConflictStatus
from stakeholders.services import requirement_save
from tests.factories import assess


def run(*args: str) -> str:
    out = StringIO()
    call_command("refresh_conflict_facts", *args, stdout=out)
    return out.getvalue()


def test_stored_facts_from_before_the_fix_are_recomputed_with_the_conflicts(world, questionnaire_version, engineer):
    assess(world.proposal, world.owner, labels_available="can_label", labelled_examples=None, task_family="image")
    current = Proposal.objects.get(pk=world.proposal.pk).suitability_facts
    assert current["labels_available"] == "can_label" and current["task_family"] == "image"
    # What an assessment completed before the fix left behind.
    old = {k: v for k, v in current.items() if k not in ("task_family", "rule_complexity")}
    Proposal.objects.filter(pk=world.proposal.pk).update(suitability_facts={**old, "labels_available": "no"})
    engineer.proposal.refresh_from_db()
    requirement_save(
        stakeholder=engineer,
        dimension="freshness",
        data={"op": "<=", "value": 1, "unit": "days", "must_have": True, "weight": 5, "metric": ""},
        by=world.owner,
    )
    before = Conflict.objects.get(
        proposal=world.proposal, status=ConflictStatus.OPEN, title="Frequent retraining without fresh labels"
    )
    assert "impractical" in before.explanation

    assert run("--dry-run") == "1 of 1 assessed proposals would change.\n"
    assert Proposal.objects.get(pk=world.proposal.pk).suitability_facts["labels_available"] == "no"

    assert run() == "1 of 1 assessed proposals changed.\n"
    assert Proposal.objects.get(pk=world.proposal.pk).suitability_facts == current
    after = Conflict.objects.get(pk=before.pk)
    assert "people could label a sample" in after.explanation and "impractical" not in after.explanation
    # Nothing left to change: a second run touches nothing.
    assert run() == "0 of 1 assessed proposals changed.\n"
