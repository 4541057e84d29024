"""The review workflow: submission, sign-offs per review round, withdrawal, admin overrides.

The state table is projects/workflow.py, and stakeholders/access.py says who the person is for a
proposal (owner, required signer, admin); this module checks the table and records everything:
the SignOff rows, the proposal's state, the audit trail and the notifications. Each action locks
the proposal row, so two reviewers signing at the same moment cannot both see "one sign-off still
missing".
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.inputs import InputRefused, clean_text
from accounts.models import Membership, NotificationKind, User
from accounts.notifications import notify
from audit.services import audit_record
from projects import workflow
from projects.models import Proposal
from projects.services import proposal_archive, proposal_set_awaiting, proposal_unarchive
from projects.workflow import TransitionRefused
from stakeholders.access import SIGNOFF_ROLES, actor_kinds, required_stakeholders
from stakeholders.models import (
    Conflict,
    ConflictStatus,
    Decision,
    Requirement,
    Severity,
    SignOff,
    Stakeholder,
    StakeRole,
)
from webhooks.events import emit_review_decided

DECISION_OF_ACTION = {"approve": Decision.APPROVE, "request_changes": Decision.CHANGES, "reject": Decision.REJECT}
OVERRIDE_TARGET = {"override_approve": Decision.APPROVE, "override_reject": Decision.REJECT}
# The actions that approve, and so need every approval blocker acknowledged.
APPROVING = frozenset({"approve", "override_approve"})
ACKNOWLEDGEMENT_MAX = 1000


@dataclass(frozen=True)
class Blocker:
    """Something an approver must acknowledge, with a reason, before approving (approval_blockers)."""

    key: str  # stable: "conflict:<id>", "no_feasible_approach", "report_stale", "not_a_fit", "no_requirements",
    # "ai_act_signoff:<role key>"
    label: str  # what it is and why it matters, in plain English
    url: str  # where to look
    # A hard blocker cannot be acknowledged away: the proposal is not approved while it stands
    # (the sign-off the EU AI Act tier requires, docs/methodology.md §12.12).
    hard: bool = False


class AcknowledgementsRefused(TransitionRefused):
    """An approval that leaves a blocker unacknowledged, or acknowledges one that is not there:
    a 400 on the page; the API answers it as its other validation errors (422)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, invalid=True)


@dataclass
class RequiredSignoff:
    stakeholder: Stakeholder
    decision: SignOff | None = None


@dataclass
class ReviewState:
    proposal: Proposal
    required: list[RequiredSignoff]
    missing_roles: list[StakeRole]
    history: list[SignOff]
    blockers: list[Blocker] = field(default_factory=list)
    actions: list[workflow.Transition] = field(default_factory=list)
    # Why the proposal cannot be submitted now although its state allows it (submit_problems):
    # `submit` is then left out of `actions`, and the page and the API say these instead.
    submit_blocked_by: list[str] = field(default_factory=list)

    @property
    def approvals(self) -> int:
        return sum(1 for r in self.required if r.decision and r.decision.decision == Decision.APPROVE)


@dataclass(frozen=True)
class SignoffRole:
    """A role that must sign off the proposal, why, and who fills it (none: nobody yet)."""

    role: StakeRole
    why: str
    holders: list[Stakeholder]


def signoff_roles(*, proposal: Proposal, roles: list[StakeRole], stakeholders: list[Stakeholder]) -> list[SignoffRole]:
    """The roles that must sign off this proposal (StakeRole.required_for its EU AI Act tier), each
    with the policy's reason and the stakeholders in it: the stakeholders page shows them before
    anyone is added. No query: over the roles and stakeholders the page has loaded."""
    tier = proposal.ai_act_tier
    tier_label = proposal.AI_ACT_LABELS.get(tier, tier).lower()
    return [
        SignoffRole(
            role=role,
            why="Always, by the organisation's review policy"
            if role.signoff_required
            else f"Because the EU AI Act triage puts this proposal in the {tier_label} tier",
            holders=[s for s in stakeholders if s.role_id == role.pk],
        )
        for role in roles
        if role.required_for(tier)
    ]


