from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, CharField, F, JSONField, Model, Value, When
from django.utils import timezone

from accounts.models import Organisation, User
from audit.services import audit_record
from projects import workflow
from projects.access import workflow_actors
from projects.models import EDITABLE_FIELDS, Proposal, ProposalDraft, ProposalRevision


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    theirs: Any
    yours: Any


class VersionConflict(Exception):
    """Someone saved the proposal after this person opened it."""

    def __init__(self, *, current: Proposal, changes: list[FieldChange]) -> None:
        super().__init__("This proposal was changed by someone else since you opened it.")
        self.current = current
        self.changes = changes


def _record_revision(*, proposal: Proposal, by: User) -> None:
    ProposalRevision.objects.create(
        proposal=proposal, version=proposal.version, data=proposal.snapshot(), created_by=by
    )


def _audited(proposal: Proposal) -> dict[str, Any]:
    """The editable fields for the audit trail: the team and the owner by name, not by id."""
    data = proposal.snapshot()
    data["team"] = proposal.team.name if proposal.team_id else None
    data["owner"] = str(proposal.owner)
    return data


class AlreadySubmitted(Exception):
    """The intake form with this submission key already made a proposal: `proposal`."""

    def __init__(self, proposal: Proposal) -> None:
        super().__init__("This form was already sent; the proposal it made is kept.")
        self.proposal = proposal


def proposal_for_submission(*, organisation: Organisation, by: User, submission_key: str) -> Proposal | None:
    """The proposal an earlier sending of the same intake form made, if any."""
    if not submission_key:
        return None
    return Proposal.objects.filter(organisation=organisation, created_by=by, submission_key=submission_key).first()


@transaction.atomic
def proposal_create(
    *, organisation: Organisation, data: dict[str, Any], by: User, submission_key: str = ""
) -> Proposal:
    """Create a proposal. `submission_key`: the intake form's one-time key; a second sending of
    the same form (even at the same moment as the first) raises AlreadySubmitted naming the
    proposal the first made, through the unique constraint on (author, key)."""
    fields = {name: data[name] for name in EDITABLE_FIELDS if name in data}
    # A proposal always has an owner: the author, unless they named someone else.
    fields["owner"] = fields.get("owner") or by
    try:
        # A savepoint, so the transaction stays usable for the look-up after a unique violation.
        with transaction.atomic():
            proposal = Proposal.objects.create(
                organisation=organisation, created_by=by, submission_key=submission_key, **fields
            )
    except IntegrityError as exc:
        first = proposal_for_submission(organisation=organisation, by=by, submission_key=submission_key)
        if first is None:
            raise
        raise AlreadySubmitted(first) from exc
    _record_revision(proposal=proposal, by=by)
    audit_record(
        organisation=organisation,
        proposal=proposal,
        obj=proposal,
        action="proposal.created",
        actor=by,
        after=_audited(proposal),
        only_changes=False,
    )
    return proposal


def _changes_since(*, proposal: Proposal, version: int, submitted: dict[str, Any]) -> list[FieldChange]:
    """Fields another person changed between `version` and now, beside what this person typed."""
    base = ProposalRevision.objects.filter(proposal=proposal, version=version).values_list("data", flat=True).first()
    current = proposal.snapshot()
    changes = []
    for name in EDITABLE_FIELDS:
        if base is not None and base.get(name) == current.get(name):
            continue
        field = Proposal._meta.get_field(name)
        yours = submitted.get(name)
        if isinstance(yours, Model):
            yours = str(yours)  # a team or an owner, shown by name like the other side
        changes.append(FieldChange(name, str(field.verbose_name).capitalize(), getattr(proposal, name), yours))
    return changes


