"""Proposals record their newest report's headline (projects 0010) for their page; fill it in for
the reports finished before that, from each report's results. Here, not in projects, because
projects does not reach into the assessments app."""

from django.db import migrations

BATCH = 1000


def backfill(apps, schema_editor):
    Proposal = apps.get_model("projects", "Proposal")
    Report = apps.get_model("assessments", "Report")
    pending = Proposal.objects.filter(latest_report_id__isnull=False, latest_report_headline="")
    ids = list(pending.values_list("pk", "latest_report_id"))
    for start in range(0, len(ids), BATCH):
        chunk = dict(ids[start : start + BATCH])
        results = dict(Report.objects.filter(pk__in=chunk.values()).values_list("pk", "results"))
        updates = []
        for proposal_id, report_id in chunk.items():
            headline = str((results.get(report_id) or {}).get("headline") or "")
            if headline:
                updates.append(Proposal(pk=proposal_id, latest_report_headline=headline[:1000]))
        Proposal.objects.bulk_update(updates, ["latest_report_headline"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_report_pdf_review_mark"),
        ("projects", "0010_proposal_latest_report_headline"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