def missing_roles(*, proposal: Proposal) -> list[StakeRole]:
    """Roles that must sign off (always, or for the proposal's EU AI Act tier) but have no
    stakeholder on this proposal yet."""
    roles = (
        StakeRole.objects.filter(organisation_id=proposal.organisation_id)
        .exclude(stakeholders__proposal=proposal)
        .order_by("position", "label")
    )
    return [role for role in roles if role.required_for(proposal.ai_act_tier)]


def tier_signoff_blockers(*, proposal: Proposal) -> list[Blocker]:
    """The sign-offs the proposal's EU AI Act tier requires and the current round does not have:
    hard blockers, one per role (docs/methodology.md §12.12). None, and no query, for a proposal
    the triage has not placed (or placed in a tier no role is required for)."""
    tier = proposal.ai_act_tier
    if not tier:
        return []
    roles = [
        r
        for r in StakeRole.objects.filter(organisation_id=proposal.organisation_id).order_by("position", "label")
        if tier in (r.signoff_tiers or [])
    ]
    if not roles:
        return []
    approved = set(
        SignOff.objects.filter(
            proposal=proposal,
            round=proposal.review_round,
            decision=Decision.APPROVE,
            stakeholder__role__in=roles,
        ).values_list("stakeholder__role_id", flat=True)
    )
    label = proposal.AI_ACT_LABELS.get(tier, tier).lower()
    articles = f" ({proposal.ai_act_articles})" if proposal.ai_act_articles else ""
    return [
        Blocker(
            key=f"ai_act_signoff:{role.key}",
            label=f"The EU AI Act triage puts this proposal in the {label} tier{articles}: it cannot be approved "
            f"without the approval of {role.label}, and that approval is not in this round yet.",
            url=reverse("stakeholders:list", kwargs={"pk": proposal.pk}),
            hard=True,
        )
        for role in roles
        if role.pk not in approved
    ]


def approval_blockers(*, proposal: Proposal) -> list[Blocker]:
    """What an approver must acknowledge before approving, in the order the review page lists them.

    Two queries, however many conflicts (the open high-severity ones, and whether any requirement
    is stated); the rest reads the summaries the assessments app writes onto the proposal
    (suitability verdict, newest report), since this app does not import that one.
    """
    pk = proposal.pk
    blockers = [
        Blocker(
            key=f"conflict:{c.pk}",
            label=f"A high-severity conflict is open: “{c.title}”. The stakeholders' requirements cannot all "
            "hold as they stand, so approving accepts that one of them will give way.",
            url=reverse("stakeholders:conflict", kwargs={"pk": pk, "cid": c.pk}),
        )
        for c in Conflict.objects.filter(proposal=proposal, status=ConflictStatus.OPEN, severity=Severity.HIGH)
        .only("pk", "title")
        .order_by("pk")
    ]
    if proposal.latest_report_id and proposal.latest_report_none_feasible:
        blockers.append(
            Blocker(
                key="no_feasible_approach",
                label=f"Trade-off report #{proposal.latest_report_id} found no candidate approach that meets every "
                "must-have: as the requirements stand, nothing on the list can be built to them.",
                url=reverse("reports:detail", kwargs={"pk": pk, "rid": proposal.latest_report_id}),
            )
        )
    if proposal.latest_report_id and proposal.latest_report_out_of_date:
        # The proposal page's own rule (Proposal.latest_report_out_of_date), so both say the same.
        # Only with a report to name: a proposal whose report was deleted keeps its date.
        blockers.append(
            Blocker(
                key="report_stale",
                label=f"Trade-off report #{proposal.latest_report_id} is out of date: the proposal, its answers or "
                "its requirements changed after it was made, so its recommendation may no longer hold.",
                url=reverse("reports:list", kwargs={"pk": pk}),
            )
        )
    if proposal.ai_act_prohibited:
        # The decision's verdict (projects.decision.effective_verdict): not a fit, with the article.
        blockers.append(
            Blocker(
                key="not_a_fit",
                label="The EU AI Act triage finds this use prohibited"
                + (f" ({proposal.ai_act_articles})" if proposal.ai_act_articles else "")
                + ", so it is not a fit whatever ML could do. Approving means approving that it is not built "
                "for that use: say so, and have a lawyer confirm the triage.",
                url=reverse("regulation:result", kwargs={"pk": pk}),
            )
        )
    elif proposal.suitability_verdict == "not_a_fit":
        blockers.append(
            Blocker(
                key="not_a_fit",
                label="The suitability assessment says ML is not a fit for this problem"
                + (" (a blocker rules it out whatever the score)" if proposal.suitability_blocked else "")
                + ". Approving the non-ML route is legitimate, but say that this is what you approve.",
                url=reverse("assessments:home", kwargs={"pk": pk}),
            )
        )
    if not Requirement.objects.filter(stakeholder__proposal=proposal).exists():
        blockers.append(
            Blocker(
                key="no_requirements",
                label="No stakeholder has stated any requirement: nothing says what the system must achieve, "
                "so no report or reviewer can check the proposal against it.",
                url=reverse("stakeholders:list", kwargs={"pk": pk}),
            )
        )
    return blockers + tier_signoff_blockers(proposal=proposal)


