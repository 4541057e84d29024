"""The audit trail as a person reads it: names, labels and formatted values, answers grouped.

The stored entries keep the machine's words (`review.signoff`, `in_review`, a requirement as a
dict) so the CSV and JSON exports stay exact; this module is the one place that turns them into
the product's words for the history page. Plain Python over the entries' fields: the page loads
one page of entries in one query and everything here works on what that query returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.vocabulary import DIMENSION, VERDICT_LABELS
from projects.models import EDITABLE_FIELDS, Proposal, ProposalStatus, Visibility, VolumePeriod

# What each kind of entry did, in the words the pages use. An action missing here (a new one)
# is still shown, spelled out from its key, so the page never shows a dotted key.
ACTION_LABELS = {
    "proposal.created": "Proposal created",
    "proposal.updated": "Proposal edited",
    "sharing.changed": "Sharing changed",
    "sharing.reader_added": "Reader given access",
    "sharing.reader_removed": "Reader's access taken back",
    "answers.saved": "Answers saved",
    "answers.hidden_dropped": "Answers to questions no longer asked removed",
    "assessment.completed": "Suitability assessment completed",
    "assessment.upgraded": "Assessment moved to a newer questionnaire",
    "stakeholder.added": "Stakeholder added",
    "requirements.replaced": "Requirements stated",
    "requirement.saved": "Requirement saved",
    "requirement.deleted": "Requirement removed",
    "requirements.weighted": "Requirement weights changed",
    "conflict.resolved": "Conflict resolved",
    "conflict.reopened": "Conflict reopened",
    "comment.added": "Comment added",
    "comment.edited": "Comment edited",
    "outcome.recorded": "Outcome recorded",
    "outcome.updated": "Outcome updated",
    "review.submit": "Submitted for review",
    "review.withdraw": "Withdrawn from review",
    "review.approve": "Approved",
    "review.request_changes": "Changes requested",
    "review.reject": "Rejected",
    "review.override_approve": "Approved by an admin's override",
    "review.override_reject": "Rejected by an admin's override",
    "review.archive": "Archived",
    "review.unarchive": "Restored from the archive",
    "review.signoff": "Sign-off recorded",
    "ai_act.started": "EU AI Act triage started",
    "ai_act.triaged": "EU AI Act tier recorded",
    "ai_act.duty_ticked": "EU AI Act duty ticked off",
    "ai_act.duty_reopened": "EU AI Act duty reopened",
}

# The filter "what kind of change": the first part of the action's key.
KIND_LABELS = {
    "proposal": "The proposal itself",
    "sharing": "Sharing",
    "answers": "Answers",
    "assessment": "Assessments",
    "stakeholder": "Stakeholders",
    "requirements": "Requirements",
    "conflict": "Conflicts",
    "review": "Review and sign-off",
    "comment": "Comments",
    "outcome": "Outcomes",
    "ai_act": "EU AI Act triage",
}
# Actions whose first part files them under another kind in the filter.
KIND_ALIASES = {"requirement": "requirements"}

STATUS_LABELS = dict(ProposalStatus.choices)
DECISION_LABELS = {"approve": "Approved", "changes": "Changes requested", "reject": "Rejected"}
OP_SYMBOLS = {"<=": "≤", ">=": "≥", "==": "=", "in": "one of"}
INTERPRETABILITY_WORDS = {
    "none": "no explanations",
    "global": "global explanations",
    "per_prediction": "per-prediction explanations",
}
UNIT_WORDS = {
    "per_month": "a month",
    "per_second": "a second",
    "per_day": "a day",
    "max_disparity": "gap",
    "level": "",
    "days": "days",
    "months": "months",
}

FIELD_LABELS = {
    **{name: Proposal._meta.get_field(name).verbose_name.capitalize() for name in EDITABLE_FIELDS},
    "decision": "Decision",  # the proposal's field and a sign-off's decision read the same
    "status": "State",
    "review_round": "Review round",
    "round": "Round",
    "role": "Role",
    "rationale": "Rationale",
    "acknowledgements": "Acknowledged",
    "report_id": "Report",
    "verdict": "Verdict",
    "score": "Score",
    "questionnaire_version": "Questionnaire version",
    "asked_again": "Asked again",
    "dropped": "Answers dropped",
    "reader": "Reader",
    "name": "Name",
    "email": "Email",
    "member": "A member of the organisation",
    "where": "Where",
    "body": "Text",
    "assessment_max_age_days": "Assessments go stale after (days)",
    **{d.key: d.label for d in DIMENSION.values()},
}
# Keys kept in the export but not worth a reader's time: ids that name nothing on the page.
HIDDEN_KEYS = {"questionnaire", "reply_to", "id", "pk"}

# Answers saved by the same person in the same assessment with gaps shorter than this are one sitting.
SITTING_GAP = timedelta(minutes=30)

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def spell(key: str) -> str:
    """A key spelled out for a reader: 'rule_complexity' → 'Rule complexity'."""
    text = key.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or spell(action)


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key) or spell(key)


def kind_of(action: str) -> str:
    first = action.split(".", 1)[0]
    return KIND_ALIASES.get(first, first)


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.4g}"


def requirement_text(data: dict[str, Any]) -> str:
    """'≤ 800 ms, must-have, weight 4': a requirement as the stakeholder pages state it."""
    op = OP_SYMBOLS.get(str(data.get("op", "")), str(data.get("op", "")))
    value = data.get("value")
    unit = str(data.get("unit") or "")
    words = UNIT_WORDS.get(unit, unit.replace("_", " "))
    if isinstance(value, list):
        shown = ", ".join(spell(str(v)).lower() for v in value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = _number(value)
    elif str(value) in INTERPRETABILITY_WORDS and unit == "level":
        shown = INTERPRETABILITY_WORDS[str(value)]
    else:
        shown = spell(str(value)).lower() if value is not None else "—"
    text = " ".join(part for part in [op, shown, words, str(data.get("metric") or "")] if part)
    extras = []
    if data.get("must_have"):
        extras.append("must-have")
    if data.get("weight") not in (None, ""):
        extras.append(f"weight {data['weight']}")
    if data.get("note"):
        extras.append(f"note: {data['note']}")
    return ", ".join([text, *extras])


def value_text(key: str, value: Any) -> str:
    """One stored value in words: states and verdicts by label, dates as dates, numbers grouped."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if key == "report_id":
            return f"report #{value}"
        return _number(value)
    if isinstance(value, dict):
        if "op" in value and "value" in value:
            return requirement_text(value)
        if "reason" in value:  # an acknowledged approval blocker
            return f"{spell(str(value.get('key', '')))}: {value['reason']}"
        return "; ".join(f"{field_label(k)}: {value_text(k, v)}" for k, v in value.items() if k not in HIDDEN_KEYS)
    if isinstance(value, (list, tuple)):
        return "; ".join(value_text(key, v) for v in value)
    text = str(value)
    if key == "status":
        return STATUS_LABELS.get(text, spell(text))
    if key == "verdict":
        return VERDICT_LABELS.get(text, spell(text))
    if key == "decision" and text in DECISION_LABELS:
        return DECISION_LABELS[text]
    if key == "volume_period":
        return dict(VolumePeriod.choices).get(text, text)
    if key == "visibility":
        return dict(Visibility.choices).get(text, text)
    if _ISO_DATETIME.match(text):
        try:
            return f"{datetime.fromisoformat(text):%-d %b %Y, %H:%M}"
        except ValueError:
            return text
    if _ISO_DATE.match(text):
        try:
            return f"{date.fromisoformat(text):%-d %b %Y}"
        except ValueError:
            return text
    if _SNAKE.match(text):
        return spell(text).lower()
    return text


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: the entry recorded no value before (a creation)
    after: str | None


