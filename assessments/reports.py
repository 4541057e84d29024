"""Trade-off reports: freeze the inputs, run the engine in a Celery job, keep an immutable snapshot.

The flow: `report_request` freezes what the report reads (intake, suitability answers and verdict,
stakeholders' requirements and objectives, the candidate approaches) and hashes it; unchanged
inputs return the existing report (idempotent), new ones create a queued report and enqueue the
job once the transaction commits. `report_run` is what the job does; `report_sweep` (Celery beat)
re-queues a job whose worker died or fails it after too many attempts.
"""

import hashlib
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.models import Report, ReportStatus
from assessments.services import answers_of, assessment_latest
from assessments.tradeoff_inputs import approaches_definition, compute_results
from projects.models import EDITABLE_FIELDS, Proposal
from stakeholders.models import Stakeholder

ENGINE_VERSION = "1"
REPORT_FIELDS = tuple(name for name in EDITABLE_FIELDS if name != "visibility")
MAX_ATTEMPTS = 3
# A running job bumps its heartbeat at every step; one silent this long has lost its worker.
STALE_AFTER = timedelta(minutes=5)


def report_inputs(*, proposal: Proposal) -> dict[str, Any]:
    """Everything the report reads, as plain JSON, frozen at request time."""
    assessment = assessment_latest(proposal=proposal)
    stakeholders = (
        Stakeholder.objects.filter(proposal=proposal)
        .select_related("role")
        .prefetch_related("requirements", "objectives")
    )
    return {
        "engine_version": ENGINE_VERSION,
        # Who may see the proposal is not an input to the decision: changing it makes no new report.
        "proposal": {name: value for name, value in proposal.snapshot().items() if name in REPORT_FIELDS},
        "suitability": {
            "assessment_id": assessment.pk if assessment else None,
            "questionnaire_version": assessment.questionnaire.version if assessment else None,
            "status": assessment.status if assessment else None,
            "verdict": assessment.verdict if assessment and assessment.verdict else None,
            "score": assessment.score if assessment else None,
            "caveats": (assessment.result or {}).get("caveats", []) if assessment else [],
            "answers": dict(sorted(answers_of(assessment).items())) if assessment else {},
        },
        "stakeholders": [
            {
                "id": s.pk,
                "name": s.name,
                "role": s.role.key,
                "role_label": s.role.label,
                "requirements": [
                    {
                        "id": r.pk,
                        "dimension": r.dimension,
                        "op": r.op,
                        "value": r.value,
                        "unit": r.unit,
                        "metric": r.metric,
                        "must_have": r.must_have,
                        "weight": r.weight,
                    }
                    for r in sorted(s.requirements.all(), key=lambda r: r.dimension)
                ],
                "objectives": [
                    {"name": o.name, "direction": o.direction, "weight": o.weight}
                    for o in sorted(s.objectives.all(), key=lambda o: o.name)
                ],
            }
            for s in sorted(stakeholders, key=lambda s: s.pk)
        ],
        "approaches": approaches_definition(),
    }


def inputs_hash(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def _enqueue(report: Report) -> None:
    from assessments.tasks import compute_report  # the task module imports this one

    report_id = report.pk
    # The heartbeat of a queued report is when it was last sent: the sweep re-sends it only after
    # it has waited STALE_AFTER since then, not on every sweep.
    Report.objects.filter(pk=report_id).update(heartbeat_at=timezone.now())
    transaction.on_commit(lambda: compute_report.delay(report_id))


@transaction.atomic
def report_request(*, proposal: Proposal, by: User) -> tuple[Report, bool]:
    """The report for the proposal's current inputs: an existing one, or a new queued job."""
    # One request at a time per proposal, so two clicks make one report.
    Proposal.objects.select_for_update().filter(pk=proposal.pk).first()
    inputs = report_inputs(proposal=proposal)
    digest = inputs_hash(inputs)
    existing = (
        Report.objects.filter(proposal=proposal, inputs_hash=digest)
        .exclude(status=ReportStatus.FAILED)
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing, False
    report = Report.objects.create(
        organisation=proposal.organisation,
        proposal=proposal,
        requested_by=by,
        inputs=inputs,
        inputs_hash=digest,
        engine_version=ENGINE_VERSION,
    )
    _enqueue(report)
    return report, True


@transaction.atomic
def report_retry(*, report: Report) -> Report:
    """Queue a failed report again (the retry button)."""
    Report.objects.filter(pk=report.pk, status=ReportStatus.FAILED).update(
        status=ReportStatus.QUEUED, error="", progress=0, progress_note="", attempts=0
    )
    report.refresh_from_db()
    if report.status == ReportStatus.QUEUED:
        _enqueue(report)
    return report


def _progress(report_id: int) -> Callable[[int, str], None]:
    pause = settings.REPORT_STEP_PAUSE

    def update(percent: int, note: str) -> None:
        Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
            progress=max(0, min(100, percent)), progress_note=note[:200], heartbeat_at=timezone.now()
        )
        if pause:
            # Only the fault tests set this: it holds each step open long enough to kill the worker.
            time.sleep(pause)

    return update


def report_run(*, report_id: int) -> str:
    """What the Celery job does. Safe to run twice: only the first result is kept.

    A redelivered job (its worker died) finds the report still running and runs it again; the
    results are a pure function of the frozen inputs, so a second run writes the same thing,
    and the final write is conditional on the report not having succeeded meanwhile.
    """
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status in (ReportStatus.SUCCEEDED, ReportStatus.FAILED):
            # Said apart from a run that wrote the result, so the worker's log tells the two apart.
            return f"already {report.status}" if report else "missing"
        report.status = ReportStatus.RUNNING
        report.attempts += 1
        report.started_at = report.started_at or timezone.now()
        report.heartbeat_at = timezone.now()
        report.progress, report.progress_note = 5, "Reading the frozen inputs"
        report.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "progress", "progress_note"])
        inputs = report.inputs
    results = compute_results(inputs, _progress(report_id))
    written = (
        Report.objects.filter(pk=report_id)
        .exclude(status=ReportStatus.SUCCEEDED)
        .update(
            status=ReportStatus.SUCCEEDED,
            results=results,
            headline=str(results.get("headline", ""))[:300],
            progress=100,
            progress_note="Done",
            finished_at=timezone.now(),
            error="",
        )
    )
    return "succeeded" if written else "already succeeded"


