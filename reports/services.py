"""Trade-off reports: freeze the inputs, run the engine in a Celery job, keep an immutable snapshot.

The flow: `report_request` freezes what the report reads (intake, suitability answers and verdict,
stakeholders' requirements and objectives, the candidate approaches) and hashes it; unchanged
inputs return the existing report (idempotent), new ones create a queued report and enqueue the
job once the transaction commits. `report_run` is what the job does; `report_sweep` (Celery beat)
re-queues a job whose worker died or fails it after too many attempts.
"""

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.models import NotificationKind, User
from accounts.notifications import notify
from outbox.models import UNFINISHED, OutboxItem, OutboxStatus
from outbox.services import outbox_dispatch, outbox_dispatch_on_commit, outbox_latest, outbox_task
from projects.models import EDITABLE_FIELDS, Proposal
from projects.services import proposal_set_latest_report, proposals_set_latest_reports
from questionnaires.services import answers_counted
from regulation.services import report_inputs as regulation_inputs
from reports.inputs import approaches_definition, compute_results
from reports.models import Report, ReportStatus
from reports.present import report_gist
from stakeholders.models import Stakeholder
from suitability.services import assessment_latest, verdict_reasons
from webhooks.events import emit_report_finished

logger = logging.getLogger(__name__)

ENGINE_VERSION = "1"
REPORT_FIELDS = tuple(name for name in EDITABLE_FIELDS if name != "visibility")
# A job whose worker died is re-queued once; dying again, it is failed with the reason.
MAX_ATTEMPTS = 2
# The note of a report whose job could not be sent yet; the status partial shows it.
DELAYED_NOTE = "Redis is unreachable; the job is delayed and will run when the queue is back"
# Reports per message of the batch job (`report_run_batch`): about a second of work, so two
# worker processes share a large batch evenly and a redelivered message redoes little.
BATCH_SIZE = 200
# A running job bumps its heartbeat at every step and every HEARTBEAT_EVERY besides (a thread
# beside the job: report_heartbeat), so one silent for STALE_AFTER has lost its worker.
HEARTBEAT_EVERY = timedelta(seconds=10)
STALE_AFTER = timedelta(seconds=30)
# A queued report sent this long ago and not taken: its message was lost (Redis restarted without
# it). Not STALE_AFTER: a queue behind a busy worker is slow, not lost. The broker's visibility
# timeout (600 s) is the same bound for a message a worker took and never acknowledged.
LOST_AFTER = timedelta(minutes=10)
# A PDF job sent this long ago and not done lost its worker (render_report_pdf's time limit is 90 s,
# plus a queue). It is sent PDF_MAX_SENDS times per request, then failed with the reason.
PDF_LOST_AFTER = timedelta(minutes=3)
PDF_MAX_SENDS = 2


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
            # Only the answers that count: one to a question the other answers hide (stored before
            # answers_save dropped them) must not steer a report. Answers without hidden ones are
            # the same as before, so the hash of their reports is unchanged.
            "answers": dict(sorted(answers_counted(assessment).items())) if assessment else {},
            # What holds the verdict back, in words, for the report's one-sentence decision;
            # only when there is some, so reports on results without gates keep their hash.
            **verdict_reasons((assessment.result or {}) if assessment else {}),
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
        # The EU AI Act triage, once finished: its tier and the duties that constrain the build
        # (production gates, and explanations weighed as a requirement). Only then, so reports on
        # proposals without a triage keep their hash.
        **({"regulation": regulation} if (regulation := regulation_inputs(proposal=proposal)) else {}),
    }