@transaction.atomic
def proposal_update(*, proposal: Proposal, data: dict[str, Any], expected_version: int, by: User) -> Proposal:
    """Save edits only if nobody saved in between (compare-and-swap on `version`).

    The conditional UPDATE is atomic in the database, so two simultaneous saves of the same
    version cannot both succeed: the second one gets a VersionConflict listing what changed.
    """
    fields = {}
    for name in EDITABLE_FIELDS:
        if name in data:
            # QuerySet.update() takes foreign keys by their column (team_id), so pass ids.
            attname = Proposal._meta.get_field(name).attname
            fields[attname] = getattr(data[name], "pk", data[name]) if attname != name else data[name]
    now = timezone.now()
    before = _audited(proposal)
    updated = Proposal.objects.filter(pk=proposal.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, inputs_changed_at=now, **fields
    )
    proposal.refresh_from_db()
    if not updated:
        raise VersionConflict(
            current=proposal, changes=_changes_since(proposal=proposal, version=expected_version, submitted=data)
        )
    _record_revision(proposal=proposal, by=by)
    ProposalDraft.objects.filter(proposal=proposal, user=by).delete()
    after = _audited(proposal)
    # Who may see it is recorded as its own kind of change: sharing is what an auditor asks about.
    sharing = {"visibility", "team"}
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=proposal,
        action="proposal.updated",
        actor=by,
        before={k: v for k, v in before.items() if k not in sharing},
        after={k: v for k, v in after.items() if k not in sharing},
    )
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=proposal,
        action="sharing.changed",
        actor=by,
        before={k: before[k] for k in sharing},
        after={k: after[k] for k in sharing},
    )
    return proposal


@transaction.atomic
def _archive_transition(*, proposal: Proposal, by: User, is_admin: bool, action: str) -> Proposal:
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    actors = workflow_actors(proposal=locked, user=by, is_admin=is_admin)
    transition = workflow.check(action, state=locked.status, actor_kinds=actors)
    Proposal.objects.filter(pk=proposal.pk).update(status=transition.target, updated_at=timezone.now())
    # Archived proposals wait for nobody's review.
    proposal.awaiting_review_by.clear()
    audit_record(
        organisation=locked.organisation,
        proposal=locked,
        obj=locked,
        action=f"review.{action}",
        actor=by,
        before={"status": locked.status},
        after={"status": transition.target},
    )
    proposal.refresh_from_db()
    return proposal


def proposal_archive(*, proposal: Proposal, by: User, is_admin: bool = False) -> Proposal:
    """Archive (the owner or an admin); raises workflow.TransitionRefused otherwise."""
    return _archive_transition(proposal=proposal, by=by, is_admin=is_admin, action="archive")


def proposal_unarchive(*, proposal: Proposal, by: User, is_admin: bool = False) -> Proposal:
    """Restore an archived proposal as a draft (the owner or an admin)."""
    return _archive_transition(proposal=proposal, by=by, is_admin=is_admin, action="unarchive")


# Autosave keeps only the form's own fields, each cut to a sane length, so a draft cannot be used
# to store arbitrary data.
_DRAFT_KEYS = set(EDITABLE_FIELDS) | {"version"}
_DRAFT_MAX_CHARS = 10_000


def draft_save(
    *, organisation: Organisation, user: User, proposal: Proposal | None, data: dict[str, str]
) -> ProposalDraft:
    # PostgreSQL's JSONB cannot hold NUL, and no browser sends one: dropping it loses nothing typed.
    clean = {k: str(v)[:_DRAFT_MAX_CHARS].replace("\x00", "") for k, v in data.items() if k in _DRAFT_KEYS}
    # The draft keeps the version the person started editing from, never the current one:
    # restoring the draft must not turn someone else's newer save into "their" base silently.
    # Only plain digits that fit the column count ("²".isdigit() is true, and int() refuses it).
    started_from = clean.get("version", "")
    is_version = started_from.isascii() and started_from.isdigit() and len(started_from) < 10
    base_version = int(started_from) if is_version else None
    if base_version is None and proposal is not None:
        existing = draft_get(organisation=organisation, user=user, proposal=proposal)
        base_version = existing.base_version if existing and existing.base_version else proposal.version
    draft, _ = ProposalDraft.objects.update_or_create(
        organisation=organisation,
        user=user,
        proposal=proposal,
        defaults={"data": clean, "base_version": base_version if proposal else None},
    )
    return draft


