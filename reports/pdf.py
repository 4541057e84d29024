"""The report as a PDF, laid out by WeasyPrint from the same templates as the page."""

import base64
import gc
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from projects.models import Proposal
from questionnaires.models import Assessment
from questionnaires.versions import SUITABILITY_KEY, engine_questionnaire
from reports import pdf_svg_text
from reports.models import Report
from reports.present import (
    charts_for,
    keep_together,
    present,
    report_decision,
    stakeholder_rows,
    state_sentence,
)
from stakeholders.models import Conflict, ConflictStatus, SignOff


def _suitability(report: Report) -> dict[str, Any] | None:
    """The suitability answers as frozen in the report, in words, with the assessment's findings."""
    frozen = report.inputs.get("suitability") or {}
    # The assessment the report froze, by id (reports made before ids were frozen: the latest
    # with the same verdict).
    candidates = Assessment.objects.filter(
        proposal=report.proposal, stakeholder__isnull=True, questionnaire__key=SUITABILITY_KEY
    )
    if frozen.get("assessment_id"):
        candidates = candidates.filter(pk=frozen["assessment_id"])
    else:
        candidates = candidates.filter(verdict=frozen.get("verdict") or "-")
    assessment = candidates.select_related("questionnaire").order_by("-created_at").first()
    if assessment is None:
        return None
    questionnaire = engine_questionnaire(assessment.questionnaire)
    answers = frozen.get("answers") or {}
    return {
        "result": assessment.result,
        "answers": [(q.text, q.display(answers[q.key])) for q in questionnaire.questions if q.key in answers],
    }


def _as_image(svg: str) -> str:
    """A chart as an <img> of the very SVG document the page inlines.

    WeasyPrint runs its HTML parser and CSS cascade over every element of an inline <svg> (a
    chart has some 250) before its SVG renderer parses the chart again; an image is parsed once,
    by the SVG renderer alone, which takes a fifth off the whole PDF. The chart stays vector
    graphics with real text, selectable in the PDF.
    """
    if not svg:
        return ""
    label = re.search(r'aria-label="([^"]*)"', svg[: svg.index(">") + 1])  # already attribute text
    data = base64.b64encode(svg.encode()).decode("ascii")
    return f'<img alt="{label.group(1) if label else "Chart"}" src="data:image/svg+xml;base64,{data}">'


def review_mark(proposal_id: int) -> str:
    """What the PDF's review section depends on: the proposal's state and its latest decision."""
    status, review_round = Proposal.objects.values_list("status", "review_round").get(pk=proposal_id)
    latest = SignOff.objects.filter(proposal_id=proposal_id).aggregate(latest=Max("pk"))["latest"]
    return f"{status}:{review_round}:{latest or 0}"


def report_html(report: Report, *, base_url: str = "") -> str:
    conflicts = Conflict.objects.filter(proposal=report.proposal).exclude(status=ConflictStatus.GONE)
    view = present(report.results)
    decision = report_decision(report) if report.results else ""
    context = {
        "report": report,
        "proposal": report.proposal,
        "results": view.get("results"),  # in print form, as on the page
        "view": view,
        "decision": decision,
        "charts": {name: _as_image(svg) for name, svg in charts_for(report).items()},
        "suitability": _suitability(report),
        "stakeholders": report.inputs.get("stakeholders", []),
        "stakeholder_rows": stakeholder_rows(report.inputs.get("stakeholders", [])),
        "state_sentence": state_sentence(report.proposal.status, report.proposal.review_round),
        "cover_title": keep_together(report.proposal.title),
        "cover_decision": keep_together(decision) if decision else "",
        "cover_headline": keep_together((view.get("results") or {}).get("headline", "")),
        "in_print": True,  # no links to pages of the app: a PDF is read away from it
        "conflicts": list(conflicts),
        # Every decision on the proposal so far, oldest first: a PDF is also the review's record.
        "signoffs": list(
            SignOff.objects.filter(proposal=report.proposal).select_related("user").order_by("created_at", "pk")
        ),
        "generated_at": timezone.now(),
    }
    return render_to_string("reports/pdf.html", context)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one layout, back on (as it was) after.

    A layout allocates some hundred thousand short-lived objects, so the collector runs hundreds of
    times, and each full pass walks every object of the process: in a worker that has loaded
    Django, numpy and matplotlib that took up to a quarter of the PDF's time. The boxes' reference
    cycles wait for the next collection after the layout instead; one layout's worth is a few MB.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_pdf(html: str) -> bytes:
    """Lay HTML out as every MLFit PDF is laid out (the benchmark's plain baseline uses it too)."""
    from weasyprint import HTML  # imported here: heavy, and only the PDF job needs it

    pdf_svg_text.install()
    # WeasyPrint warns about every SVG presentation attribute it leaves to the SVG renderer.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    with _collector_paused():
        return HTML(string=html).write_pdf()


def render_pdf(report: Report) -> bytes:
    return write_pdf(report_html(report))
