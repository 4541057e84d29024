"""The report as a Word file, for reviewers who annotate documents with tracked changes.

Written from the same presentation layer as the page and the PDF (reports/present.py: the results
in print form, the must-have grid, the Pareto sentence, the stakeholders' requirements in words,
the state of the proposal), so the three cannot say different things. No charts: a table says
the same in a form a reviewer can comment on.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.shared import Pt

from reports.models import Report
from reports.present import present, report_decision, stakeholder_rows, state_sentence

# The section headings, in order; the page and the PDF use the same words.
SECTIONS = (
    "Summary",
    "Ranking",
    "Criteria and weights",
    "Pareto set",
    "Ruled out by must-haves",
    "How well each approach serves each stakeholder",
    "Sensitivity",
    "Production risks and next steps",
    "EU AI Act triage",
    "Stakeholders and requirements",
    "Review",
)


def _table(document: Any, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def _number(value: Any, places: int = 3) -> str:
    return "—" if value is None else f"{value:.{places}f}"


def _ai_act_section(document: Any, report: Report) -> None:
    """The EU AI Act triage as the PDF shows it (templates/regulation/_report_section.html): the
    tier frozen with the report's inputs, the duties that constrain the build, the open duties now."""
    proposal = report.proposal
    regulation = (report.inputs or {}).get("regulation") or {}
    document.add_heading("EU AI Act triage", level=1)
    if regulation:
        articles = f" ({regulation['articles']})" if regulation.get("articles") else ""
        text = f"{regulation.get('tier_label', '')}{articles}, as triaged when this report was asked for."
        if proposal.ai_act_tier and proposal.ai_act_tier != regulation.get("tier"):
            text += f" The triage has changed since: the proposal is now {proposal.ai_act_label.lower()}."
        document.add_paragraph(text)
        duties = [d for group in (regulation.get("constraints") or {}).values() for d in group]
        if duties:
            document.add_paragraph("Duties that constrain how the system is built, shown as production risks:")
            for duty in duties:
                document.add_paragraph(
                    f"{duty['label']} ({duty['citation']}; applies from {duty['applies_from']})", style="List Bullet"
                )
    elif proposal.ai_act_tier:
        document.add_paragraph(
            f"Not triaged when this report was asked for; the proposal is now {proposal.ai_act_label.lower()}. "
            "Ask for a new report to weigh it."
        )
    else:
        document.add_paragraph("The proposal has not been triaged under the EU AI Act.")
    if proposal.ai_act_tier:
        document.add_paragraph(f"Open duties on the triage's checklist now: {proposal.ai_act_open_obligations}.")
    document.add_paragraph(regulation.get("disclaimer") or "A triage, not legal advice.")


