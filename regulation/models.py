"""The EU AI Act triage's own records. The screening itself is an assessment of the `eu_ai_act`
questionnaire (questionnaires.Assessment, stakeholder empty); the tier is computed from its answers
whenever it is read (regulation.services), and summarised on the proposal. What is kept here is
what a person did about the result: each duty of the checklist ticked done, with the evidence."""

from django.conf import settings
from django.db import models

from accounts.models import Organisation
from projects.models import Proposal


class ObligationCheck(models.Model):
    """One duty of a proposal's checklist, ticked done (or unticked), with the evidence.

    `key` is the obligation's key in regulation/definitions/eu_ai_act.yaml. A check outlives a
    change of the answers: a duty that leaves the checklist and comes back finds its evidence again.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="ai_act_checks")
    key = models.SlugField(max_length=80)
    done = models.BooleanField(default=False)
    evidence = models.TextField(max_length=2000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["proposal", "key"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "key"], name="obligationcheck_one_per_duty"),
        ]

    def __str__(self) -> str:
        return f"{self.key} on {self.proposal_id}: {'done' if self.done else 'open'}"