def draft_get(*, organisation: Organisation, user: User, proposal: Proposal | None) -> ProposalDraft | None:
    return ProposalDraft.objects.filter(organisation=organisation, user=user, proposal=proposal).first()


def draft_discard(*, organisation: Organisation, user: User, proposal: Proposal | None) -> None:
    ProposalDraft.objects.filter(organisation=organisation, user=user, proposal=proposal).delete()


def proposal_grant_access(*, proposal: Proposal, user: User, by: User | None = None) -> None:
    """Let a member see a private or team proposal (a stakeholder of it)."""
    if proposal.readers.filter(pk=user.pk).exists():
        return
    proposal.readers.add(user)
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=proposal,
        action="sharing.reader_added",
        actor=by,
        after={"reader": str(user)},
        only_changes=False,
    )


def proposal_revoke_access(*, proposal: Proposal, user: User, by: User | None = None) -> None:
    """Take back what proposal_grant_access gave: a member who is no longer a stakeholder of a
    private or team proposal stops seeing it (the owner, the team and admins see it as before)."""
    if not proposal.readers.filter(pk=user.pk).exists():
        return
    proposal.readers.remove(user)
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=proposal,
        action="sharing.reader_removed",
        actor=by,
        before={"reader": str(user)},
        only_changes=False,
    )


def proposal_inputs_changed(*, proposal_id: int) -> None:
    """Mark that something a report reads has changed, so the latest report shows as out of date."""
    Proposal.objects.filter(pk=proposal_id).update(inputs_changed_at=timezone.now())


def proposal_set_conflict_summary(*, proposal: Proposal, open_count: int, worst: str) -> None:
    """Record the number and worst severity of open conflicts (called by the stakeholders app)."""
    Proposal.objects.filter(pk=proposal.pk).update(open_conflicts=open_count, open_conflicts_severity=worst)
    proposal.open_conflicts, proposal.open_conflicts_severity = open_count, worst


def proposal_set_suitability(
    *,
    proposal: Proposal,
    verdict: str,
    score: float | None,
    fraction: float | None,
    blocked: bool,
    reasons: dict[str, list[str]],
    facts: dict | None = None,
) -> None:
    """Record the latest suitability verdict on the proposal (called by the assessments app).

    `reasons`: what holds the verdict back, in words ({"gates", "blockers", "held_back"}), for the
    one-sentence decision. No version bump: the verdict is derived data, and bumping would make
    the proposer's open edit form look stale.
    """
    facts = facts or {}
    Proposal.objects.filter(pk=proposal.pk).update(
        suitability_verdict=verdict,
        suitability_score=score,
        suitability_fraction=fraction,
        suitability_blocked=blocked,
        suitability_reasons=reasons,
        suitability_facts=facts,
        assessed_at=timezone.now(),
        questionnaire_outdated=False,
    )
    proposal.suitability_verdict, proposal.suitability_score, proposal.suitability_fraction = verdict, score, fraction
    proposal.suitability_blocked = blocked
    proposal.suitability_reasons = reasons
    proposal.suitability_facts = facts


def proposal_set_conflict_facts(*, proposal: Proposal, facts: dict) -> bool:
    """Replace the suitability answers the conflict detector reads, leaving the verdict and its
    date alone (the suitability app's backfill, `refresh_conflict_facts`); whether they changed."""
    if (proposal.suitability_facts or {}) == facts:
        return False
    Proposal.objects.filter(pk=proposal.pk).update(suitability_facts=facts)
    proposal.suitability_facts = facts
    return True


