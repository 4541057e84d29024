"""The report as a PDF, laid out by WeasyPrint from the same templates as the page."""

import logging
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import Assessment, Report
from assessments.questionnaires_db import engine_questionnaire
from assessments.report_present import charts_for, present
from stakeholders.models import Conflict, ConflictStatus


def _suitability(report: Report) -> dict[str, Any] | None:
    """The suitability answers as frozen in the report, in words, with the assessment's findings."""
    frozen = report.inputs.get("suitability") or {}
    # The assessment the report froze, by id (reports made before ids were frozen: the latest
    # with the same verdict).
    candidates = Assessment.objects.filter(proposal=report.proposal, stakeholder__isnull=True)
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


def report_html(report: Report, *, base_url: str = "") -> str:
    conflicts = Conflict.objects.filter(proposal=report.proposal).exclude(status=ConflictStatus.GONE)
    context = {
        "report": report,
        "proposal": report.proposal,
        "results": report.results,
        "view": present(report.results),
        "charts": charts_for(report),
        "suitability": _suitability(report),
        "stakeholders": report.inputs.get("stakeholders", []),
        "conflicts": list(conflicts),
        "generated_at": timezone.now(),
    }
    return render_to_string("reports/pdf.html", context)


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML  # imported here: heavy, and only the PDF job needs it

    # WeasyPrint warns about every SVG presentation attribute it leaves to the SVG renderer.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=report_html(report)).write_pdf()
