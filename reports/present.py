"""Shape a report's results for templates (the page and the PDF share it): Django templates
cannot look a dict up by a variable key, so tables are built here, row by row."""

import re
from typing import Any

from django.core.cache import cache

from domain.vocabulary import DIMENSION
from projects.decision import ReportGist, decision_sentence
from projects.history import requirement_text
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
    requirements_stated = any(c.get("contributions") for c in criteria)
    satisfaction_empty = not satisfaction_rows or all(
        score is None for row in satisfaction_rows for score in row["scores"]
    )
    return {
        # The results with their prose in print form (≤, ≥, no answer keys): templates read this.
        "results": tidy(results),
        "requirements_stated": requirements_stated,
        "satisfaction_empty": satisfaction_empty,
        "must_haves": must_have_grid(results),
        "pareto_sentence": pareto_sentence(
            in_set=len(pareto & set(order)), ranked=len(order), requirements_stated=requirements_stated
        ),
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
        prose(" and ".join(f"{m['stakeholder_name']}'s {m['stated']}" for m in r.get("must_haves", [])))
        for r in results.get("relax", [])
    ]
    # Two approaches may need the same must-have relaxed: it is named once.
    return {"lead": None, "lead_is_ml": False, "relax": list(dict.fromkeys(r for r in relax if r))}


def _prohibited_by(report: Report) -> str:
    """The articles, when the EU AI Act triage frozen with the report found the use prohibited: the
    decision then reads "not a fit" (projects.decision.effective_verdict, docs/methodology.md §12.11)."""
    regulation = (report.inputs or {}).get("regulation") or {}
    return (regulation.get("articles") or "Article 5") if regulation.get("tier") == "prohibited" else ""


def report_decision(report: Report, *, out_of_date: bool = False) -> str:
    """The decision in one sentence (projects/decision.py), from the report's frozen inputs and its
    results: the page and the PDF cover lead with it, as the proposal page does."""
    suitability = (report.inputs or {}).get("suitability") or {}
    return prose(
        decision_sentence(
            suitability.get("verdict"),
            gates=suitability.get("gates", []),
            blockers=suitability.get("blockers", []),
            held_back=suitability.get("held_back", []),
            report=ReportGist(**report_gist(report.results or {}), out_of_date=out_of_date),
            prohibited_by=_prohibited_by(report),
        )
    )


# ----------------------------------------------------------------------------------------------
# Print form: the engine's words are stored with each report (and hashed); they are turned into
# print here, where the page, the PDF and the Word file read them, so old reports read well too.

_ANSWER_KEY = re.compile(r"\(([a-z]+(?:_[a-z]+)+): ")
_BARE_KEY = re.compile(r"\b([a-z]+(?:_[a-z]+)+) = ")


def _spelled(key: str) -> str:
    text = key.replace("_", " ")
    return text[:1].upper() + text[1:]


def prose(text: str) -> str:
    """'latency <= 50 ms (data_versioned: no)' → 'latency ≤ 50 ms (answer to “Data versioned”: no)'."""
    text = text.replace("<=", "≤").replace(">=", "≥").replace("!=", "≠")
    text = _ANSWER_KEY.sub(lambda m: f"(answer to “{_spelled(m.group(1))}”: ", text)
    return _BARE_KEY.sub(lambda m: f"“{_spelled(m.group(1))}” = ", text)


