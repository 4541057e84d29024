"""Proposals record whether a blocker decided their verdict (projects 0011); fill it in from the
latest completed suitability assessment of each proposal judged not a fit. Here, not in projects,
because projects does not reach into the assessments app."""

from django.db import migrations

BATCH = 1000


def backfill(apps, schema_editor):
    Proposal = apps.get_model("projects", "Proposal")
    Assessment = apps.get_model("assessments", "Assessment")
    ids = list(Proposal.objects.filter(suitability_verdict="not_a_fit").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        latest: dict[int, list] = {}
        # The proposal's own assessments (not a stakeholder's), newest completed first: the first
        # seen per proposal is the one its summary was written from (it may have been superseded
        # by an upgrade still in progress since).
        completed = (
            Assessment.objects.filter(proposal_id__in=chunk, stakeholder__isnull=True, completed_at__isnull=False)
            .order_by("proposal_id", "-completed_at", "-pk")
            .values_list("proposal_id", "result")
        )
        for proposal_id, result in completed:
            latest.setdefault(proposal_id, (result or {}).get("blockers") or [])
        blocked = [pk for pk, blockers in latest.items() if blockers]
        Proposal.objects.filter(pk__in=blocked).update(suitability_blocked=True)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0006_backfill_proposal_report_headlines"),
        ("projects", "0011_proposal_suitability_blocked"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
