from django.conf import settings
from django.db import models

from accounts.models import Organisation
from projects.models import Proposal


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Report(models.Model):
    """A trade-off report: an immutable snapshot of the inputs, the results, and who asked.

    Computed by a Celery job (assessments.tasks.compute_report). `inputs` are frozen when the
    report is requested; `inputs_hash` makes the job idempotent: the same inputs give the same
    report, and asking again for unchanged inputs returns the existing one.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="reports")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="reports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_note = models.CharField(max_length=200, blank=True)
    inputs = models.JSONField()
    inputs_hash = models.CharField(max_length=64)
    engine_version = models.CharField(max_length=20)
    results = models.JSONField(null=True, blank=True)
    # One line for lists and the library ("Gradient-boosted trees lead..."), copied from results.
    headline = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    # Bumped while the job runs; the sweep re-queues or fails a job whose heartbeat stopped.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pdf_status = models.CharField(max_length=10, choices=ReportStatus.choices, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_error = models.TextField(blank=True)
    # The review's state the stored PDF shows (reports.pdf.review_mark): the PDF lists the
    # sign-offs, so a decision made since means it is rendered again when next asked for.
    pdf_review_mark = models.CharField(max_length=60, blank=True)

    class Meta:
        # Moved from the assessments app (issue 16) with its table.
        db_table = "assessments_report"
        ordering = ["-created_at"]
        indexes = [
            # The proposal's report list and "latest report" lookups.
            models.Index(fields=["proposal", "-created_at"], name="report_proposal_latest_idx"),
            # The sweep: running jobs by heartbeat.
            models.Index(fields=["status", "heartbeat_at"], name="report_status_heartbeat_idx"),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} for {self.proposal_id} ({self.status})"

    @property
    def is_done(self) -> bool:
        return self.status in (ReportStatus.SUCCEEDED, ReportStatus.FAILED)
