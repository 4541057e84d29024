"""Stakeholders, their requirements and the conflicts between them."""

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, NotificationKind, Organisation, User, hash_token
from accounts.notifications import notify
from approaches.versions import approaches_latest_loaded
from audit.services import audit_record
from domain.approaches import ApproachProfile, Problem, problem_from_answers, profile_of, profiles_for
from outbox.services import outbox_cancel, outbox_email
from projects import workflow
from projects.models import Proposal
from projects.services import (
    proposal_grant_access,
    proposal_inputs_changed,
    proposal_revoke_access,
    proposal_set_conflict_summary,
)
from questionnaires.engine import effective_answers, missing_required
from questionnaires.models import Assessment, AssessmentStatus
from questionnaires.services import AssessmentError, answers_of
from questionnaires.versions import engine_questionnaire, latest_version
from stakeholders import conflicts as detector
from stakeholders.models import (
    DEFAULT_SIGNOFF_ROLES,
    DEFAULT_STAKE_ROLES,
    DEFAULT_TIER_SIGNOFFS,
    Conflict,
    ConflictEvent,
    ConflictStatus,
    Objective,
    Requirement,
    Severity,
    Stakeholder,
    StakeRole,
)
from stakeholders.questionnaire import STAKEHOLDER_KEY, requirements_from_answers
from webhooks.events import emit_conflict_detected

LINK_MAX_AGE = timedelta(days=14)


class StakeholderLinkError(Exception):
    """A requirements link that cannot be used. The message reveals nothing about it."""

    def __init__(self) -> None:
        super().__init__("This link is not valid any more. Ask the proposal's owner for a new one.")


class RosterRefused(Exception):
    """A stakeholder who cannot be removed or linked now; the message says why and what to do.

    `status`: 409 when the proposal's state (or the stakeholder's) does not allow it, 422 when
    the member named cannot be the one (the API names `field`; the page shows it by the field).
    """

    def __init__(self, message: str, *, status: int = 409, field: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.field = field


class StakeholderExists(Exception):
    """The email address is already a stakeholder's on this proposal (added at the same moment)."""

    def __init__(self, email: str) -> None:
        super().__init__(f"{email} is already a stakeholder of this proposal.")
        self.email = email


_REQUIREMENT_FIELDS = ("op", "value", "unit", "metric", "must_have", "weight", "note")


def _requirements_data(stakeholder: Stakeholder) -> dict[str, Any]:
    """A stakeholder's requirements keyed by dimension, for the audit trail's before and after."""
    return {
        r.dimension: {name: getattr(r, name) for name in _REQUIREMENT_FIELDS}
        for r in Requirement.objects.filter(stakeholder=stakeholder).order_by("dimension")
    }


def _audit_requirements(
    *, stakeholder: Stakeholder, before: dict[str, Any], by: User | None, action: str, actor_label: str = ""
) -> None:
    audit_record(
        organisation=stakeholder.organisation,
        proposal=stakeholder.proposal,
        obj=stakeholder,
        object_type="requirements",
        action=action,
        actor=by,
        actor_label=actor_label,
        before=before,
        after=_requirements_data(stakeholder),
    )


def stake_roles(*, organisation: Organisation) -> list[StakeRole]:
    """The organisation's stake roles, creating the default list the first time."""
    roles = list(organisation.stake_roles.all())
    if not roles:
        StakeRole.objects.bulk_create(
            [
                StakeRole(
                    organisation=organisation,
                    key=key,
                    label=label,
                    position=i,
                    signoff_required=key in DEFAULT_SIGNOFF_ROLES,
                    signoff_tiers=DEFAULT_TIER_SIGNOFFS.get(key, []),
                )
                for i, (key, label) in enumerate(DEFAULT_STAKE_ROLES)
            ],
            ignore_conflicts=True,
        )
        roles = list(organisation.stake_roles.all())
    return roles


@transaction.atomic
def stakeholder_add(
    *,
    proposal: Proposal,
    role: StakeRole,
    by: User,
    link_url: Callable[[Stakeholder, str], str],
    user: User | None = None,
    name: str = "",
    email: str = "",
) -> Stakeholder:
    """Add a stakeholder and email them a link to state their requirements (sent on commit)."""
    if user is not None:
        name, email = name or user.get_full_name(), user.email
    email = email.strip().lower()
    try:
        # A savepoint: the unique (proposal, email) refuses the second of two adds of one person
        # made at the same moment, which the caller's check cannot see; the transaction the caller
        # may be in stays usable.
        with transaction.atomic():
            stakeholder = Stakeholder.objects.create(
                organisation=proposal.organisation,
                proposal=proposal,
                user=user,
                name=name.strip(),
                email=email,
                role=role,
                invited_by=by,
            )
    except IntegrityError as exc:
        raise StakeholderExists(email) from exc
    if user is not None:
        # A member who is a stakeholder sees the proposal even when it is private.
        proposal_grant_access(proposal=proposal, user=user, by=by)
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=stakeholder,
        action="stakeholder.added",
        actor=by,
        after={"name": stakeholder.name, "email": stakeholder.email, "role": role.label, "member": user is not None},
        only_changes=False,
    )
    stakeholder_invite(stakeholder=stakeholder, by=by, link_url=link_url)
    return stakeholder


