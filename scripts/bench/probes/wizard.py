"""A suitability assessment half answered (the first half of the typical answers) on the
organisation's first proposal that is not archived, for the wizard step figure.
Prints {"proposal_id": ..., "wizard_step": the path of its "Data" step}.
"""

import argparse
import json

from accounts.models import Organisation, User
from projects.models import Proposal
from questionnaires.models import Answer
from scripts.bench.suitability_engine import typical_answers
from suitability.services import assessment_start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--email", required=True, help="the member who starts the assessment")
    parser.add_argument("--org", required=True, help="slug of the proposal's organisation")
    args = parser.parse_args()
    user = User.objects.get(email=args.email)
    org = Organisation.objects.get(slug=args.org)
    proposal = Proposal.objects.filter(organisation=org).exclude(status="archived").order_by("pk").first()
    assessment = assessment_start(proposal=proposal, by=user)
    answers = list(typical_answers().items())
    Answer.objects.bulk_create(
        Answer(assessment=assessment, question_key=k, value=v, answered_by=user)
        for k, v in answers[: len(answers) // 2]
    )
    step = f"/proposals/{proposal.pk}/assessment/{assessment.pk}/step/data/"
    print(json.dumps({"proposal_id": proposal.pk, "wizard_step": step}))


if __name__ == "__main__":
    main()