def _acknowledged(*, blockers: list[Blocker], acknowledgements: Mapping[str, str]) -> list[dict[str, str]]:
    """Each blocker with the approver's reason, as a sign-off keeps them; AcknowledgementsRefused
    naming what is missing, blank, too long or not a blocker now."""
    # docs/methodology.md §9: an approval goes through only once every blocker is acknowledged,
    # each with its own reason; nobody approves past a blocker without saying why. A hard blocker
    # cannot be acknowledged: only the sign-off it names lifts it (_refuse_hard).
    blockers = [b for b in blockers if not b.hard]
    current = {b.key for b in blockers}
    unknown = [key for key in acknowledgements if key not in current]
    if unknown:
        raise AcknowledgementsRefused(
            "These are not approval blockers now, so they cannot be acknowledged: "
            + ", ".join(f"“{key}”" for key in unknown)
            + ". The blockers may have changed since you looked: read them again."
        )
    reasons = {key: (reason or "").strip() for key, reason in acknowledgements.items()}
    missing = [b for b in blockers if not reasons.get(b.key)]
    if missing:
        raise AcknowledgementsRefused(
            "Approving needs your reason for going ahead despite each blocker. Not acknowledged: "
            + " ".join(f"({n}) {b.label}" for n, b in enumerate(missing, start=1))
        )
    too_long = [b for b in blockers if len(reasons[b.key]) > ACKNOWLEDGEMENT_MAX]
    if too_long:
        raise AcknowledgementsRefused(
            f"Keep each acknowledgement to at most {ACKNOWLEDGEMENT_MAX:,} characters. Too long: "
            + " ".join(f"({n}) {b.label}" for n, b in enumerate(too_long, start=1))
        )
    return [{"key": b.key, "label": b.label, "reason": reasons[b.key]} for b in blockers]


def _refuse_hard(blockers: list[Blocker]) -> None:
    """TransitionRefused while a hard blocker stands: the proposal is not approved past it."""
    hard = [b for b in blockers if b.hard]
    if hard:
        raise TransitionRefused(
            "This proposal cannot be approved yet. "
            + " ".join(b.label for b in hard)
            + " Name a stakeholder in that role on the stakeholders page if there is none; their approval lifts it."
        )


def review_state(*, proposal: Proposal, user: User | None = None, membership: Membership | None = None) -> ReviewState:
    required = required_stakeholders(proposal=proposal)
    history = list(
        SignOff.objects.filter(proposal=proposal).select_related("user", "stakeholder").order_by("-created_at", "-pk")
    )
    current = {s.stakeholder_id: s for s in history if s.round == proposal.review_round and s.stakeholder_id}
    missing = missing_roles(proposal=proposal)
    state = ReviewState(
        proposal=proposal,
        required=[RequiredSignoff(stakeholder=s, decision=current.get(s.pk)) for s in required],
        missing_roles=missing,
        history=history,
        blockers=approval_blockers(proposal=proposal),
    )
    if proposal.status in workflow.TRANSITIONS["submit"].sources:
        # Asked whoever looks: an admin or a reader sees why the owner cannot submit yet, too.
        state.submit_blocked_by = submit_problems(proposal=proposal, required=required, missing=missing)
    if user is not None:
        kinds = actor_kinds(proposal=proposal, user=user, membership=membership, required=required)
        blocked = {"submit"} if state.submit_blocked_by else set()
        actions = workflow.available(state=proposal.status, actor_kinds=kinds, blocked=blocked)
        if workflow.SIGNER in kinds and not _pending_for(state.required, user):
            # Signed already in this round: the decision buttons are not offered again.
            actions = [a for a in actions if a.action not in DECISION_OF_ACTION]
        state.actions = actions
    return state