def changes_of(before: Any, after: Any) -> list[Change]:
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = [k for k in {**before, **after} if k not in HIDDEN_KEYS]
    return [
        Change(
            label=field_label(k),
            # Nothing before (a first answer, a new field): only the value given is shown.
            before=value_text(k, before[k]) if before.get(k) not in (None, "") else None,
            after=value_text(k, after[k]) if k in after else None,
        )
        for k in keys
    ]


def _subject(entry: Any) -> str:
    """What the entry is about, in names: never an object's id."""
    kind = entry.object_type
    if entry.action == "review.signoff":
        after = entry.after or {}
        decision = DECISION_LABELS.get(str(after.get("decision")), "")
        who = after.get("role") or ""
        round_ = f"round {after['round']}" if after.get("round") else ""
        return " · ".join(p for p in [decision, f"as {who}" if who else "", round_] if p)
    if kind in ("suitability answers", "stakeholder answers", "assessment", "EU AI Act triage"):
        # An assessment's own label ends with its proposal's id ('ML suitability v1 for 66').
        return re.sub(r" for \d+$", "", entry.object_label)
    if kind == "proposal":
        return ""
    return entry.object_label


@dataclass
class Row:
    """One line of the history: an entry, or a sitting of answers grouped into one."""

    when: datetime
    until: datetime | None
    who: str
    action: str
    label: str
    subject: str
    reason: str
    changes: list[Change] = field(default_factory=list)
    count: int = 1  # entries in this row
    sitting: tuple | None = None  # for answers: who gave them, in which assessment

    @property
    def kind(self) -> str:
        return kind_of(self.action)


def _row(entry: Any) -> Row:
    return Row(
        when=entry.created_at,
        until=None,
        who=entry.actor_label or "—",
        action=entry.action,
        label=action_label(entry.action),
        subject=_subject(entry),
        reason=entry.reason,
        changes=changes_of(entry.before, entry.after),
    )


def _same_sitting(row: Row, entry: Any, key: tuple) -> bool:
    # Rows come newest first: the entry is older than the row's oldest one.
    return row.action == "answers.saved" and row.sitting == key and (row.when - entry.created_at) <= SITTING_GAP


def history_rows(entries: Iterable[Any]) -> list[Row]:
    """The entries, newest first, as rows: answers saved in one sitting (same person, same
    assessment, each within SITTING_GAP of the next) become one row listing every answer."""
    rows: list[Row] = []
    for entry in entries:
        key = (entry.actor_id, entry.actor_label, entry.object_type, entry.object_id)
        last = rows[-1] if rows else None
        if entry.action == "answers.saved" and last is not None and _same_sitting(last, entry, key):
            # Older answers go after newer ones; an answer changed twice keeps its latest value.
            seen = {c.label for c in last.changes}
            last.changes.extend(c for c in changes_of(entry.before, entry.after) if c.label not in seen)
            last.until = last.until or last.when
            last.when = entry.created_at
            last.count += 1
            continue
        row = _row(entry)
        if entry.action == "answers.saved":
            row.sitting = key
        rows.append(row)
    for row in rows:
        if row.action == "answers.saved":
            n = len(row.changes)
            row.label = f"{n} answer{'' if n == 1 else 's'} saved" if row.count > 1 or n > 1 else "Answer saved"
    return rows


def people_of(pairs: Sequence[str]) -> list[str]:
    """The names to filter by, sorted, without blanks or repeats."""
    return sorted({p for p in pairs if p}, key=str.lower)