def report_docx(report: Report) -> bytes:
    """The report as .docx bytes: the same sections as the PDF, as headings, paragraphs and tables."""
    view = present(report.results)
    results = view.get("results") or {}
    proposal = report.proposal
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    document.core_properties.title = f"MLFit report #{report.pk}: {proposal.title}"
    document.core_properties.author = "MLFit"
    document.add_heading(proposal.title, level=0)
    document.add_paragraph(f"{proposal.organisation.name} · MLFit trade-off report #{report.pk}")
    asked = f"Asked by {report.requested_by or '—'} on {report.created_at:%-d %b %Y, %H:%M} UTC"
    document.add_paragraph(f"{asked}; engine {report.engine_version}; inputs {report.inputs_hash[:12]}.")

    document.add_heading("Summary", level=1)
    if results.get("ml_fit_note"):
        document.add_paragraph(results["ml_fit_note"])
    if report.results:
        document.add_paragraph().add_run(report_decision(report)).bold = True
    document.add_paragraph(results.get("headline", ""))
    for relax in results.get("relax", []):
        document.add_paragraph(relax.get("text", ""), style="List Bullet")
    if results.get("problem"):  # which task family the figures were read for (methodology §7.12)
        document.add_paragraph(results["problem"])

    document.add_heading("Ranking", level=1)
    if view.get("ranking_rows"):
        _table(
            document,
            ["#", "Approach", "Weighted sum", "TOPSIS closeness (rank)", "Pareto set"],
            [
                [
                    str(r["rank"]),
                    r["label"] + ("" if r["ml"] else " (no ML)"),
                    _number(r["score"]),
                    f"{_number(r['closeness'])} ({r['topsis_rank']})",
                    "Yes" if r["pareto"] else "—",
                ]
                for r in view["ranking_rows"]
            ],
        )
    else:
        document.add_paragraph("No approach meets every must-have, so none is ranked.")

    document.add_heading("Criteria and weights", level=1)
    document.add_paragraph(results.get("weights_how", ""))
    _table(
        document,
        ["Criterion", "Better when", "Weight", "Who weighs it"],
        [
            [
                c.get("label", ""),
                "higher" if c.get("direction") == "benefit" else "lower",
                _number(c.get("weight")),
                ", ".join(f"{s['stakeholder_name']} ({s['share']:.2f})" for s in c.get("contributions", []))
                or "equal default weight",
            ]
            for c in results.get("criteria", [])
        ],
    )

    document.add_heading("Pareto set", level=1)
    document.add_paragraph(view.get("pareto_sentence") or "No approach is left to compare.")
    if view.get("pareto_labels"):
        document.add_paragraph("In the set: " + "; ".join(view["pareto_labels"]) + ".")

    document.add_heading("Ruled out by must-haves", level=1)
    grid = view.get("must_haves") or {}
    if grid.get("rows"):
        _table(
            document,
            ["Approach", *(f"{c['required']} (asked by {c['who']})" for c in grid["columns"])],
            [
                [row["label"], *("meets it" if c["passes"] else f"fails: offers {c['offered']}" for c in row["cells"])]
                for row in grid["rows"]
            ],
        )
    else:
        document.add_paragraph("No approach is ruled out by a must-have.")
    if results.get("infeasible_sets"):  # methodology §7.13, as on the report's page
        document.add_heading("Must-haves no approach meets together", level=2)
        document.add_paragraph(
            "Each set below is minimal: drop any one of its must-haves and some approach meets the rest."
            + (
                " The list is cut short: there may be more, or larger, sets."
                if results.get("infeasible_sets_capped")
                else ""
            )
        )
        for group in results["infeasible_sets"]:
            document.add_paragraph(group.get("text", ""), style="List Bullet")
            for member in group.get("members", []) if len(group.get("members", [])) > 1 else []:
                met_by = ", ".join(member.get("met_by", [])) or "no candidate approach"
                document.add_paragraph(f"{member.get('stated', '')}: met by {met_by}", style="List Bullet 2")

    document.add_heading("How well each approach serves each stakeholder", level=1)
    if view.get("satisfaction_empty"):
        document.add_paragraph(
            "No stakeholder has stated requirements yet, so there is nothing to score the approaches against for "
            "each of them. Invite the stakeholders to state what the system must do, then make a new report."
        )
    else:
        document.add_paragraph(results.get("satisfaction_how", ""))
        _table(
            document,
            ["Stakeholder", *view["order_labels"]],
            [
                [f"{row['name']} ({row['role']})", *("—" if s is None else f"{round(s * 100)}%" for s in row["scores"])]
                for row in view["satisfaction_rows"]
            ],
        )

    document.add_heading("Sensitivity", level=1)
    sensitivity = results.get("sensitivity")
    if sensitivity:
        flip = sensitivity.get("flip")
        document.add_paragraph(
            f"Smallest change that changes the winner: {flip['text']}"
            if flip
            else "No change of weights puts another approach first."
        )
        _table(
            document,
            ["Approach", "Chance of ranking first"],
            [[label, f"{round(p * 100)}%"] for label, p in view.get("probability_rows", [])],
        )
    else:
        document.add_paragraph("No sensitivity analysis: fewer than two approaches are left.")

    document.add_heading("Production risks and next steps", level=1)
    for risk in results.get("risks", []):
        document.add_heading(f"{risk.get('title', '')} ({risk.get('severity', '')})", level=2)
        for why in risk.get("why", []):
            document.add_paragraph(why)
        for step in risk.get("next_steps", []):
            document.add_paragraph(step, style="List Number")
    if not results.get("risks"):
        document.add_paragraph("No production risks were found in the answers.")

    _ai_act_section(document, report)

    document.add_heading("Stakeholders and requirements", level=1)
    rows = stakeholder_rows((report.inputs or {}).get("stakeholders", []))
    if rows:
        _table(
            document,
            ["Stakeholder", "Requirements", "Objectives"],
            [
                [
                    f"{s['name']} ({s['role']})",
                    "\n".join(s["requirements"]) or "none stated",
                    "\n".join(s["objectives"]),
                ]
                for s in rows
            ],
        )
    else:
        document.add_paragraph("No stakeholders were named.")

    document.add_heading("Review", level=1)
    document.add_paragraph(state_sentence(proposal.status, proposal.review_round))

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