def inputs_hash(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def _enqueue(report: Report) -> None:
    """Queue the report's job through the outbox, in the caller's transaction.

    With Redis down the item waits in the outbox and its sweep sends it once Redis is back; the
    report says it is delayed meanwhile. The key makes a second enqueue of a report whose job is
    still unsent (a sweep, a retry) the same item, so the job is sent once.
    """
    report_id = report.pk
    # The heartbeat of a queued report is when it was last sent: the sweep sends it again only
    # after it has waited LOST_AFTER since then, not on every sweep.
    Report.objects.filter(pk=report_id).update(heartbeat_at=timezone.now())
    item = outbox_task(
        task="assessments.tasks.compute_report",
        args=[report_id],
        ref=f"report:{report_id}",
        key=f"report.compute:{report_id}",
        dispatch=False,
    )

    def send() -> None:
        outbox_dispatch(ids=[item.pk], best_effort=True)
        if OutboxItem.objects.filter(pk=item.pk, status=OutboxStatus.PENDING).exists():
            # Not sent: the page that asked is not failed for it, it says the job is delayed.
            Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(progress_note=DELAYED_NOTE)
            return
        # Sent at last: a delayed report no longer says it is waiting for Redis (a worker that
        # already took it has moved it on from queued, and its own note stands).
        Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED, progress_note=DELAYED_NOTE).update(
            progress_note=""
        )

    transaction.on_commit(send)


@transaction.atomic
def report_request(*, proposal: Proposal, by: User) -> tuple[Report, bool]:
    """The report for the proposal's current inputs: an existing one, or a new queued job."""
    report, created = _report_for_current_inputs(proposal=proposal, by=by)
    if created:
        _enqueue(report)
    return report, created


def _report_for_current_inputs(*, proposal: Proposal, by: User | None) -> tuple[Report, bool]:
    """The report (not failed) frozen from the proposal's inputs as they are now, or a new one."""
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
        organisation_id=proposal.organisation_id,
        proposal=proposal,
        requested_by=by,
        inputs=inputs,
        inputs_hash=digest,
        engine_version=ENGINE_VERSION,
    )
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


@contextmanager
def report_heartbeat(*, report_ids: Sequence[int]) -> Iterator[None]:
    """Bump the running reports' heartbeat every HEARTBEAT_EVERY while the block runs.

    A thread, so a long step (the sensitivity's samples, a batch of 200) keeps the job alive to
    the sweep; when the worker dies the thread dies with it and the heartbeat stops at once.
    """
    done = threading.Event()
    ids = list(report_ids)

    def beat() -> None:
        try:
            while not done.wait(HEARTBEAT_EVERY.total_seconds()):
                Report.objects.filter(pk__in=ids, status=ReportStatus.RUNNING).update(heartbeat_at=timezone.now())
        except DatabaseError:
            logger.warning("The heartbeat of reports %s stopped: the database is unreachable", ids, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"report-heartbeat-{ids[:1]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)


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
        .update(**_succeeded(results, finished_at=timezone.now()))
    )
    if written:
        _report_finished(report_id)
    return "succeeded" if written else "already succeeded"


def _succeeded(results: dict[str, Any], *, finished_at: datetime) -> dict[str, Any]:
    """The fields a report takes when its results are written, by one job or by a batch."""
    return {
        "status": ReportStatus.SUCCEEDED,
        "results": results,
        "headline": _headline_of(results)[:300],
        "progress": 100,
        "progress_note": "Done",
        "finished_at": finished_at,
        "error": "",
    }


def _headline_of(results: dict[str, Any]) -> str:
    """A report's one-paragraph answer, whole (the Report's own column keeps its first 300 characters)."""
    return str(results.get("headline", ""))


def _none_feasible(results: dict[str, Any]) -> bool:
    """Every candidate approach failed a must-have: the engine then ranks none (tradeoffs.compare)."""
    return "ranking" in results and not results["ranking"]


def _report_finished(report_id: int) -> None:
    """Tell the proposal which report is its newest, and the person who asked that it is ready.

    Called only by the run that wrote the result, and the notification's event key is the report:
    a job delivered twice notifies once.
    """
    report = (
        Report.objects.select_related("proposal__organisation", "requested_by").defer("pdf", "inputs").get(pk=report_id)
    )
    proposal_set_latest_report(
        proposal_id=report.proposal_id,
        report_id=report.pk,
        headline=_headline_of(report.results),
        none_feasible=_none_feasible(report.results),
        gist=report_gist(report.results),
        finished_at=report.finished_at,
    )
    emit_report_finished(report=report)
    if report.requested_by is not None:
        notify(
            organisation=report.proposal.organisation,
            users=[report.requested_by],
            kind=NotificationKind.REPORT_READY,
            event_key=f"report_ready:{report.pk}",
            title=f"Trade-off report #{report.pk} for “{report.proposal.title}” is ready",
            body=report.headline,
            url=reverse("reports:detail", kwargs={"pk": report.proposal_id, "rid": report.pk}),
        )


