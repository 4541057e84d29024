"""A report's downloads, the same for the pages (reports.views) and the API (reports.api): the
JSON document, the CSV of the ranking, and the comparison of two reports as data."""

import csv
import io
from typing import Any

from django.http import HttpResponse

from projects.models import Proposal
from reports.docx import report_docx
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


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def report_download(*, report: Report, kind: str) -> HttpResponse:
    """A report as a file to save (`csv`, `docx`, or `pdf` once rendered), named alike wherever it
    is downloaded from: the report's pages and the API."""
    if kind == "csv":
        content, content_type = report_csv(report=report), "text/csv; charset=utf-8"
    elif kind == "docx":
        content, content_type = report_docx(report), DOCX_TYPE
    else:
        assert kind == "pdf" and report.pdf, kind
        content, content_type = bytes(report.pdf), "application/pdf"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mlfit-report-{report.pk}.{kind}"'
    return response


def json_diff(before: Any, after: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Leaf-level differences between two JSON values, as (path, before, after)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after), key=str):
            out += json_diff(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
        return out
    if before != after:
        return [(path, before, after)]
    return []


def report_input_changes(*, older: Report, newer: Report) -> list[tuple[str, Any, Any]]:
    """What changed in the frozen inputs between two reports, the approach profiles as one line
    (their figures are many and the catalogue version says which): the compare page and the API."""
    inputs = older.inputs or {}, newer.inputs or {}
    changes = json_diff(
        {k: v for k, v in inputs[0].items() if k != "approaches"},
        {k: v for k, v in inputs[1].items() if k != "approaches"},
    )
    if inputs[0].get("approaches") != inputs[1].get("approaches"):
        changes.append(("approaches", "earlier profiles", "changed profiles"))
    return changes


def report_comparison(*, older: Report, newer: Report) -> dict[str, Any]:
    """What the compare page shows, as data: what changed in the inputs (the approach profiles as
    one line, as the page has it), and each report's headline and ranking, with how each approach
    moved."""
    changes = report_input_changes(older=older, newer=newer)
    sides = []
    for report in (older, newer):
        rows = present(report.results).get("ranking_rows", [])
        sides.append(
            {
                "id": report.pk,
                "created_at": report.created_at,
                "headline": (report.results or {}).get("headline") or None,
                "ranking": [
                    {
                        "rank": r["rank"],
                        "key": r["key"],
                        "label": r["label"],
                        "score": r["score"],
                        "pareto": r["pareto"],
                    }
                    for r in rows
                ],
            }
        )
    before = {r["key"]: r for r in sides[0]["ranking"]}
    after = {r["key"]: r for r in sides[1]["ranking"]}
    moves = [
        {
            "key": key,
            "label": (after.get(key) or before[key])["label"],
            "rank_before": before[key]["rank"] if key in before else None,
            "rank_after": after[key]["rank"] if key in after else None,
        }
        for key in [*after, *(k for k in before if k not in after)]
    ]
    return {
        "older": sides[0],
        "newer": sides[1],
        "input_changes": [{"path": path, "before": b, "after": a} for path, b, a in changes],
        "ranking_changes": [m for m in moves if m["rank_before"] != m["rank_after"]],
    }