def proposal_set_ai_act(*, proposal: Proposal, tier: str, articles: str, open_obligations: int) -> bool:
    """Record the EU AI Act triage on the proposal (called by the regulation app): its tier ("" while
    the triage is unfinished), the articles that decided it, and the duties not yet ticked done.

    Returns whether anything changed. A change of tier changes what a trade-off report reads (its
    regulatory gates) and who must sign off, so it marks the inputs changed; the checklist count
    alone does not. No version bump, as for the suitability summary: derived data.
    """
    articles = articles[: Proposal._meta.get_field("ai_act_articles").max_length]
    before = (proposal.ai_act_tier, proposal.ai_act_articles, proposal.ai_act_open_obligations)
    after = (tier, articles, open_obligations)
    if before == after:
        return False
    changes: dict[str, Any] = {
        "ai_act_tier": tier,
        "ai_act_articles": articles,
        "ai_act_open_obligations": open_obligations,
    }
    if before[:2] != after[:2]:
        changes["inputs_changed_at"] = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(**changes)
    for name, value in changes.items():
        setattr(proposal, name, value)
    return True


def proposals_mark_questionnaire_outdated(*, organisation_ids: list[int] | None, proposal_ids: list[int]) -> int:
    """Flag proposals whose assessment used a questionnaire version that has since been replaced."""
    qs = Proposal.objects.filter(pk__in=proposal_ids)
    if organisation_ids is not None:
        qs = qs.filter(organisation_id__in=organisation_ids)
    return qs.update(questionnaire_outdated=True)


def _headline(text: str) -> str:
    """A report's headline, cut (rarely: the field holds a long paragraph) after a whole word."""
    limit = Proposal._meta.get_field("latest_report_headline").max_length
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def proposal_set_latest_report(
    *, proposal_id: int, report_id: int, headline: str, none_feasible: bool, gist: dict, finished_at
) -> None:
    """Record the newest finished report (called by the assessments app when a report succeeds).

    `none_feasible`: it found no candidate approach meeting every must-have. Required, so a new
    caller cannot leave an approver's blocker unsaid by omission. `gist`: its conclusion for the
    one-sentence decision ({"lead", "lead_is_ml", "relax"}).
    """
    Proposal.objects.filter(pk=proposal_id).exclude(latest_report_at__gt=finished_at).update(
        latest_report_id=report_id,
        latest_report_headline=_headline(headline),
        latest_report_none_feasible=none_feasible,
        latest_report_gist=gist,
        latest_report_at=finished_at,
    )


def proposals_set_latest_reports(*, latest: dict[int, tuple[int, str, bool, dict]], finished_at) -> int:
    """proposal_set_latest_report for many proposals in one UPDATE (a batch recompute):
    `latest` maps each proposal id to its report's id, headline, none_feasible and gist."""
    if not latest:
        return 0
    report_id = Case(*(When(pk=proposal_id, then=Value(rid)) for proposal_id, (rid, _, _, _) in latest.items()))
    headline = Case(
        *(When(pk=proposal_id, then=Value(_headline(line))) for proposal_id, (_, line, _, _) in latest.items()),
        output_field=CharField(),
    )
    none_feasible = Case(
        *(When(pk=proposal_id, then=Value(flag)) for proposal_id, (_, _, flag, _) in latest.items()),
        output_field=BooleanField(),
    )
    gist = Case(
        *(When(pk=proposal_id, then=Value(item, JSONField())) for proposal_id, (_, _, _, item) in latest.items()),
        output_field=JSONField(),
    )
    return (
        Proposal.objects.filter(pk__in=list(latest))
        .exclude(latest_report_at__gt=finished_at)
        .update(
            latest_report_id=report_id,
            latest_report_headline=headline,
            latest_report_none_feasible=none_feasible,
            latest_report_gist=gist,
            latest_report_at=finished_at,
        )
    )


def proposal_set_awaiting(*, proposal: Proposal, users: list[User]) -> None:
    """Record whose sign-off the current review round waits for (called by the stakeholders app)."""
    proposal.awaiting_review_by.set(users)