@transaction.atomic  # the new link and its email's outbox item commit together
def stakeholder_invite(*, stakeholder: Stakeholder, by: User, link_url: Callable[[Stakeholder, str], str]) -> str:
    """Issue a fresh link (an earlier one stops working) and email it once the transaction commits."""
    raw = secrets.token_urlsafe(32)
    stakeholder.token_hash = hash_token(raw)
    stakeholder.token_expires_at = timezone.now() + LINK_MAX_AGE
    stakeholder.invited_at = timezone.now()
    stakeholder.invited_by = by
    stakeholder.save(update_fields=["token_hash", "token_expires_at", "invited_at", "invited_by"])
    context = {
        "stakeholder": stakeholder,
        "proposal": stakeholder.proposal,
        "invited_by": by,
        "url": link_url(stakeholder, raw),
        "days": LINK_MAX_AGE.days,
    }
    # Through the outbox, in this transaction: a rolled-back invitation sends nothing, a committed
    # one is sent once the queue answers (retried if the mail server is down), and the stakeholder's
    # page shows how it went (ref). The subject is made one line there: a title may hold a CR/LF.
    outbox_email(
        subject=f"Your requirements for “{stakeholder.proposal.title}”",
        body=render_to_string("stakeholders/email/invitation.txt", context),
        to=[stakeholder.email],
        ref=f"stakeholder:{stakeholder.pk}",
    )
    if stakeholder.user_id:
        notify(
            organisation=stakeholder.organisation,
            users=[stakeholder.user],
            kind=NotificationKind.INVITATION,
            event_key=f"stakeholder_invitation:{stakeholder.pk}:{stakeholder.invited_at.isoformat()}",
            title=f"{by} named you a stakeholder of “{stakeholder.proposal.title}”",
            body="State what you need from it (accuracy, speed, cost, explanations and more) so conflicts show early.",
            url=reverse("stakeholders:detail", kwargs={"pk": stakeholder.proposal_id, "sid": stakeholder.pk}),
            exclude=by,
        )
    return raw


def stakeholder_for_link(*, token: str, hold: bool = False) -> Stakeholder:
    """The stakeholder a requirements link belongs to, while it is usable.

    A member's link works only while they are a member, and only if it was sent during their
    current membership: removing someone revokes it, and coming back later does not revive it
    (the owner sends a new one). `hold`, inside a transaction that will change their answers or
    requirements: lock the stakeholder and the membership, so a removal committing meanwhile
    waits for this change, or this change sees the removal and is refused.
    """
    if not token or len(token) > 100:
        raise StakeholderLinkError
    stakeholders = Stakeholder.objects.select_related("proposal", "role", "organisation")
    if hold:
        stakeholders = stakeholders.select_for_update(of=("self",))
    stakeholder = stakeholders.filter(token_hash=hash_token(token)).first()
    if stakeholder is None or stakeholder.token_expires_at is None or stakeholder.token_expires_at <= timezone.now():
        raise StakeholderLinkError
    if stakeholder.user_id is not None:
        memberships = Membership.objects.filter(
            user_id=stakeholder.user_id, organisation_id=stakeholder.organisation_id
        )
        if hold:
            memberships = memberships.select_for_update(no_key=True)
        joined = memberships.values_list("created_at", flat=True).first()
        if joined is None or stakeholder.invited_at is None or stakeholder.invited_at < joined:
            raise StakeholderLinkError
    return stakeholder


