"""What happened after approval: outcomes, recorded by the owner or an admin, and the calibration
of the suitability verdicts against them."""

from typing import Any

from django.db import transaction
from django.db.models import Q

from accounts.models import Organisation, User
from audit.models import AuditEntry
from audit.services import audit_record
from projects import calibration
from projects.access import visible_to
from projects.models import Outcome, OutcomeStatus, Proposal, ProposalStatus

OUTCOME_FIELDS = ("status", "value_achieved", "target_met", "notes")


def outcome_allowed(proposal: Proposal) -> bool:
    """Outcomes follow approval: an approved proposal, or one archived after it was approved.

    An archived proposal counts as approved before if it has an outcome already, or if its audit
    trail records a change to the approved state.
    """
    if proposal.status == ProposalStatus.APPROVED:
        return True
    if proposal.status != ProposalStatus.ARCHIVED:
        return False
    if Outcome.objects.filter(proposal=proposal).exists():
        return True
    return AuditEntry.objects.filter(proposal=proposal, after__status=ProposalStatus.APPROVED).exists()


def _outcome_data(outcome: Outcome) -> dict[str, Any]:
    return {name: getattr(outcome, name) for name in OUTCOME_FIELDS}


@transaction.atomic
def outcome_record(*, proposal: Proposal, data: dict[str, Any], by: User) -> Outcome:
    """Record or change what happened after approval; every change lands in the audit trail.

    A target met or missed only means something once launched, so other states clear it.
    """
    fields = {name: data.get(name) for name in OUTCOME_FIELDS}
    fields["value_achieved"] = fields["value_achieved"] or ""
    fields["notes"] = fields["notes"] or ""
    if fields["status"] != OutcomeStatus.LAUNCHED:
        fields["target_met"] = None
    outcome = Outcome.objects.select_for_update().filter(proposal=proposal).first()
    if outcome is None:
        outcome = Outcome.objects.create(proposal=proposal, recorded_by=by, **fields)
        audit_record(
            organisation=proposal.organisation,
            action="outcome.recorded",
            obj=outcome,
            proposal=proposal,
            actor=by,
            after=_outcome_data(outcome),
            only_changes=False,
        )
        return outcome
    before = _outcome_data(outcome)
    for name, value in fields.items():
        setattr(outcome, name, value)
    outcome.save()
    audit_record(
        organisation=proposal.organisation,
        action="outcome.updated",
        obj=outcome,
        proposal=proposal,
        actor=by,
        before=before,
        after=_outcome_data(outcome),
    )
    return outcome


# --- calibration --------------------------------------------------------------------------------


def calibration_for(*, organisation: Organisation, user: Any, is_admin: bool) -> calibration.Calibration:
    """Verdicts against outcomes over the approved proposals this person may see.

    Approved proposals without an outcome count as pending; so do outcomes of proposals archived
    after approval, which keep their outcome row. One query, three columns per proposal.
    """
    queryset = visible_to(organisation.proposals.all(), user=user, is_admin=is_admin).filter(
        Q(status=ProposalStatus.APPROVED) | Q(outcome__isnull=False)
    )
    forecasts = (
        calibration.Forecast(
            verdict=verdict or "",
            probability=fraction,
            succeeded=_succeeded(status, target_met),
        )
        for verdict, fraction, status, target_met in queryset.values_list(
            "suitability_verdict", "suitability_fraction", "outcome__status", "outcome__target_met"
        ).iterator(chunk_size=2000)
    )
    return calibration.calibrate(forecasts)


def _succeeded(status: str | None, target_met: bool | None) -> bool | None:
    """Outcome.succeeded, from the two columns (no model instance per row)."""
    if status == OutcomeStatus.ABANDONED:
        return False
    if status == OutcomeStatus.LAUNCHED and target_met is not None:
        return target_met
    return None
