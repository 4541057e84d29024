"""Rule 4, ``suitability_mismatch``: requirements at odds with the ML-suitability answers."""

from __future__ import annotations

from collections.abc import Sequence

from stakeholders.conflicts.model import Conflict, Requirement, SuitabilityFacts, _conflict
from stakeholders.conflicts.rules import _CHECK_SPECS, ConflictRules, Stake, SuitabilityCheck
from stakeholders.conflicts.targets import _Target
from stakeholders.conflicts.wording import _answer_text, _capital, _number_text, _stated_bare, _who


def _holds(value: object, values: frozenset[str]) -> bool:
    """An answer among ``values``; for a list of answers (protected groups), any of them."""
    if isinstance(value, tuple | list):
        return any(str(v) in values for v in value)
    return value in values


def _stake(check: SuitabilityCheck, facts: SuitabilityFacts) -> Stake | None:
    """docs/methodology.md §7.10: the first stake whose every condition holds sets the severity."""
    for stake in check.stakes:
        if all(_holds(getattr(facts, fact), values) for fact, values in stake.when):
            return stake
    return None


def _suitability(
    requirements: Sequence[Requirement],
    targets: Sequence[_Target],
    facts: SuitabilityFacts,
    rules: ConflictRules,
) -> list[Conflict]:
    conflicts = []
    for check in rules.suitability_checks:
        spec = _CHECK_SPECS[check.key]
        answer = ""
        used: tuple[str, ...] = ()
        if check.when is not None:
            fact, values = check.when
            value = getattr(facts, fact)
            if not _holds(value, values):
                continue
            answer = _answer_text(fact, value, rules)
            used = (fact,)
        count = facts.labelled_examples
        if spec.limit_key == "min_examples":
            if count is None or check.limit is None or count >= check.limit:
                continue
            used = (*used, "labelled_examples")
        words = {
            "answer": answer,
            "limit": _number_text(check.limit) if check.limit is not None else "",
            "count": _number_text(count) if count is not None else "",
        }

        if spec.dimension is None:
            # A check about a requirement nobody stated: any requirement on the dimension, even
            # a tolerance, shows somebody thought about it.
            if any(req.dimension == spec.missing for req in requirements):
                continue
            explanation = check.explanation.format(**words)
            severity = check.severity_nice_to_have
            stake = _stake(check, facts)
            if stake is not None:
                # The reason for the severity, in the answers' own words (§7.10).
                severity = stake.severity
                stake_words = {
                    "groups": _answer_text("protected_groups", facts.protected_groups, rules),
                    "error_cost": _answer_text("error_cost", facts.error_cost, rules),
                    "personal_data": _answer_text("personal_data", facts.personal_data, rules),
                }
                explanation = f"{explanation} {_capital(stake.reason.format(**stake_words))}"
            conflicts.append(
                _conflict(
                    kind="suitability_mismatch",
                    severity=severity,
                    title=check.title,
                    explanation=explanation,
                    resolutions=[text.format(**words) for text in check.resolutions],
                    items=[],
                    rule=check.key,
                    facts=used,
                )
            )
            continue

        for t in sorted(targets, key=lambda t: t.req.id):
            req = t.req
            if req.dimension != spec.dimension:
                continue
            if spec.limit_key in ("max_days", "max_months") and not (check.limit is not None and t.hi <= check.limit):
                continue
            texts = {**words, "who": _who([req], rules), "target": _stated_bare(req)}
            conflicts.append(
                _conflict(
                    kind="suitability_mismatch",
                    severity=check.severity_must_have if req.must_have else check.severity_nice_to_have,
                    title=check.title,
                    explanation=_capital(check.explanation.format(**texts)),
                    resolutions=[text.format(**texts) for text in check.resolutions],
                    items=[req],
                    rule=check.key,
                    facts=used,
                )
            )
    return conflicts
