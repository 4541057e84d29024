"""Shape a report's results for templates (the page and the PDF share it): Django templates
cannot look a dict up by a variable key, so tables are built here, row by row."""

from typing import Any

from django.core.cache import cache

from projects.decision import ReportGist, decision_sentence
from reports import charts
from reports.models import Report


def charts_for(report: Report) -> dict[str, str]:
    """The report's SVG charts, drawn once and cached: a report never changes after it is computed."""
    if not report.results:
        return {}
    key = f"report-charts:{charts.VERSION}:{report.pk}:{report.inputs_hash}"
    return cache.get_or_set(key, lambda: charts.render_all(report.results), timeout=30 * 24 * 3600)


def present(results: dict[str, Any] | None) -> dict[str, Any]:
    if not results:
        return {}
    labels = {a["key"]: a["label"] for a in results.get("approaches", [])}
    order = [r["key"] for r in results.get("ranking", [])]
    topsis = {t["key"]: t for t in results.get("topsis", [])}
    weighted = {w["key"]: w for w in results.get("weighted_sum", [])}
    pareto = set(results.get("pareto", []))
    raw = dict(zip(results.get("matrix_approaches", []), results.get("matrix_raw", []), strict=False))
    criteria = results.get("criteria", [])
    ranking_rows = [
        {
            "key": key,
            "label": labels.get(key, key),
            "rank": i + 1,
            "score": weighted.get(key, {}).get("score"),
            "closeness": topsis.get(key, {}).get("closeness"),
            "topsis_rank": topsis.get(key, {}).get("rank"),
            "pareto": key in pareto,
            "ml": weighted.get(key, {}).get("ml", True),
            "raw": [
                {"value": value, "unit": c.get("unit", "")}
                for value, c in zip(raw.get(key, []), criteria, strict=False)
            ],
        }
        for i, key in enumerate(order)
    ]
    satisfaction_rows = [
        {
            "name": s["stakeholder_name"],
            "role": s.get("role", ""),
            "scores": [s["scores"].get(key) for key in order],
        }
        for s in results.get("satisfaction", [])
    ]
    sensitivity = results.get("sensitivity")
    tornado = []
    if sensitivity:
        tornado = [
            {
                **bar,
                "label": next((c["label"] for c in criteria if c["key"] == bar["criterion"]), bar["criterion"]),
                "winner_low_label": labels.get(bar["winner_low"], bar["winner_low"]),
                "winner_high_label": labels.get(bar["winner_high"], bar["winner_high"]),
            }
            for bar in sensitivity.get("tornado", [])
        ]
    return {
        "labels": labels,
        "order_labels": [labels.get(k, k) for k in order],
        "ranking_rows": ranking_rows,
        "pareto_labels": [row["label"] for row in ranking_rows if row["pareto"]],
        "satisfaction_rows": satisfaction_rows,
        "tornado": tornado,
        "winner_label": labels.get(sensitivity["winner"], sensitivity["winner"]) if sensitivity else "",
        "probability_rows": sorted(
            ((labels.get(k, k), p) for k, p in (sensitivity or {}).get("probability_first", {}).items()),
            key=lambda kv: -kv[1],
        ),
    }


def report_gist(results: dict[str, Any]) -> dict[str, Any]:
    """What the one-sentence decision needs of a report's results (stored on the proposal too):
    the approach ranked first, or none, with the must-haves to relax then."""
    ranking = results.get("ranking") or []
    if ranking:
        return {"lead": ranking[0]["label"], "lead_is_ml": ranking[0].get("ml", True), "relax": []}
    relax = [
        " and ".join(f"{m['stakeholder_name']}'s {m['stated']}" for m in r.get("must_haves", []))
        for r in results.get("relax", [])
    ]
    return {"lead": None, "lead_is_ml": False, "relax": [r for r in relax if r]}


def _prohibited_by(report: Report) -> str:
    """The articles, when the EU AI Act triage frozen with the report found the use prohibited: the
    decision then reads "not a fit" (projects.decision.effective_verdict, docs/methodology.md §12.11)."""
    regulation = (report.inputs or {}).get("regulation") or {}
    return (regulation.get("articles") or "Article 5") if regulation.get("tier") == "prohibited" else ""


def report_decision(report: Report, *, out_of_date: bool = False) -> str:
    """The decision in one sentence (projects/decision.py), from the report's frozen inputs and its
    results: the page and the PDF cover lead with it, as the proposal page does."""
    suitability = (report.inputs or {}).get("suitability") or {}
    return decision_sentence(
        suitability.get("verdict"),
        gates=suitability.get("gates", []),
        blockers=suitability.get("blockers", []),
        held_back=suitability.get("held_back", []),
        report=ReportGist(**report_gist(report.results or {}), out_of_date=out_of_date),
        prohibited_by=_prohibited_by(report),
    )
