"""Conditions: which questions are shown, and whether a blocker or a rule applies.

A condition is a leaf ``{question: KEY, op: OP, value: ...}`` or a group ``{all: [...]}`` (every
item holds) / ``{any: [...]}`` (at least one holds); groups nest.

Leaf operators, on the answer ``a`` to question KEY:

- ``equals`` / ``not_equals``: ``a == value`` / ``a != value``
- ``in`` / ``not_in``: ``a`` is / is not one of the listed values
- ``gte`` / ``lte``: ``a >= value`` / ``a <= value``; false for "don't know"
- ``contains``: a multiple-choice answer includes ``value``
- ``answered``: ``a`` is given ("don't know" counts as given); ``value: false`` inverts it

Every operator but ``answered`` is false when the question has no answer, so a follow-up
question stays hidden until the question it depends on is answered.

Questions are resolved in order. A question whose ``show_if`` is false is hidden and its answer
is dropped: answers to hidden questions do not count, and a question whose condition reads a
hidden question sees no answer there, so it is hidden too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .schema import AllOf, Compare, Condition, Question, Questionnaire


def _has(answer: object) -> bool:
    return answer is not None


def _is_number(answer: object) -> bool:
    return isinstance(answer, int | float) and not isinstance(answer, bool)


_OPS: Mapping[str, Callable[[object, object], bool]] = {
    "equals": lambda a, v: _has(a) and a == v,
    "not_equals": lambda a, v: _has(a) and a != v,
    "in": lambda a, v: _has(a) and a in v,  # type: ignore[operator]
    "not_in": lambda a, v: _has(a) and a not in v,  # type: ignore[operator]
    "gte": lambda a, v: _is_number(a) and a >= v,  # type: ignore[operator]
    "lte": lambda a, v: _is_number(a) and a <= v,  # type: ignore[operator]
    "contains": lambda a, v: isinstance(a, list | tuple) and v in a,
    "answered": lambda a, v: _has(a) == v,
}


def holds(condition: Condition, answers: Mapping[str, object]) -> bool:
    """Whether ``condition`` is true for ``answers`` (pass effective answers: see module doc)."""
    if isinstance(condition, Compare):
        return _OPS[condition.op](answers.get(condition.question), condition.value)
    if isinstance(condition, AllOf):
        return all(holds(c, answers) for c in condition.conditions)
    return any(holds(c, answers) for c in condition.conditions)


@dataclass(frozen=True)
class Resolved:
    """The questions shown for a set of answers, and the answers that count."""

    visible: tuple[Question, ...]
    visible_keys: frozenset[str]
    answers: dict[str, object]  # answers to visible questions only; unanswered keys absent


def resolve(questionnaire: Questionnaire, answers: Mapping[str, object]) -> Resolved:
    visible: list[Question] = []
    effective: dict[str, object] = {}
    for question in questionnaire.questions:
        # `effective` holds only earlier visible answers, which is what makes a question that
        # depends on a hidden one hidden too.
        if question.show_if is not None and not holds(question.show_if, effective):
            continue
        visible.append(question)
        value = answers.get(question.key)
        if value is not None:
            effective[question.key] = value
    return Resolved(tuple(visible), frozenset(q.key for q in visible), effective)


def visible_questions(questionnaire: Questionnaire, answers: Mapping[str, object]) -> list[Question]:
    return list(resolve(questionnaire, answers).visible)


def effective_answers(questionnaire: Questionnaire, answers: Mapping[str, object]) -> dict[str, object]:
    """The answers that count: those to visible questions (unknown question keys are dropped too)."""
    return resolve(questionnaire, answers).answers