def tidy(value: Any) -> Any:
    """A copy of the results with every string in print form (keys of dicts are left alone)."""
    if isinstance(value, str):
        return prose(value)
    if isinstance(value, dict):
        return {k: tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [tidy(v) for v in value]
    return value


def must_have_grid(results: dict[str, Any]) -> dict[str, Any]:
    """The approaches ruled out, against the must-haves they fail: one column per must-have (what
    was required and who asked), one row per approach, each cell what it offers and whether that
    passes. Replaces one sentence per failure, which repeated each must-have for every approach."""
    filtered = results.get("filtered_out") or []
    columns: dict[str, dict[str, str]] = {}
    for approach in filtered:
        for failure in approach.get("failures", []):
            key = failure.get("requirement_id") or failure.get("kind", "")
            if key in columns:
                continue
            if failure.get("kind") == "no_labels":
                columns[key] = {"required": "Labelled examples to train on", "who": "the suitability answers"}
            else:
                columns[key] = {
                    "required": prose(failure.get("stated", "")),
                    "who": failure.get("stakeholder_name", ""),
                }
    rows = []
    for approach in filtered:
        failed = {
            (f.get("requirement_id") or f.get("kind", "")): prose(f.get("approach_value", ""))
            for f in approach.get("failures", [])
        }
        rows.append(
            {
                "label": approach.get("label", ""),
                "ml": approach.get("ml", True),
                "cells": [{"passes": key not in failed, "offered": failed.get(key, "")} for key in columns],
            }
        )
    return {"columns": list(columns.values()), "rows": rows, "left": len(results.get("ranking") or [])}


def pareto_sentence(*, in_set: int, ranked: int, requirements_stated: bool) -> str:
    """The Pareto set in one sentence, and why it may hold most of the approaches."""
    if not ranked:
        return ""
    text = (
        f"{in_set} of the {ranked} approaches left are in the Pareto set: no other approach is at least "
        "as good on every criterion and better on one."
    )
    if in_set * 2 > ranked:
        if requirements_stated:
            text += " Most of them trade one strength for another, so the weights decide between them."
        else:
            text += (
                " With no requirements stated yet, every criterion weighs the same and each approach's one "
                "strength keeps it in the set: the stakeholders' requirements narrow it."
            )
    return text


# Short words that should not end a line of a large heading alone ("… latency (p95) and" / "running
# cost"): each is bound to the word after it with a no-break space.
_SHORT_WORD = re.compile(r"(?<=\s)(and|or|of|to|a|an|the|in|on|at|by|for|with|no|is|it)\s+", re.IGNORECASE)


def keep_together(text: str) -> str:
    """A heading's text with short words bound to the next, and its last two words kept together."""
    text = _SHORT_WORD.sub(lambda m: m.group(1) + "\u00a0", text)
    head, _, last = text.rpartition(" ")
    return f"{head}\u00a0{last}" if head and len(last) < 12 else text


STATE_SENTENCES = {
    "draft": "The proposal is still a draft: it has not been submitted for review.",
    "submitted": "The proposal is submitted for review; no stakeholder has signed it off yet.",
    "in_review": "The proposal is in review: some stakeholders have signed it off, others not yet.",
    "approved": "The proposal is approved: every stakeholder who must sign it off has.",
    "changes_requested": "A stakeholder asked for changes; the proposal waits for them before it is submitted again.",
    "rejected": "The proposal was rejected in review.",
    "withdrawn": "The owner withdrew the proposal from review.",
    "archived": "The proposal is archived.",
}


def state_sentence(status: str, review_round: int = 0) -> str:
    """Where the proposal stands, in plain words, for the PDF's and the Word file's review section."""
    text = STATE_SENTENCES.get(status, "")
    if review_round and status not in ("draft", "archived"):
        text += f" This is review round {review_round}."
    return text


def stakeholder_rows(stakeholders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stakeholders frozen in a report, each requirement in words ('Latency (p95) ≤ 100 ms')."""
    rows = []
    for s in stakeholders or []:
        requirements = []
        for r in s.get("requirements", []):
            label = DIMENSION[r["dimension"]].label if r.get("dimension") in DIMENSION else str(r.get("dimension", ""))
            text = requirement_text({**r, "weight": None if r.get("must_have") else r.get("weight")})
            requirements.append(f"{label} {text}".replace(", must-have", " (must-have)"))
        objectives = [
            f"{'Maximise' if o.get('direction') == 'maximise' else 'Minimise'} {o.get('name', '')}".strip()
            for o in s.get("objectives", [])
        ]
        rows.append(
            {
                "name": s.get("name", ""),
                "role": s.get("role_label", ""),
                "requirements": requirements,
                "objectives": objectives,
            }
        )
    return rows