def stakeholder_link_used(*, stakeholder: Stakeholder) -> None:
    """Requirements submitted: the link stops working (members keep editing in the matrix)."""
    stakeholder.token_hash = ""
    stakeholder.token_expires_at = None
    stakeholder.responded_at = timezone.now()
    stakeholder.save(update_fields=["token_hash", "token_expires_at", "responded_at"])


def _lock_for_roster(stakeholder: Stakeholder) -> tuple[Stakeholder, Proposal]:
    """The stakeholder, then the proposal, locked, in that order: the order a requirements link's
    submission takes them (stakeholder_for_link(hold=True), then the proposal's summaries), so the
    two wait for each other instead of deadlocking; the proposal's row is the one review_act locks,
    so a submission waits for this change (and then sees it) or this change sees the submission
    and is refused. RosterRefused when the proposal's state does not allow a change."""
    locked = (
        Stakeholder.objects.select_for_update(of=("self",))
        .select_related("role", "user")
        .filter(pk=stakeholder.pk, proposal_id=stakeholder.proposal_id)
        .first()
    )
    if locked is None:
        raise RosterRefused("This stakeholder has been removed already.")
    proposal = Proposal.objects.select_for_update().select_related("organisation").get(pk=stakeholder.proposal_id)
    refusal = workflow.roster_refusal(proposal.status)
    if refusal:
        raise RosterRefused(refusal)
    locked.proposal = proposal
    return locked, proposal


@transaction.atomic
def stakeholder_remove(*, stakeholder: Stakeholder, by: User) -> None:
    """Remove a stakeholder with their requirements, objectives and questionnaire; their link stops
    working (it names a row that no longer exists), and conflicts are detected again.

    Only while the proposal is in its owner's hands (projects.workflow.ROSTER_OPEN). That rule is
    also what keeps every sign-off that counts: a decision counts only in the current round of a
    proposal under review or decided, which is refused here; in the owner's states the decisions
    of earlier rounds count no more (a new submission opens a new round), and their rows stay,
    with the person and the role's label, for the history (SignOff.stakeholder is SET_NULL).
    """
    locked, proposal = _lock_for_roster(stakeholder)
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=locked,
        action="stakeholder.removed",
        actor=by,
        before={
            "name": locked.name,
            "email": locked.email,
            "role": locked.role.label,
            "member": locked.user_id is not None,
            "requirements": _requirements_data(locked),
        },
        only_changes=False,
    )
    # Their questionnaire first: Django's collector cannot order the cascade from the stakeholder
    # through the assessment (which points at itself), and deletes the stakeholder before it.
    Assessment.objects.filter(stakeholder=locked).delete()
    member = locked.user
    # An invitation not sent yet would carry a link that no longer opens anything.
    outbox_cancel(ref=f"stakeholder:{locked.pk}", reason="Not sent: the stakeholder was removed.")
    locked.delete()
    if member is not None:
        # Being a stakeholder is what let them read a private or team proposal (readers are added
        # only for stakeholders): with the stake gone, so is that access.
        proposal_revoke_access(proposal=proposal, user=member, by=by)
    conflicts_refresh(proposal=proposal, by=by)


