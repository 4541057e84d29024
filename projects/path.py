"""The path a proposal walks: describe, assess, stakeholders, report, review, and where it stands.

Read from the summaries already on the proposal row (the verdict, the conflict count, the newest
report, the review round and state), so the proposal page and the pages that link onward show
the path without one query per stage. Plain Python on the proposal's attributes: no Django import,
so the rules can be tested on a plain object.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from projects import workflow

DONE = "done"
CURRENT = "current"
TODO = "todo"

STATE_LABELS = {DONE: "done", CURRENT: "you are here", TODO: "to do"}


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    state: str
    url_name: str  # reversed with the proposal's pk; every stage page takes it
    note: str = ""  # a few words on why the stage is in that state

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class NextStep:
    label: str
    url_name: str
    stage: str


@dataclass(frozen=True)
class Path:
    stages: tuple[Stage, ...]
    next_step: NextStep | None

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)


def _stakeholders_heard(proposal: Any, *, stakeholders_named: bool) -> bool:
    # The proposal row keeps no count of stakeholders, so the page says whether any is named (one
    # query, whatever their number). Without that word, what shows they were heard: conflicts
    # between their requirements, a report (which read them) or a review round (they sign off).
    # Without it a proposal whose stakeholders agree would send its owner back to the stakeholders
    # page for ever, its next step never the report.
    return bool(stakeholders_named or proposal.open_conflicts or proposal.latest_report_id or proposal.review_round)


def proposal_path(
    proposal: Any,
    *,
    can_edit: bool,
    is_owner: bool = False,
    stakeholders_named: bool = False,
    submit_problems: Callable[[], Sequence[str]] | None = None,
    awaits_my_review: bool = False,
) -> Path:
    """The five stages with their state, and the one next step this person can take (or None).

    `submit_problems`, called only when the next step would be to submit: why submitting would be
    refused now (projects.workflow.unmet("submit", proposal), which the stakeholders app answers);
    the step then leads to the review page, which says why, instead of offering a submit that fails.

    `awaits_my_review`: this person is asked to sign off in the current round (the proposal's
    `awaiting_review_by`); their next step is the review, whether or not they may edit the proposal.
    """
    status = proposal.status
    under_review = status in workflow.UNDER_REVIEW
    decided = status in (workflow.APPROVED, workflow.REJECTED)
    done = {
        "describe": True,
        "assess": bool(proposal.suitability_verdict),
        "stakeholders": _stakeholders_heard(proposal, stakeholders_named=stakeholders_named),
        "report": bool(proposal.latest_report_id) and not proposal.latest_report_out_of_date,
        "review": decided,
    }
    notes = {
        "describe": "",
        "assess": "the questionnaire changed since" if proposal.questionnaire_outdated else "",
        "stakeholders": (
            f"{proposal.open_conflicts} open conflict{'' if proposal.open_conflicts == 1 else 's'}"
            if proposal.open_conflicts
            else ""
        ),
        "report": "out of date" if proposal.latest_report_id and proposal.latest_report_out_of_date else "",
        "review": {
            workflow.SUBMITTED: "submitted",
            workflow.IN_REVIEW: f"round {proposal.review_round}",
            workflow.CHANGES_REQUESTED: "changes requested",
            workflow.APPROVED: "approved",
            workflow.REJECTED: "rejected",
            workflow.WITHDRAWN: "withdrawn",
        }.get(status, ""),
    }
    order = [
        ("describe", "Describe", "projects:edit"),
        ("assess", "Assess", "assessments:home"),
        ("stakeholders", "Stakeholders", "stakeholders:list"),
        ("report", "Report", "reports:list"),
        ("review", "Review", "review"),
    ]
    # Under review (or decided) the review is where the proposal stands, whatever came before.
    if under_review or decided:
        current = None if decided else "review"
    else:
        current = next((key for key, _, _ in order if not done[key]), None)
    stages = tuple(
        Stage(
            key=key,
            label=label,
            state=CURRENT if key == current else (DONE if done[key] else TODO),
            url_name=url_name,
            note=notes[key],
        )
        for key, label, url_name in order
    )
    if awaits_my_review and under_review:
        return Path(stages=stages, next_step=NextStep(SIGN_OFF_LABEL, "review", "review"))
    step = _next_step(proposal, current=current, can_edit=can_edit, is_owner=is_owner)
    if step is not None and step.label == SUBMIT_LABEL and submit_problems is not None and submit_problems():
        step = NextStep(SUBMIT_BLOCKED_LABEL, "review", step.stage)
    return Path(stages=stages, next_step=step)


SUBMIT_LABEL = "Submit it for sign-off"
SUBMIT_BLOCKED_LABEL = "See what submitting still needs"
SIGN_OFF_LABEL = "Review it and sign off"


def _next_step(proposal: Any, *, current: str | None, can_edit: bool, is_owner: bool) -> NextStep | None:
    if proposal.status == workflow.ARCHIVED or current is None or not can_edit:
        return None
    if current == "assess":
        return NextStep("Assess ML suitability", "assessments:home", current)
    if current == "stakeholders":
        return NextStep("Invite stakeholders to state requirements", "stakeholders:list", current)
    if current == "report":
        label = "Make a new trade-off report" if proposal.latest_report_id else "Make the trade-off report"
        return NextStep(label, "reports:list", current)
    if proposal.status in workflow.UNDER_REVIEW:
        return NextStep("Follow the sign-offs", "review", current)
    # Only the owner submits (projects.workflow): an admin is shown the path, not a button that refuses.
    return NextStep(SUBMIT_LABEL, "review", current) if is_owner else None


def next_stage_after(proposal: Any, key: str) -> Stage | None:
    """The stage after `key` on the path, for the 'what next' link at the foot of a stage page."""
    stages = proposal_path(proposal, can_edit=False).stages
    keys = [s.key for s in stages]
    index = keys.index(key)
    return stages[index + 1] if index + 1 < len(stages) else None