def _pending_for(required: list[RequiredSignoff], user: User) -> list[Stakeholder]:
    return [r.stakeholder for r in required if r.stakeholder.user_id == user.pk and r.decision is None]


def _proposal_url(proposal: Proposal) -> str:
    return reverse("review", kwargs={"pk": proposal.pk})


def _set_status(
    *,
    proposal: Proposal,
    status: str,
    by: User,
    action: str,
    reason: str = "",
    extra: dict | None = None,
    acknowledged: list[dict[str, str]] | None = None,
):
    before = {"status": proposal.status, "review_round": proposal.review_round}
    changes = {"status": status, "updated_at": timezone.now(), **(extra or {})}
    Proposal.objects.filter(pk=proposal.pk).update(**changes)
    for name, value in changes.items():
        setattr(proposal, name, value)
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=proposal,
        action=f"review.{action}",
        actor=by,
        before=before,
        after={
            "status": status,
            "review_round": proposal.review_round,
            **({"acknowledgements": acknowledged} if acknowledged else {}),
        },
        reason=reason,
        only_changes=False,
    )


def submit_problems(
    *, proposal: Proposal, required: list[Stakeholder] | None = None, missing: list[StakeRole] | None = None
) -> list[str]:
    """Why submitting the proposal would be refused now, beyond its state and who asks: each a
    sentence saying what to do. None: it can be submitted. `required` and `missing` save their
    queries (required_stakeholders, missing_roles). Registered with projects.workflow as the
    precondition of "submit" (stakeholders.apps), so the proposal's path agrees with the review."""
    if required is None:
        required = required_stakeholders(proposal=proposal)
    if missing is None:
        missing = missing_roles(proposal=proposal)
    problems = []
    if missing:
        # Semicolons: a role's label may hold a comma of its own.
        problems.append(
            "Name a stakeholder for each role that must sign off: "
            + "; ".join(r.label for r in missing)
            + " (on the stakeholders page)."
        )
    if not required and not missing:
        problems.append(
            "Nobody is set to sign off. An admin chooses the roles that must sign off on the review policy page."
        )
    outside = [s.name for s in required if s.user_id is None]
    if outside:
        problems.append(
            "Sign-offs are given by members of the organisation, and these stakeholders have no account: "
            + "; ".join(outside)
            + ". On the stakeholders page, link each to a member (invite them to the organisation first if "
            "need be), or remove them and name a member for their role."
        )
    linked = {s.user_id for s in required if s.user_id}
    reviewers = set(
        Membership.objects.filter(
            organisation_id=proposal.organisation_id, user_id__in=linked, role__in=SIGNOFF_ROLES
        ).values_list("user_id", flat=True)
    )
    not_reviewers = [s.name for s in required if s.user_id and s.user_id not in reviewers]
    if not_reviewers:
        problems.append(
            "Only members with the reviewer or admin role can sign off, and these are not: "
            + "; ".join(dict.fromkeys(not_reviewers))
            + ". An admin can change their role on the members page."
        )
    return problems


def submit_precondition(proposal: Proposal) -> list[str]:
    """submit_problems as projects.workflow.require registers it (the proposal only)."""
    return submit_problems(proposal=proposal)


