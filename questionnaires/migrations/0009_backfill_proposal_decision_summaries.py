"""Proposals keep what their one-sentence decision needs (projects 0013): fill in what holds each
verdict back from the proposal's latest completed assessment, and the newest report's conclusion
from its results. Here, not in projects, because projects does not reach into the assessments app.

The shapes are those of assessments.services.verdict_reasons and assessments.report_present.
report_gist, written out again: a migration must not change when the code does.
"""

from django.db import migrations

BATCH = 500


def _reasons(result):
    labels = {f["criterion"]: f["label"] for f in result.get("findings", [])}
    found = {
        "gates": [gate["label"] for gate in result.get("gates", [])],
        "blockers": [blocker["label"] for blocker in result.get("blockers", [])],
        "held_back": [labels.get(key, key) for key in result.get("held_back_by", [])],
    }
    return {key: value for key, value in found.items() if value}


def _gist(results):
    ranking = results.get("ranking") or []
    if ranking:
        return {"lead": ranking[0]["label"], "lead_is_ml": ranking[0].get("ml", True), "relax": []}
    relax = [
        " and ".join(f"{m['stakeholder_name']}'s {m['stated']}" for m in r.get("must_haves", []))
        for r in results.get("relax", [])
    ]
    return {"lead": None, "lead_is_ml": False, "relax": [r for r in relax if r]}


def backfill(apps, schema_editor):
    Proposal = apps.get_model("projects", "Proposal")
    Assessment = apps.get_model("assessments", "Assessment")
    Report = apps.get_model("assessments", "Report")
    ids = list(Proposal.objects.values_list("pk", "latest_report_id"))
    for start in range(0, len(ids), BATCH):
        chunk = dict(ids[start : start + BATCH])
        latest = {}
        completed = (
            Assessment.objects.filter(proposal_id__in=chunk, stakeholder__isnull=True, completed_at__isnull=False)
            .order_by("proposal_id", "completed_at")
            .values_list("proposal_id", "result")
        )
        for proposal_id, result in completed:
            latest[proposal_id] = result or {}  # the last one, in completion order, wins
        reports = dict(
            Report.objects.filter(pk__in=[rid for rid in chunk.values() if rid]).values_list("pk", "results")
        )
        changed = []
        for proposal_id, report_id in chunk.items():
            reasons = _reasons(latest.get(proposal_id, {}))
            gist = _gist(reports[report_id] or {}) if report_id in reports else {}
            if reasons or gist:
                changed.append(Proposal(pk=proposal_id, suitability_reasons=reasons, latest_report_gist=gist))
        Proposal.objects.bulk_update(changed, ["suitability_reasons", "latest_report_gist"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0008_backfill_proposal_report_none_feasible"),
        ("projects", "0013_proposal_decision_summaries"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
