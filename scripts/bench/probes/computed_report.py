"""A computed report of a proposal, for the report page under load: the job run here, not by a
worker. Prints {"report_id": ...}.
"""

import argparse
import json

from projects.models import Proposal
from reports.services import report_request, report_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--proposal", type=int, required=True, help="the proposal's id")
    args = parser.parse_args()
    proposal = Proposal.objects.get(pk=args.proposal)
    report, _ = report_request(proposal=proposal, by=proposal.owner)
    report_run(report_id=report.pk)
    print(json.dumps({"report_id": report.pk}))


if __name__ == "__main__":
    main()
