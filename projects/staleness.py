"""Stale assessments: when a proposal's suitability assessment or its latest report no longer
holds (too old for the organisation, an outdated questionnaire, inputs changed since the report),
the reminders sent to their owners, and the organisation's setting for how old is too old.

The portfolio flags, filters and counts by these rules (projects.portfolio), the proposal page
shows them (projects.templatetags.portfolio_tags), and a weekly job reminds (projects.tasks).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, NotificationKind, Organisation, User
from accounts.notifications import notify
from audit.services import audit_record
from projects.models import Proposal, ProposalStatus

STALE_AGE, STALE_QUESTIONNAIRE, STALE_INPUTS = "age", "questionnaire", "inputs"
STALE_REASONS = (STALE_AGE, STALE_QUESTIONNAIRE, STALE_INPUTS)
STALE_LABELS = {
    STALE_AGE: "Assessment too old",
    STALE_QUESTIONNAIRE: "Questionnaire changed since",
    STALE_INPUTS: "Changed since the last report",
}
STALE_HELP = {
    STALE_AGE: "The suitability assessment is older than the organisation allows; assess it again.",
    STALE_QUESTIONNAIRE: "A newer version of the suitability questionnaire was published; upgrade the assessment.",
    STALE_INPUTS: "The proposal, its answers or its requirements changed after the latest trade-off report.",
}
# Reminders go to proposals still heading for a decision; decided or abandoned ones only show flags.
REMINDER_STATUSES = (
    ProposalStatus.DRAFT,
    ProposalStatus.SUBMITTED,
    ProposalStatus.IN_REVIEW,
    ProposalStatus.CHANGES_REQUESTED,
)


def stale_cutoff(organisation: Organisation, now: datetime | None = None) -> datetime:
    """Assessments made before this moment are too old for the organisation."""
    return (now or timezone.now()) - timedelta(days=organisation.assessment_max_age_days)


def stale_reasons(
    *,
    assessed_at: datetime | None,
    questionnaire_outdated: bool,
    inputs_changed_at: datetime | None,
    latest_report_at: datetime | None,
    cutoff: datetime,
) -> list[str]:
    """Why a proposal's assessment is stale, in STALE_REASONS order; [] when it is not.

    Must agree with stale_q, which says the same in SQL (tests/projects/test_stale.py checks both).
    A proposal never assessed, or never reported on, is not stale: it has nothing to go stale.
    """
    reasons = []
    if assessed_at is not None and assessed_at < cutoff:
        reasons.append(STALE_AGE)
    if questionnaire_outdated:
        reasons.append(STALE_QUESTIONNAIRE)
    if latest_report_at is not None and inputs_changed_at is not None and inputs_changed_at > latest_report_at:
        reasons.append(STALE_INPUTS)
    return reasons


def proposal_stale_reasons(proposal: Proposal, cutoff: datetime) -> list[str]:
    return stale_reasons(
        assessed_at=proposal.assessed_at,
        questionnaire_outdated=proposal.questionnaire_outdated,
        inputs_changed_at=proposal.inputs_changed_at,
        latest_report_at=proposal.latest_report_at,
        cutoff=cutoff,
    )


def stale_reason_q(reason: str, cutoff: datetime) -> Q:
    if reason == STALE_AGE:
        return Q(assessed_at__lt=cutoff)
    if reason == STALE_QUESTIONNAIRE:
        return Q(questionnaire_outdated=True)
    return Q(latest_report_at__isnull=False, inputs_changed_at__gt=F("latest_report_at"))


def stale_q(cutoff: datetime) -> Q:
    q = Q()
    for reason in STALE_REASONS:
        q |= stale_reason_q(reason, cutoff)
    return q


# --- reminders ----------------------------------------------------------------------------------


def stale_reminders_send(*, now: datetime | None = None) -> int:
    """Remind the owners of stale proposals, once per proposal, reason and ISO week.

    The event key names the proposal, the reason and the week, and notifications are unique per
    person and event key, so running this twice in a week (a retried or doubled job) reminds
    nobody twice; a reason still true next week reminds again. Returns how many reminders were new.
    """
    now = now or timezone.now()
    year, week, _ = now.isocalendar()
    period = f"{year}-W{week:02d}"
    created = 0
    for organisation in Organisation.objects.all().iterator():
        cutoff = stale_cutoff(organisation, now)
        stale = (
            organisation.proposals.filter(status__in=REMINDER_STATUSES)
            .filter(stale_q(cutoff))
            .select_related("owner")
            .order_by("pk")
        )
        for proposal in stale.iterator(chunk_size=500):
            url = reverse("projects:detail", args=[proposal.pk])
            for reason in proposal_stale_reasons(proposal, cutoff):
                with transaction.atomic():
                    created += _remind(organisation, proposal, reason, period, url)
    return created


def _remind(organisation: Organisation, proposal: Proposal, reason: str, period: str, url: str) -> int:
    key = f"stale:{proposal.pk}:{reason}:{period}"
    if Notification.objects.filter(user_id=proposal.owner_id, event_key=key).exists():
        return 0
    notify(
        organisation=organisation,
        users=[proposal.owner],
        kind=NotificationKind.REMINDER,
        event_key=key,
        title=f"Stale assessment: {proposal.title}",
        body=STALE_HELP[reason],
        url=url,
    )
    return 1


# --- the organisation's setting -----------------------------------------------------------------


def organisation_staleness_set(*, organisation: Organisation, max_age_days: int, by: User) -> bool:
    """Change how old an assessment may get; audited. False when nothing changed."""
    before = organisation.assessment_max_age_days
    if before == max_age_days:
        return False
    Organisation.objects.filter(pk=organisation.pk).update(assessment_max_age_days=max_age_days)
    organisation.assessment_max_age_days = max_age_days
    audit_record(
        organisation=organisation,
        action="organisation.settings",
        obj=organisation,
        actor=by,
        before={"assessment_max_age_days": before},
        after={"assessment_max_age_days": max_age_days},
    )
    return True