@transaction.atomic
def stakeholder_link_member(*, stakeholder: Stakeholder, member: User, by: User) -> Stakeholder:
    """Make a stakeholder named as an outside person the member they are (or now are): the same
    stake, requirements and answers, the member's name and address, and the emailed link revoked
    (the member states requirements signed in). Only while the proposal is in its owner's hands,
    as for removal; an outside person has no sign-off to lose (only members sign off)."""
    locked, proposal = _lock_for_roster(stakeholder)
    if locked.user_id is not None:
        raise RosterRefused(f"{locked.name} is a member's stake already; remove it and add the other member instead.")
    if not Membership.objects.filter(user=member, organisation_id=proposal.organisation_id).exists():
        raise RosterRefused("Choose a member of the organisation.", status=422, field="member_id")
    email = member.email.strip().lower()
    taken = (
        Stakeholder.objects.filter(proposal=proposal)
        .exclude(pk=locked.pk)
        .filter(models.Q(user=member) | models.Q(email__iexact=email))
        .select_related("role")
        .first()
    )
    if taken is not None:
        raise RosterRefused(
            f"{member.get_full_name() or email} is a stakeholder of this proposal already ({taken.role.label}). "
            "Remove one of the two first.",
            status=422,
            field="member_id",
        )
    before = {"name": locked.name, "email": locked.email, "member": False}
    locked.user = member
    locked.name = member.get_full_name() or locked.name
    locked.email = email
    locked.token_hash, locked.token_expires_at = "", None
    try:
        with transaction.atomic():  # the unique (proposal, email), for a member added meanwhile
            locked.save(update_fields=["user", "name", "email", "token_hash", "token_expires_at"])
    except IntegrityError as exc:
        raise RosterRefused(
            f"{email} is a stakeholder of this proposal already.", status=422, field="member_id"
        ) from exc
    proposal_grant_access(proposal=proposal, user=member, by=by)
    # The emailed link is revoked: an invitation not sent yet would carry a dead link.
    outbox_cancel(ref=f"stakeholder:{locked.pk}", reason="Not sent: the stakeholder was linked to a member.")
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=locked,
        action="stakeholder.linked",
        actor=by,
        before=before,
        after={"name": locked.name, "email": locked.email, "member": True},
        only_changes=False,
    )
    notify(
        organisation=proposal.organisation,
        users=[member],
        kind=NotificationKind.INVITATION,
        event_key=f"stakeholder_linked:{locked.pk}:{member.pk}",
        title=f"{by} named you a stakeholder of “{proposal.title}” ({locked.role.label})",
        body="State what you need from it (accuracy, speed, cost, explanations and more), signed in.",
        url=reverse("stakeholders:detail", kwargs={"pk": proposal.pk, "sid": locked.pk}),
        exclude=by,
    )
    if before["name"] != locked.name:
        # Conflicts name the people in them.
        conflicts_refresh(proposal=proposal, by=by)
    return locked


@transaction.atomic
def requirements_replace(
    *, stakeholder: Stakeholder, requirements: list[dict[str, Any]], objectives: list[dict[str, Any]], by: User | None
) -> None:
    """Set a stakeholder's requirements and objectives to exactly these, then re-detect conflicts."""
    # Two replacements at once would both insert the same (stakeholder, dimension): take turns.
    Stakeholder.objects.select_for_update().filter(pk=stakeholder.pk).first()
    before = _requirements_data(stakeholder)
    stakeholder.requirements.all().delete()
    stakeholder.objectives.all().delete()
    Requirement.objects.bulk_create(
        Requirement(organisation=stakeholder.organisation, stakeholder=stakeholder, updated_by=by, **spec)
        for spec in requirements
    )
    Objective.objects.bulk_create(
        Objective(organisation=stakeholder.organisation, stakeholder=stakeholder, **spec) for spec in objectives
    )
    _audit_requirements(
        stakeholder=stakeholder,
        before=before,
        by=by,
        action="requirements.replaced",
        actor_label="" if by else f"{stakeholder.name} (through their link)",
    )
    conflicts_refresh(proposal=stakeholder.proposal, by=by)


@transaction.atomic
def requirement_save(*, stakeholder: Stakeholder, dimension: str, data: dict[str, Any], by: User) -> Requirement:
    """Create or change one requirement (the matrix's inline edit), then re-detect conflicts."""
    before = _requirements_data(stakeholder)
    requirement, _ = Requirement.objects.update_or_create(
        stakeholder=stakeholder,
        dimension=dimension,
        defaults={**data, "organisation": stakeholder.organisation, "updated_by": by},
    )
    _audit_requirements(stakeholder=stakeholder, before=before, by=by, action="requirement.saved")
    conflicts_refresh(proposal=stakeholder.proposal, by=by)
    return requirement


@transaction.atomic
def requirement_delete(*, requirement: Requirement, by: User) -> None:
    stakeholder = requirement.stakeholder
    before = _requirements_data(stakeholder)
    requirement.delete()
    _audit_requirements(stakeholder=stakeholder, before=before, by=by, action="requirement.deleted")
    conflicts_refresh(proposal=stakeholder.proposal, by=by)


@transaction.atomic
def requirements_set_weights(*, stakeholder: Stakeholder, weights: dict[str, int], by: User) -> None:
    """Set the weights of a stakeholder's nice-to-haves (from AHP); must-haves keep theirs."""
    before = _requirements_data(stakeholder)
    for requirement in stakeholder.requirements.filter(dimension__in=weights, must_have=False):
        requirement.weight = weights[requirement.dimension]
        requirement.updated_by = by
        requirement.save(update_fields=["weight", "updated_by", "updated_at"])
    _audit_requirements(stakeholder=stakeholder, before=before, by=by, action="requirements.weighted")
    conflicts_refresh(proposal=stakeholder.proposal, by=by)


