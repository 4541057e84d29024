"""Rule 4, ``suitability_mismatch``: requirements at odds with the ML-suitability answers."""

from __future__ import annotations

from collections.abc import Sequence

from stakeholders.conflicts.model import Conflict, Requirement, SuitabilityFacts, _conflict
from stakeholders.conflicts.rules import _CHECK_SPECS, ConflictRules
from stakeholders.conflicts.targets import _Target
from stakeholders.conflicts.wording import _capital, _number_text, _stated_bare, _who


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
            if value not in values:
                continue
            answer = rules.answer_texts.get(fact, {}).get(value, str(value))
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
            # A check about a requirement nobody stated: any requirement on fairness, even a
            # tolerance, shows somebody thought about it.
            if any(req.dimension == "fairness" for req in requirements):
                continue
            conflicts.append(
                _conflict(
                    kind="suitability_mismatch",
                    severity=check.severity_nice_to_have,
                    title=check.title,
                    explanation=check.explanation.format(**words),
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
