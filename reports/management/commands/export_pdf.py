from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.models import Proposal
from reports.models import Report, ReportStatus
from reports.pdf import render_pdf
from reports.services import report_request, report_run


class Command(BaseCommand):
    help = "Write the PDF of a proposal's latest report, computing the report first if there is none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("proposal_id", type=int)
        parser.add_argument("out", type=Path)

    def handle(self, *args, proposal_id: int, out: Path, **options) -> None:
        proposal = Proposal.objects.select_related("organisation", "owner").filter(pk=proposal_id).first()
        if proposal is None:
            raise CommandError(f"No proposal with id {proposal_id}.")
        report = (
            Report.objects.filter(proposal=proposal, status=ReportStatus.SUCCEEDED)
            .defer("pdf")
            .order_by("-created_at")
            .first()
        )
        if report is None:
            # No report yet: compute one here, in this process, rather than waiting for a worker.
            report, _ = report_request(proposal=proposal, by=proposal.owner)
            report_run(report_id=report.pk)
            report.refresh_from_db()
            if report.status != ReportStatus.SUCCEEDED:
                raise CommandError(f"The report could not be computed: {report.error}")
            self.stdout.write(f"Computed report #{report.pk}.")
        data = render_pdf(report)
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc}") from exc
        self.stdout.write(f"Wrote {out} ({len(data):,} bytes) from report #{report.pk}.")