def report_fail(*, report_id: int, reason: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=ReportStatus.SUCCEEDED).update(
        status=ReportStatus.FAILED, error=reason[:2000], finished_at=timezone.now()
    )


def report_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-queue jobs whose worker went silent, once; then fail them. No job runs forever.

    Beat runs it every 15 s and a running job's heartbeat is at most HEARTBEAT_EVERY old
    (report_heartbeat), so a job whose whole worker was killed is noticed within STALE_AFTER
    plus one sweep: under a minute.
    """
    now = now or timezone.now()
    requeued = failed = 0
    stale = Report.objects.filter(status=ReportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    for report in stale:
        if report.attempts >= MAX_ATTEMPTS:
            report_fail(
                report_id=report.pk,
                reason=f"The job stopped responding {report.attempts} times (its worker died); giving up.",
            )
            failed += 1
            continue
        updated = Report.objects.filter(
            pk=report.pk, status=ReportStatus.RUNNING, heartbeat_at=report.heartbeat_at
        ).update(status=ReportStatus.QUEUED, progress_note="Re-queued after its worker stopped responding")
        if updated:
            _enqueue(report)
            requeued += 1
    # A queued report whose message was lost (Redis restarted without it) is sent again after a
    # while. One whose job could not be sent at all waits in the outbox, whose sweep sends it.
    lost = Report.objects.filter(
        status=ReportStatus.QUEUED, heartbeat_at__lt=now - LOST_AFTER, attempts__lt=MAX_ATTEMPTS
    )
    for report in lost:
        item = outbox_latest(ref=f"report:{report.pk}")
        if item is not None and (item.status in UNFINISHED or (item.sent_at and item.sent_at >= now - LOST_AFTER)):
            continue
        _enqueue(report)
        requeued += 1
    pdf = report_pdf_sweep(now=now)
    return {"requeued": requeued, "failed": failed, "pdf_requeued": pdf["requeued"], "pdf_failed": pdf["failed"]}


def report_latest(*, proposal: Proposal) -> Report | None:
    return Report.objects.filter(proposal=proposal).defer("pdf", "inputs", "results").order_by("-created_at").first()


def report_is_stale(*, proposal: Proposal, report: Report | None) -> bool:
    return bool(report and proposal.inputs_changed_at and proposal.inputs_changed_at > report.created_at)


def _pdf_send(report_id: int, round_key: str) -> None:
    """Queue the PDF job through the outbox. `round_key` names one request: its sends are counted."""
    outbox_task(
        task="assessments.tasks.render_report_pdf", args=[report_id], ref=f"report_pdf:{report_id}", key=round_key
    )


def _pdf_keep_going(report_id: int, now: datetime) -> str:
    """A PDF still queued or running: send its job if it never was, again if it was lost, or fail it.

    Asked by the waiting page (asking again) and by the sweep. An unsent job waits in the outbox,
    which sends it when Redis is back; re-adding it (same key) only tries that now. One sent
    longer ago than PDF_LOST_AFTER (its time limit and then some) lost its worker: it is sent once
    more in the same round, then failed with the reason, so the page never waits forever.
    """
    item = outbox_latest(ref=f"report_pdf:{report_id}")
    if item is None or (item.status == OutboxStatus.FAILED):
        if item is not None and OutboxItem.objects.filter(key=item.key).count() >= PDF_MAX_SENDS:
            report_pdf_fail(report_id=report_id, reason=f"The job could not be queued: {item.last_error}")
            return "failed"
        _pdf_send(report_id, item.key if item else f"report.pdf:{report_id}:{now.timestamp()}")
        return "requeued"
    if item.status in UNFINISHED:
        if item.status == OutboxStatus.PENDING:
            outbox_dispatch_on_commit(ids=[item.pk])
        return "waiting"
    if item.sent_at is None or item.sent_at >= now - PDF_LOST_AFTER:
        return "waiting"
    if OutboxItem.objects.filter(key=item.key).count() >= PDF_MAX_SENDS:
        report_pdf_fail(
            report_id=report_id,
            reason="The PDF job stopped responding twice (its worker may have died). Press Retry to try again.",
        )
        return "failed"
    _pdf_send(report_id, item.key)
    return "requeued"


@transaction.atomic
def report_pdf_request(*, report: Report) -> Report:
    """Queue the PDF job once; asking again while it waits sends it if it never was, or was lost."""
    from reports.pdf import review_mark

    pending = Report.objects.filter(pk=report.pk, status=ReportStatus.SUCCEEDED)
    if report.pdf_status == ReportStatus.SUCCEEDED and report.pdf_review_mark != review_mark(report.proposal_id):
        # Rendered before the latest review decision: render it again, with the sign-offs.
        pending = pending.filter(pdf_status=ReportStatus.SUCCEEDED)
    else:
        pending = pending.exclude(pdf_status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING, ReportStatus.SUCCEEDED])
    updated = pending.update(pdf_status=ReportStatus.QUEUED, pdf_error="")
    now = timezone.now()
    if updated:
        # A new round: its own key, so the sends of an earlier, failed round do not count.
        _pdf_send(report.pk, f"report.pdf:{report.pk}:{now.timestamp()}")
    elif report.pdf_status in (ReportStatus.QUEUED, ReportStatus.RUNNING):
        _pdf_keep_going(report.pk, now)
    report.refresh_from_db(fields=["pdf_status", "pdf_error"])
    return report


def report_pdf_sweep(*, now: datetime) -> dict[str, int]:
    """The PDFs whose job was sent a while ago and never finished: sent again once, then failed."""
    counts = {"requeued": 0, "failed": 0}
    sent = OutboxItem.objects.filter(
        status=OutboxStatus.SENT,
        sent_at__lt=now - PDF_LOST_AFTER,
        sent_at__gte=now - PDF_LOST_AFTER * (PDF_MAX_SENDS + 2),
        ref__startswith="report_pdf:",
    ).values_list("ref", flat=True)
    report_ids = {int(ref.split(":", 1)[1]) for ref in sent}
    waiting = Report.objects.filter(
        pk__in=report_ids, pdf_status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]
    ).values_list("pk", flat=True)
    for report_id in waiting:
        with transaction.atomic():
            outcome = _pdf_keep_going(report_id, now)
        if outcome in counts:
            counts[outcome] += 1
    return counts


def report_pdf_run(*, report_id: int) -> str:
    """What the PDF job does: render once, store the bytes. Safe to run twice."""
    from reports.pdf import render_pdf, review_mark

    report = Report.objects.select_related("proposal__organisation", "requested_by").defer("pdf").get(pk=report_id)
    if report.pdf_status == ReportStatus.SUCCEEDED:
        return "already rendered"
    Report.objects.filter(pk=report_id).update(pdf_status=ReportStatus.RUNNING)
    mark = review_mark(report.proposal_id)  # before rendering: a decision made meanwhile re-renders
    data = render_pdf(report)
    Report.objects.filter(pk=report_id).update(
        pdf=data, pdf_status=ReportStatus.SUCCEEDED, pdf_error="", pdf_review_mark=mark
    )
    return "rendered"


def report_pdf_fail(*, report_id: int, reason: str) -> None:
    Report.objects.filter(pk=report_id).update(pdf_status=ReportStatus.FAILED, pdf_error=reason[:2000])


# --- Many reports at once: `manage.py recompute_reports` and the batch job ------------------------


def report_request_batch(*, proposals: Iterable[Proposal], by: User | None = None) -> list[Report]:
    """New reports for the proposals whose current inputs have none, computed by the batch job.

    For each proposal what report_request does (locked, frozen, hashed; unchanged inputs keep
    their report), but the new reports go to the batch job BATCH_SIZE at a time rather than one
    message each. For when the inputs of many proposals change at once: the approaches' profiles,
    the engine's version.
    """
    created: list[Report] = []
    for proposal in proposals:
        with transaction.atomic():
            report, new = _report_for_current_inputs(proposal=proposal, by=by)
        if new:
            created.append(report)
    report_enqueue_batch(report_ids=[report.pk for report in created])
    return created


def report_enqueue_batch(*, report_ids: Iterable[int]) -> int:
    """Send the queued ones of these reports to the batch job once the transaction commits; how many."""
    queued = list(
        Report.objects.filter(pk__in=list(report_ids), status=ReportStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # As for one report (_enqueue): a queued report's heartbeat is when it was sent, so the sweep
    # sends it again, on its own, only if this message is lost.
    Report.objects.filter(pk__in=queued).update(heartbeat_at=timezone.now())
    with transaction.atomic():  # the items of every chunk commit together
        for start in range(0, len(queued), BATCH_SIZE):
            chunk = queued[start : start + BATCH_SIZE]
            outbox_task(
                task="assessments.tasks.compute_reports",
                args=[chunk],
                ref=f"report_batch:{chunk[0]}",
                key=f"report.batch:{chunk[0]}-{chunk[-1]}:{len(chunk)}",
            )
    return len(queued)


def _unwatched(percent: int, note: str) -> None:
    """A batch job's steps are not written: nobody watches a recomputed report's progress."""


def report_run_batch(*, report_ids: Sequence[int]) -> dict[str, int]:
    """What the batch job does: compute many reports with two commits in all, not three each.

    Row by row, report_run's guarantees: a report that succeeded or failed is left alone; the
    others are marked running with one more attempt, computed from their frozen inputs, and their
    results written only if they have not succeeded meanwhile. So a message delivered twice, or a
    report also run by compute_report or sent again by the sweep, is written once. A report whose
    engine fails is failed with the reason and the others go on. A worker that dies mid-batch
    leaves its reports running: the message is delivered again (acks_late), and should that fail
    too, the sweep re-queues each report on its own once its heartbeat is STALE_AFTER old.
    """
    now = timezone.now()
    with transaction.atomic():
        # Locked in id order, so two batches sharing reports cannot deadlock.
        rows = list(
            Report.objects.select_for_update()
            .filter(pk__in=report_ids)
            .exclude(status__in=(ReportStatus.SUCCEEDED, ReportStatus.FAILED))
            .order_by("pk")
            .values_list("pk", "inputs")
        )
        Report.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            status=ReportStatus.RUNNING,
            attempts=F("attempts") + 1,
            started_at=Coalesce("started_at", now),
            heartbeat_at=now,
            progress=5,
            progress_note="Computing, with other reports",
        )
    computed: list[tuple[int, dict[str, Any]]] = []
    failed: list[tuple[int, str]] = []
    for pk, inputs in rows:
        try:
            computed.append((pk, compute_results(inputs, _unwatched)))
        except SoftTimeLimitExceeded:
            raise  # the whole batch is out of time: its reports stay running, for the sweep
        except Exception as exc:  # one report's bad inputs must not fail the others
            failed.append((pk, f"{type(exc).__name__}: {exc}"))
    finished = timezone.now()
    written = 0
    # One commit for the lot. An UPDATE a report (not bulk_update: its CASE over every row cost
    # more, in Python and in PostgreSQL), conditional as report_run's: a report that succeeded
    # meanwhile keeps the results it has.
    with transaction.atomic():
        for pk, results in computed:
            written += (
                Report.objects.filter(pk=pk)
                .exclude(status=ReportStatus.SUCCEEDED)
                .update(**_succeeded(results, finished_at=finished))
            )
        for pk, reason in failed:
            report_fail(report_id=pk, reason=reason)
        # Recomputed reports are their proposals' newest (one UPDATE for the chunk); nobody is
        # notified of a batch recompute.
        summaries = {
            pk: (_headline_of(results), _none_feasible(results), report_gist(results)) for pk, results in computed
        }
        newest = {
            proposal_id: (pk, *summaries[pk])
            for proposal_id, pk in Report.objects.filter(
                pk__in=list(summaries), status=ReportStatus.SUCCEEDED, finished_at=finished
            ).values_list("proposal_id", "pk")
        }
        proposals_set_latest_reports(latest=newest, finished_at=finished)
    return {"succeeded": written, "failed": len(failed), "skipped": len(report_ids) - written - len(failed)}
