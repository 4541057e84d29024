"""A report's downloads, the same for the pages (reports.views) and the API (reports.api): the
JSON document and the CSV of the ranking."""

import csv
import io
from typing import Any

from projects.models import Proposal
from reports.models import Report
from reports.present import present


def report_document(*, report: Report, proposal: Proposal) -> dict[str, Any]:
    """The report as stored: its frozen inputs and its results, with who asked and when."""
    return {
        "report": report.pk,
        "proposal": proposal.pk,
        "status": report.status,
        "created_at": report.created_at.isoformat(),
        "requested_by": str(report.requested_by) if report.requested_by else None,
        "engine_version": report.engine_version,
        "inputs_hash": report.inputs_hash,
        "inputs": report.inputs,
        "results": report.results,
    }


def report_csv(*, report: Report) -> str:
    """The ranking, one approach a row, with each criterion's raw figure."""
    results = report.results or {}
    view = present(results)
    out = io.StringIO()
    writer = csv.writer(out)
    criteria = results.get("criteria", [])
    writer.writerow(
        ["rank", "approach", "weighted_sum", "topsis_closeness", "pareto", "probability_first"]
        + [f"{c['label']} ({c.get('unit', '')})".replace(" ()", "") for c in criteria]
    )
    probability = (results.get("sensitivity") or {}).get("probability_first", {})
    for row in view.get("ranking_rows", []):
        writer.writerow(
            [row["rank"], row["label"], row["score"], row["closeness"], row["pareto"], probability.get(row["key"], "")]
            + [cell["value"] for cell in row["raw"]]
        )
    return out.getvalue()
