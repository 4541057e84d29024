"""Celery tasks: thin, they take an id and call a service (docs/architecture.md).

Each keeps the name it had when it lived in the assessments app: the outbox and the broker hold
jobs by name, and a job queued before a deploy must still find its task after it.
"""

from contextlib import AbstractContextManager, nullcontext

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from reports.services import (
    report_fail,
    report_heartbeat,
    report_pdf_fail,
    report_pdf_run,
    report_run,
    report_run_batch,
    report_sweep,
)

# Transient: the database or the network hiccuped; the job is retried with backoff.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
# One report or a batch: acknowledged only when done (a killed worker's job is delivered again),
# transient failures retried with backoff, and stopped after two minutes.
COMPUTE_OPTIONS = dict(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_kwargs={"max_retries": 5},
    soft_time_limit=120,
    time_limit=150,
)


def _heartbeat(task, report_ids: list[int]) -> AbstractContextManager[None]:
    """In a worker, the reports' heartbeat thread; run eagerly (tests, a laptop) nobody sweeps."""
    return nullcontext() if task.request.is_eager else report_heartbeat(report_ids=report_ids)


@shared_task(name="assessments.tasks.compute_report", **COMPUTE_OPTIONS)
def compute_report(self, report_id: int) -> str:
    try:
        with _heartbeat(self, [report_id]):
            return report_run(report_id=report_id)
    except TRANSIENT:
        raise
    except SoftTimeLimitExceeded:
        report_fail(report_id=report_id, reason="The computation took longer than two minutes and was stopped.")
        return "failed"
    except Exception as exc:
        report_fail(report_id=report_id, reason=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(name="assessments.tasks.compute_reports", **COMPUTE_OPTIONS)
def compute_reports(self, report_ids: list[int]) -> dict[str, int]:
    """Many reports in one job (`manage.py recompute_reports`); one report asked for on its page
    goes through compute_report, which shows its progress."""
    with _heartbeat(self, report_ids):
        return report_run_batch(report_ids=report_ids)


@shared_task(name="assessments.tasks.sweep_reports", acks_late=True)
def sweep_reports() -> dict[str, int]:
    return report_sweep()


@shared_task(
    name="assessments.tasks.render_report_pdf",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_kwargs={"max_retries": 5},
    soft_time_limit=60,
    time_limit=90,
)
def render_report_pdf(report_id: int) -> str:
    try:
        return report_pdf_run(report_id=report_id)
    except TRANSIENT:
        raise
    except Exception as exc:
        report_pdf_fail(report_id=report_id, reason=f"{type(exc).__name__}: {exc}")
        raise
