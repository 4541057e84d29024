"""Queued copies of the demo report's frozen inputs, for the report jobs to compute.
Prints {"first", "last"}: their ids.
"""

import argparse
import json

from accounts.models import Organisation
from reports.models import Report
from reports.services import report_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, required=True, help="how many reports to queue")
    args = parser.parse_args()
    org = Organisation.objects.get(slug="demo")
    proposal = org.proposals.get(title__startswith="Route support tickets")
    template, _ = report_request(proposal=proposal, by=proposal.owner)
    template = Report.objects.get(pk=template.pk)
    rows = [
        Report(
            organisation=template.organisation,
            proposal=template.proposal,
            inputs=template.inputs,
            inputs_hash=f"bench-{i}",
            engine_version=template.engine_version,
        )
        for i in range(args.count)
    ]
    created = Report.objects.bulk_create(rows, batch_size=1000)
    print(json.dumps({"first": created[0].pk, "last": created[-1].pk}))


if __name__ == "__main__":
    main()