def approach_profiles(*, problem: Problem | None = None) -> tuple[ApproachProfile, ...]:
    """The candidate approaches the detector checks must-haves against: the latest published
    ApproachSet, the catalogue the trade-off reports read, so an admin's edit changes both, with
    the figures for the proposal's problem (task family, pattern complexity; docs/methodology.md
    §7.12), as the report reads them. No problem: the base profiles."""
    approaches = approaches_latest_loaded()
    if problem is not None:
        approaches = profiles_for(problem, approaches)
    return tuple(profile_of(approach) for approach in approaches)


def _detector_inputs(proposal: Proposal) -> tuple[list[detector.Requirement], list[detector.Objective]]:
    requirements = [
        detector.Requirement(
            id=str(r.pk),
            stakeholder_id=str(r.stakeholder_id),
            stakeholder_name=r.stakeholder.name,
            role=r.stakeholder.role.key,
            dimension=r.dimension,
            op=r.op,
            value=tuple(r.value) if isinstance(r.value, list) else r.value,
            unit=r.unit,
            must_have=r.must_have,
            weight=float(r.weight),
            metric=r.metric,
        )
        for r in Requirement.objects.filter(stakeholder__proposal=proposal).select_related("stakeholder__role")
    ]
    objectives = [
        detector.Objective(
            id=f"o{o.pk}",
            stakeholder_id=str(o.stakeholder_id),
            stakeholder_name=o.stakeholder.name,
            role=o.stakeholder.role.key,
            name=o.name,
            direction=o.direction,
            weight=float(o.weight),
        )
        for o in Objective.objects.filter(stakeholder__proposal=proposal).select_related("stakeholder__role")
    ]
    return requirements, objectives


def _facts(proposal: Proposal) -> detector.SuitabilityFacts:
    known = {f for f in detector.SuitabilityFacts.__dataclass_fields__}
    # JSON keeps the protected groups as a list; the detector's frozen facts take a tuple.
    return detector.SuitabilityFacts(
        **{
            k: tuple(v) if isinstance(v, list) else v
            for k, v in (proposal.suitability_facts or {}).items()
            if k in known
        }
    )


@transaction.atomic
def conflicts_refresh(*, proposal: Proposal, by: User | None = None) -> list[Conflict]:
    """Run the detector and bring the stored conflicts in line, keeping decisions by fingerprint.

    A conflict found again keeps its status and resolution; one no longer found is marked gone
    (its history stays); one found again after it was gone is reopened.
    """
    requirements, objectives = _detector_inputs(proposal)
    # The facts hold the task family and pattern complexity the profiles depend on (§7.12); a
    # proposal assessed before the question was asked reads the base profiles.
    problem = problem_from_answers(proposal.suitability_facts or {})
    found = detector.detect(requirements, objectives, approach_profiles(problem=problem), _facts(proposal))
    stored = {c.fingerprint: c for c in Conflict.objects.select_for_update().filter(proposal=proposal)}
    seen = set()
    for item in found:
        seen.add(item.fingerprint)
        fields = {
            "kind": item.kind,
            "severity": item.severity,
            "title": item.title[:300],
            "explanation": item.explanation,
            "resolutions": list(item.resolutions),
            "stakeholder_ids": [int(i) for i in item.stakeholder_ids if str(i).isdigit()],
            "requirement_ids": list(item.requirement_ids),
        }
        conflict = stored.get(item.fingerprint)
        if conflict is None:
            conflict = Conflict.objects.create(
                organisation=proposal.organisation, proposal=proposal, fingerprint=item.fingerprint, **fields
            )
            ConflictEvent.objects.create(conflict=conflict, action="detected", by=by)
            emit_conflict_detected(conflict=conflict)
            continue
        for key, value in fields.items():
            setattr(conflict, key, value)
        if conflict.status == ConflictStatus.GONE:
            conflict.status = ConflictStatus.OPEN
            ConflictEvent.objects.create(conflict=conflict, action="reopened", by=by)
        conflict.save()
    for fingerprint, conflict in stored.items():
        if fingerprint not in seen and conflict.status != ConflictStatus.GONE:
            conflict.status = ConflictStatus.GONE
            conflict.save(update_fields=["status"])
            ConflictEvent.objects.create(conflict=conflict, action="gone", by=by)
    _summarise(proposal)
    # Every path that changes requirements comes through here: the latest report is now stale.
    proposal_inputs_changed(proposal_id=proposal.pk)
    return list(Conflict.objects.filter(proposal=proposal))


