from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organisation
from projects.models import Proposal
from reports.services import BATCH_SIZE, report_request_batch


class Command(BaseCommand):
    help = (
        "Give every proposal that has reports a new one for its current inputs, computed by the batch job: "
        "after the approaches' profiles or the engine changed. Proposals whose inputs are unchanged keep theirs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", metavar="SLUG", help="only this organisation's proposals")

    def handle(self, *args, organisation: str | None = None, **options) -> None:
        proposals = Proposal.objects.filter(reports__isnull=False).select_related("organisation").distinct()
        if organisation:
            org = Organisation.objects.filter(slug=organisation).first()
            if org is None:
                raise CommandError(f"No organisation with slug {organisation!r}.")
            proposals = proposals.filter(organisation=org)
        proposals = list(proposals.order_by("pk"))
        created = report_request_batch(proposals=proposals)
        jobs = -(-len(created) // BATCH_SIZE)
        self.stdout.write(
            f"{len(created):,} new reports queued in {jobs:,} batch jobs; "
            f"{len(proposals) - len(created):,} proposals were up to date."
        )
