"""Proposals record whether their newest report found no candidate approach meeting every
must-have (projects 0012); fill it in from each proposal's newest finished report. Here, not in
projects, because projects does not reach into the assessments app."""

from django.db import migrations

BATCH = 1000


def backfill(apps, schema_editor):
    Proposal = apps.get_model("projects", "Proposal")
    Report = apps.get_model("assessments", "Report")
    ids = list(Proposal.objects.filter(latest_report_id__isnull=False).values_list("pk", "latest_report_id"))
    for start in range(0, len(ids), BATCH):
        chunk = dict(ids[start : start + BATCH])
        # Only the ranking, not the whole results: the engine leaves it empty exactly when every
        # approach failed a must-have (assessments/engine/tradeoffs.py, compare).
        rankings = Report.objects.filter(pk__in=chunk.values()).values_list("pk", "results__ranking")
        none_feasible = {report_id for report_id, ranking in rankings if ranking == []}
        Proposal.objects.filter(pk__in=[pk for pk, report_id in chunk.items() if report_id in none_feasible]).update(
            latest_report_none_feasible=True
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0007_backfill_proposal_suitability_blocked"),
        ("projects", "0012_proposal_latest_report_none_feasible"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