def _check_texts(reason: str, acknowledgements: Mapping[str, str]) -> None:
    """The reasons are stored and shown: NUL, lone surrogates and control characters are refused
    (accounts.inputs) with a 400 that names the field, before anything is locked."""
    try:
        clean_text(reason or "", field="Reason", multiline=True)
        for key, text in acknowledgements.items():
            clean_text(key, field="Acknowledged blocker", multiline=False)
            clean_text(text or "", field=f"Reason for acknowledging {key}", multiline=True)
    except InputRefused as refused:
        raise TransitionRefused(str(refused), invalid=True) from refused


def review_act(
    *,
    proposal: Proposal,
    by: User,
    membership: Membership | None,
    action: str,
    reason: str = "",
    acknowledgements: Mapping[str, str] | None = None,
) -> Proposal:
    """Take one workflow action. Raises TransitionRefused (with the reason) and changes nothing then.

    `acknowledgements` maps each approval blocker's key to the approver's reason for going ahead
    despite it; approving needs one for every current blocker, the other actions ignore them.
    """
    _check_texts(reason, acknowledgements or {})
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().select_related("organisation").get(pk=proposal.pk)
        kinds = actor_kinds(proposal=locked, user=by, membership=membership)
        transition = workflow.check(action, state=locked.status, actor_kinds=kinds)
        reason = (reason or "").strip()
        if transition.needs_reason and not reason:
            raise TransitionRefused(
                "Give your reasons: the decision is kept with them for everyone to read.", invalid=True
            )
        if len(reason) > 5000:
            raise TransitionRefused("Keep the reasons under 5,000 characters.", invalid=True)
        if action == "submit":
            _submit(locked, by)
        elif action == "withdraw":
            _set_status(proposal=locked, status=workflow.WITHDRAWN, by=by, action=action, reason=reason)
            proposal_set_awaiting(proposal=locked, users=[])
        elif action in DECISION_OF_ACTION:
            _decide(locked, by, DECISION_OF_ACTION[action], reason, acknowledgements or {})
        elif action in OVERRIDE_TARGET:
            _override(locked, by, transition, reason, acknowledgements or {})
        elif action == "archive":
            proposal_archive(proposal=locked, by=by, is_admin=workflow.ADMIN in kinds)
        else:
            proposal_unarchive(proposal=locked, by=by, is_admin=workflow.ADMIN in kinds)
    proposal.refresh_from_db()
    return proposal


def _submit(proposal: Proposal, by: User) -> None:
    required = required_stakeholders(proposal=proposal)
    problems = submit_problems(proposal=proposal, required=required)
    if problems:
        raise TransitionRefused("This proposal cannot be submitted yet. " + " ".join(problems))
    _set_status(
        proposal=proposal,
        status=workflow.SUBMITTED,
        by=by,
        action="submit",
        extra={"review_round": proposal.review_round + 1, "submitted_at": timezone.now()},
    )
    signers = list({s.user_id: s.user for s in required}.values())
    proposal_set_awaiting(proposal=proposal, users=signers)
    notify(
        organisation=proposal.organisation,
        users=signers,
        kind=NotificationKind.REVIEW_REQUEST,
        event_key=f"review_request:{proposal.pk}:{proposal.review_round}",
        title=f"Please review “{proposal.title}”",
        body=f"{by} submitted it for review (round {proposal.review_round}). Approve it or request changes, "
        "with your reasons.",
        url=_proposal_url(proposal),
        exclude=by,
    )


