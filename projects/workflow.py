"""The proposal's lifecycle as data: which action moves which state to which, and who may take it.

Plain Python, no Django: the services (stakeholders/review.py) check a request against this table
before changing anything, the pages offer only the actions it allows, and the tests walk it.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

DRAFT = "draft"
SUBMITTED = "submitted"
IN_REVIEW = "in_review"
APPROVED = "approved"
CHANGES_REQUESTED = "changes_requested"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
ARCHIVED = "archived"

OWNER = "owner"  # the proposal's owner
SIGNER = "signer"  # a reviewer named as a stakeholder in a role that must sign off
ADMIN = "admin"  # an organisation admin

UNDER_REVIEW = frozenset({SUBMITTED, IN_REVIEW})
# The states in which the proposal is in its owner's hands (the states it can be submitted from):
# only then may its stakeholders be removed or linked to a member. Under review the required
# signers are the ones asked; decided, they are the ones who decided; archived, nothing changes.
ROSTER_OPEN = frozenset({DRAFT, CHANGES_REQUESTED, WITHDRAWN})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    # None: the target depends on the decisions so far (a sign-off that completes the set approves).
    target: str | None
    actors: frozenset[str]
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "submit",
            "Submit for review",
            frozenset({DRAFT, CHANGES_REQUESTED, WITHDRAWN}),
            SUBMITTED,
            frozenset({OWNER}),
        ),
        Transition(
            "withdraw", "Withdraw", frozenset({SUBMITTED, IN_REVIEW, CHANGES_REQUESTED}), WITHDRAWN, frozenset({OWNER})
        ),
        Transition("approve", "Approve", UNDER_REVIEW, None, frozenset({SIGNER}), needs_reason=True),
        Transition(
            "request_changes",
            "Request changes",
            UNDER_REVIEW,
            CHANGES_REQUESTED,
            frozenset({SIGNER}),
            needs_reason=True,
        ),
        Transition("reject", "Reject", UNDER_REVIEW, REJECTED, frozenset({SIGNER}), needs_reason=True),
        Transition(
            "override_approve",
            "Approve (admin override)",
            frozenset({SUBMITTED, IN_REVIEW, CHANGES_REQUESTED, REJECTED}),
            APPROVED,
            frozenset({ADMIN}),
            needs_reason=True,
        ),
        Transition(
            "override_reject",
            "Reject (admin override)",
            frozenset({SUBMITTED, IN_REVIEW, CHANGES_REQUESTED, APPROVED}),
            REJECTED,
            frozenset({ADMIN}),
            needs_reason=True,
        ),
        Transition(
            "archive",
            "Archive",
            frozenset({DRAFT, SUBMITTED, IN_REVIEW, APPROVED, CHANGES_REQUESTED, REJECTED, WITHDRAWN}),
            ARCHIVED,
            frozenset({OWNER, ADMIN}),
        ),
        Transition("unarchive", "Restore from the archive", frozenset({ARCHIVED}), DRAFT, frozenset({OWNER, ADMIN})),
    ]
}

STATE_LABELS = {
    DRAFT: "Draft",
    SUBMITTED: "Submitted",
    IN_REVIEW: "In review",
    APPROVED: "Approved",
    CHANGES_REQUESTED: "Changes requested",
    REJECTED: "Rejected",
    WITHDRAWN: "Withdrawn",
    ARCHIVED: "Archived",
}

ACTOR_LABELS = {OWNER: "the proposal's owner", SIGNER: "a required reviewer", ADMIN: "an organisation admin"}


class TransitionRefused(Exception):
    """An action that is not allowed now, or not for this person. The message says why."""

    def __init__(self, message: str, *, permission: bool = False, invalid: bool = False) -> None:
        super().__init__(message)
        # The HTTP answer: 403 when this person may not take the action, 400 when the request
        # itself is incomplete (no reason given), 409 when the proposal's state does not allow it.
        self.status = 403 if permission else 400 if invalid else 409


def check(action: str, *, state: str, actor_kinds: set[str]) -> Transition:
    """The transition for `action`, or TransitionRefused saying why not."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused(f"“{action}” is not something a proposal can do.")
    if state not in transition.sources:
        allowed = ", ".join(STATE_LABELS[s].lower() for s in sorted(transition.sources, key=list(STATE_LABELS).index))
        raise TransitionRefused(
            f"A proposal that is {STATE_LABELS.get(state, state).lower()} cannot be “{transition.label.lower()}”. "
            f"That is possible only when it is {allowed}."
        )
    if not transition.actors & actor_kinds:
        who = " or ".join(ACTOR_LABELS[a] for a in sorted(transition.actors))
        raise TransitionRefused(f"Only {who} can {transition.label.lower()} this proposal.", permission=True)
    return transition


def available(*, state: str, actor_kinds: set[str], blocked: Collection[str] = ()) -> list[Transition]:
    """The actions this person can take on a proposal in this state, in display order; `blocked`:
    actions whose preconditions (unmet) are not met now, left out so nothing offered is refused."""
    return [
        t for t in TRANSITIONS.values() if state in t.sources and t.actors & actor_kinds and t.action not in blocked
    ]


def roster_refusal(state: str) -> str:
    """Why the stakeholders of a proposal in this state cannot be removed or linked ("" if they can)."""
    if state in ROSTER_OPEN:
        return ""
    if state in UNDER_REVIEW:
        return "The proposal is under review: withdraw it from review first, then change its stakeholders."
    if state == ARCHIVED:
        return "The proposal is archived: restore it from the archive first."
    return (
        f"The proposal is {STATE_LABELS.get(state, state).lower()}: its stakeholders stay as they were when it "
        "was decided."
    )


# What an action needs beyond the state and the actor, checked by an app above this one (the
# stakeholders app registers who must sign off for "submit", in its AppConfig.ready): each check
# takes the proposal and returns the reasons the action would be refused now, none if it would
# succeed. A registry, so that a lower app's page (the proposal's path) asks without importing
# the higher app.
_PRECONDITIONS: dict[str, list[Callable[[Any], list[str]]]] = {}


def require(action: str, check: Callable[[Any], list[str]]) -> None:
    """Register a precondition of `action` (once per check: a second registration is ignored)."""
    checks = _PRECONDITIONS.setdefault(action, [])
    if check not in checks:
        checks.append(check)


def unmet(action: str, proposal: Any) -> list[str]:
    """The reasons `action` would be refused on this proposal now, beyond its state and actor."""
    return [reason for check in _PRECONDITIONS.get(action, []) for reason in check(proposal)]