def report_fail(*, report_id: int, reason: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=ReportStatus.SUCCEEDED).update(
        status=ReportStatus.FAILED, error=reason[:2000], finished_at=timezone.now()
    )


def report_sweep(*, now=None) -> dict[str, int]:
    """Re-queue jobs whose worker went silent; fail them after MAX_ATTEMPTS. No job runs forever."""
    now = now or timezone.now()
    requeued = failed = 0
    stale = Report.objects.filter(status=ReportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    for report in stale:
        if report.attempts >= MAX_ATTEMPTS:
            report_fail(report_id=report.pk, reason=f"The job stopped responding {report.attempts} times; giving up.")
            failed += 1
            continue
        updated = Report.objects.filter(
            pk=report.pk, status=ReportStatus.RUNNING, heartbeat_at=report.heartbeat_at
        ).update(status=ReportStatus.QUEUED, progress_note="Re-queued after its worker stopped responding")
        if updated:
            _enqueue(report)
            requeued += 1
    # A queued report whose message was lost (broker restarted) is sent again after a while too.
    lost = Report.objects.filter(
        status=ReportStatus.QUEUED, heartbeat_at__lt=now - STALE_AFTER, attempts__lt=MAX_ATTEMPTS
    )
    for report in lost:
        _enqueue(report)
        requeued += 1
    return {"requeued": requeued, "failed": failed}


def report_latest(*, proposal: Proposal) -> Report | None:
    return Report.objects.filter(proposal=proposal).defer("pdf", "inputs", "results").order_by("-created_at").first()


def report_is_stale(*, proposal: Proposal, report: Report | None) -> bool:
    return bool(report and proposal.inputs_changed_at and proposal.inputs_changed_at > report.created_at)


def report_pdf_request(*, report: Report) -> Report:
    """Queue the PDF job once; asking again while it runs or once it exists changes nothing."""
    from assessments.tasks import render_report_pdf  # the task module imports this one

    updated = (
        Report.objects.filter(pk=report.pk, status=ReportStatus.SUCCEEDED)
        .exclude(pdf_status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING, ReportStatus.SUCCEEDED])
        .update(pdf_status=ReportStatus.QUEUED, pdf_error="")
    )
    if updated:
        report_id = report.pk
        transaction.on_commit(lambda: render_report_pdf.delay(report_id))
    report.refresh_from_db(fields=["pdf_status", "pdf_error"])
    return report


def report_pdf_run(*, report_id: int) -> str:
    """What the PDF job does: render once, store the bytes. Safe to run twice."""
    from assessments.pdf import render_pdf

    report = Report.objects.select_related("proposal__organisation", "requested_by").defer("pdf").get(pk=report_id)
    if report.pdf_status == ReportStatus.SUCCEEDED:
        return "already rendered"
    Report.objects.filter(pk=report_id).update(pdf_status=ReportStatus.RUNNING)
    data = render_pdf(report)
    Report.objects.filter(pk=report_id).update(pdf=data, pdf_status=ReportStatus.SUCCEEDED, pdf_error="")
    return "rendered"


def report_pdf_fail(*, report_id: int, reason: str) -> None:
    Report.objects.filter(pk=report_id).update(pdf_status=ReportStatus.FAILED, pdf_error=reason[:2000])