def _decide(proposal: Proposal, by: User, decision: str, reason: str, acknowledgements: Mapping[str, str]) -> None:
    required = required_stakeholders(proposal=proposal)
    decided = set(
        SignOff.objects.filter(proposal=proposal, round=proposal.review_round, stakeholder__isnull=False).values_list(
            "stakeholder_id", flat=True
        )
    )
    mine = [s for s in required if s.user_id == by.pk and s.pk not in decided]
    if not mine:
        raise TransitionRefused("You have already given your decision in this review round.")
    acknowledged = []
    if decision == Decision.APPROVE:
        acknowledged = _acknowledged(blockers=approval_blockers(proposal=proposal), acknowledgements=acknowledgements)
    signoffs = SignOff.objects.bulk_create(
        [
            SignOff(
                organisation=proposal.organisation,
                proposal=proposal,
                stakeholder=s,
                user=by,
                role_label=s.role.label,
                round=proposal.review_round,
                decision=decision,
                rationale=reason,
                report_id=proposal.latest_report_id,
                report_at=proposal.latest_report_at,
                acknowledgements=acknowledged,
            )
            for s in mine
        ]
    )
    decided |= {s.pk for s in mine}
    approvals = set(
        SignOff.objects.filter(
            proposal=proposal, round=proposal.review_round, decision=Decision.APPROVE, stakeholder__isnull=False
        ).values_list("stakeholder_id", flat=True)
    )
    if decision == Decision.REJECT:
        status = workflow.REJECTED
    elif decision == Decision.CHANGES:
        status = workflow.CHANGES_REQUESTED
    elif all(s.pk in approvals for s in required):
        # Every required signer approved; the sign-off the EU AI Act tier requires must be among
        # them (a tier reached after submission can require a role nobody holds yet).
        _refuse_hard(tier_signoff_blockers(proposal=proposal))
        status = workflow.APPROVED
    else:
        status = workflow.IN_REVIEW
    action = {Decision.APPROVE: "approve", Decision.CHANGES: "request_changes", Decision.REJECT: "reject"}[decision]
    _set_status(proposal=proposal, status=status, by=by, action=action, reason=reason)
    for s in signoffs:
        audit_record(
            organisation=proposal.organisation,
            proposal=proposal,
            obj=s,
            action="review.signoff",
            actor=by,
            after={
                "decision": s.decision,
                "role": s.role_label,
                "round": s.round,
                "report_id": s.report_id,
                "rationale": s.rationale,
                "acknowledgements": s.acknowledgements,
            },
            only_changes=False,
        )
    waiting = [] if status not in workflow.UNDER_REVIEW else [s.user for s in required if s.pk not in decided]
    proposal_set_awaiting(proposal=proposal, users=waiting)
    emit_review_decided(proposal=proposal, signoffs=signoffs, status=status)
    label = Decision(decision).label.lower()
    notify(
        organisation=proposal.organisation,
        users=[proposal.owner],
        kind=NotificationKind.DECISION,
        event_key=f"decision:{signoffs[0].pk}",
        title=f"{by} {label} “{proposal.title}”"
        if decision != Decision.CHANGES
        else f"{by} requested changes to “{proposal.title}”",
        body=reason + (f"\n\nThe proposal is now {workflow.STATE_LABELS[status].lower()}." if status else ""),
        url=_proposal_url(proposal),
        exclude=by,
    )


def _override(
    proposal: Proposal, by: User, transition: workflow.Transition, reason: str, acknowledgements: Mapping[str, str]
) -> None:
    acknowledged = []
    if transition.action in APPROVING:
        # An admin approving over the reviewers' heads sees the same blockers they would, and no
        # override lifts a hard one.
        blockers = approval_blockers(proposal=proposal)
        _refuse_hard(blockers)
        acknowledged = _acknowledged(blockers=blockers, acknowledgements=acknowledgements)
    signoff = SignOff.objects.create(
        organisation=proposal.organisation,
        proposal=proposal,
        stakeholder=None,
        user=by,
        role_label="Admin override",
        round=proposal.review_round,
        decision=OVERRIDE_TARGET[transition.action],
        rationale=reason,
        report_id=proposal.latest_report_id,
        report_at=proposal.latest_report_at,
        is_override=True,
        acknowledgements=acknowledged,
    )
    _set_status(
        proposal=proposal,
        status=transition.target,
        by=by,
        action=transition.action,
        reason=reason,
        acknowledged=acknowledged,
    )
    proposal_set_awaiting(proposal=proposal, users=[])
    emit_review_decided(proposal=proposal, signoffs=[signoff], status=transition.target)
    notify(
        organisation=proposal.organisation,
        users=[proposal.owner],
        kind=NotificationKind.DECISION,
        event_key=f"override:{signoff.pk}",
        title=f"An admin decided “{proposal.title}”: {workflow.STATE_LABELS[transition.target].lower()}",
        body=reason,
        url=_proposal_url(proposal),
        exclude=by,
    )