def _summarise(proposal: Proposal) -> None:
    severities = list(
        Conflict.objects.filter(proposal=proposal, status=ConflictStatus.OPEN).values_list("severity", flat=True)
    )
    worst = next((s for s in (Severity.HIGH, Severity.MEDIUM, Severity.LOW) if s in severities), "")
    proposal_set_conflict_summary(proposal=proposal, open_count=len(severities), worst=worst)


@transaction.atomic
def conflict_resolve(*, conflict: Conflict, decision: str, rationale: str, by: User) -> Conflict:
    before = {"status": conflict.status, "decision": conflict.decision, "rationale": conflict.rationale}
    conflict.status = ConflictStatus.RESOLVED
    conflict.decision, conflict.rationale = decision.strip(), rationale.strip()
    conflict.resolved_by, conflict.resolved_at = by, timezone.now()
    conflict.save()
    ConflictEvent.objects.create(
        conflict=conflict, action="resolved", decision=conflict.decision, rationale=conflict.rationale, by=by
    )
    audit_record(
        organisation=conflict.organisation,
        proposal=conflict.proposal,
        obj=conflict,
        action="conflict.resolved",
        actor=by,
        before=before,
        after={"status": conflict.status, "decision": conflict.decision, "rationale": conflict.rationale},
    )
    _summarise(conflict.proposal)
    return conflict


@transaction.atomic
def conflict_reopen(*, conflict: Conflict, rationale: str, by: User) -> Conflict:
    before = {"status": conflict.status}
    conflict.status = ConflictStatus.OPEN
    conflict.save(update_fields=["status"])
    ConflictEvent.objects.create(conflict=conflict, action="reopened", rationale=rationale.strip(), by=by)
    audit_record(
        organisation=conflict.organisation,
        proposal=conflict.proposal,
        obj=conflict,
        action="conflict.reopened",
        actor=by,
        before=before,
        after={"status": conflict.status},
        reason=rationale.strip(),
    )
    _summarise(conflict.proposal)
    return conflict


# --- The stakeholder's requirements questionnaire ------------------------------------------------


def stakeholder_assessment(*, stakeholder: Stakeholder, by: User | None) -> Assessment:
    """The stakeholder's requirements questionnaire, started on the latest version if need be."""
    current = (
        Assessment.objects.filter(stakeholder=stakeholder)
        .exclude(status=AssessmentStatus.SUPERSEDED)
        .select_related("questionnaire")
        .order_by("-created_at")
        .first()
    )
    if current is not None:
        return current
    version = latest_version(STAKEHOLDER_KEY)
    if version is None:
        raise AssessmentError(
            "No stakeholder questionnaire is published yet. An admin runs `manage.py load_questionnaires`."
        )
    return Assessment.objects.create(
        organisation=stakeholder.organisation,
        proposal=stakeholder.proposal,
        stakeholder=stakeholder,
        questionnaire=version,
        started_by=by or stakeholder.proposal.owner,
        current_section=engine_questionnaire(version).sections[0].key,
    )


@transaction.atomic
def stakeholder_submit(*, assessment: Assessment, by: User | None) -> list[str]:
    """Turn the answers into the stakeholder's requirements; returns missing required question keys.

    A submitted questionnaire stays editable: a stakeholder may change their mind, and each
    submission replaces their requirements and re-runs the conflict detector.
    """
    questionnaire = engine_questionnaire(assessment.questionnaire)
    answers = answers_of(assessment)
    missing = missing_required(questionnaire, answers)
    if missing:
        return [q.key for q in missing]
    requirements, objectives = requirements_from_answers(effective_answers(questionnaire, answers))
    requirements_replace(stakeholder=assessment.stakeholder, requirements=requirements, objectives=objectives, by=by)
    Assessment.objects.filter(pk=assessment.pk).update(completed_at=timezone.now(), completed_by=by)
    return []
