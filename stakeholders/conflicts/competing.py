"""Rule 3, ``competing_objectives``: objectives that pull against each other."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from domain.vocabulary import DIRECTIONS
from stakeholders.conflicts.model import Conflict, Objective, SuitabilityFacts, _conflict
from stakeholders.conflicts.rules import ConflictRules
from stakeholders.conflicts.wording import _capital, _join, _subject, _who


def _objective_words(objectives: Iterable[Objective]) -> str:
    return _join(sorted({o.name.replace("_", " ") for o in objectives}))


def _wants(objectives: Sequence[Objective], rules: ConflictRules) -> str:
    """ "Asha Rao (ML engineering) wants to maximise accuracy; Sam Lee (sales) wants to ..." """
    by_holder: dict[str, list[Objective]] = defaultdict(list)
    for o in sorted(objectives, key=lambda o: (o.stakeholder_name, o.stakeholder_id, o.name)):
        by_holder[o.stakeholder_id].append(o)
    return "; ".join(
        f"{_who(held, rules)} wants to " + _join([f"{o.direction} {o.name.replace('_', ' ')}" for o in held])
        for held in by_holder.values()
    )


def _competing_severity(sides: Sequence[Sequence[Objective]], rules: ConflictRules) -> str:
    heavy = rules.severity.competing_heavy_weight
    if all(max(o.weight for o in side) >= heavy for side in sides):
        return rules.severity.competing_heavy
    return rules.severity.competing


def _competing(
    objectives: Sequence[Objective], rules: ConflictRules, facts: SuitabilityFacts | None = None
) -> list[Conflict]:
    conflicts = []
    # docs/methodology.md §7.11: the rule's words in the proposal's terms, not another product's.
    subject = _subject(facts)
    keyed = [((o.name.strip().lower(), o.direction), o) for o in objectives]
    for rule in rules.competing:
        a = [o for key, o in keyed if key in rule.sides[0]]
        b = [o for key, o in keyed if key in rule.sides[1]]
        if not a or not b:
            continue
        words = {"a": _objective_words(a), "b": _objective_words(b), "subject": subject}
        conflicts.append(
            _conflict(
                kind="competing_objectives",
                severity=_competing_severity([a, b], rules),
                title=f"{_capital(words['a'])} versus {words['b']}",
                explanation=f"{_wants([*a, *b], rules)}. {_capital(rule.explanation.format(**words))}",
                resolutions=[text.format(**words) for text in rule.resolutions],
                items=[*a, *b],
                rule=rule.key,
            )
        )
    by_name: dict[str, list[Objective]] = defaultdict(list)
    for (name, _), o in keyed:
        by_name[name].append(o)
    for name, held in sorted(by_name.items()):
        sides = [[o for o in held if o.direction == direction] for direction in DIRECTIONS]
        if not all(sides):
            continue
        words = {"a": name.replace("_", " "), "b": name.replace("_", " "), "subject": subject}
        conflicts.append(
            _conflict(
                kind="competing_objectives",
                severity=_competing_severity(sides, rules),
                title=f"{_capital(words['a'])}: maximise versus minimise",
                explanation=f"{_wants(held, rules)}. {rules.opposite.explanation.format(**words)}",
                resolutions=[text.format(**words) for text in rules.opposite.resolutions],
                items=held,
                rule="opposite_directions",
            )
        )
    return conflicts
