"""Answer validation, shared by the web wizard, the import command and the API.

``validate_answer`` accepts what each caller naturally has (form strings such as ``"3"`` or
``"1,200"``, JSON numbers and booleans) and returns the one canonical value per question type
described in ``schema``'s module docstring, so the engine only ever sees canonical answers.
Every error is an ``AnswerError`` whose message starts with the question key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .conditions import resolve
from .schema import (
    LONG_TEXT,
    MULTIPLE_CHOICE,
    NUMBER,
    SCALE,
    SCALE_VALUES,
    SHORT_TEXT,
    SINGLE_CHOICE,
    UNKNOWN,
    YES_NO,
    YES_NO_VALUES,
    Question,
    Questionnaire,
    format_number,
)


class AnswerError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def validate_answer(question: Question, value: object) -> object:
    """Return the canonical answer, or None for a blank answer (the caller then clears it)."""
    if isinstance(value, str) and question.type not in (SHORT_TEXT, LONG_TEXT):
        value = value.strip()
        if value.lower() == UNKNOWN:
            value = UNKNOWN
    if value is None or value == "" or value == []:
        return None
    if value == UNKNOWN and (question.allow_unknown or question.type not in (SHORT_TEXT, LONG_TEXT)):
        # For text questions without "don't know", the word "unknown" is just text.
        if not question.allow_unknown:
            raise AnswerError(question.key, "\"don't know\" ('unknown') is not allowed for this question")
        return UNKNOWN
    return _VALIDATORS[question.type](question, value)


def validate_answers(questionnaire: Questionnaire, answers: Mapping[str, object]) -> dict[str, object]:
    """Validate a whole answer set (import, API); blank answers are left out of the result."""
    cleaned: dict[str, object] = {}
    for key, value in answers.items():
        if not questionnaire.has_question(key):
            raise AnswerError(key, f"no such question in {questionnaire.key} version {questionnaire.version}")
        normalised = validate_answer(questionnaire.question(key), value)
        if normalised is not None:
            cleaned[key] = normalised
    return cleaned


def missing_required(questionnaire: Questionnaire, answers: Mapping[str, object]) -> list[Question]:
    """Required questions that are shown but not answered ("don't know" counts as an answer)."""
    resolved = resolve(questionnaire, answers)
    return [q for q in resolved.visible if q.required and q.key not in resolved.answers]


def _single_choice(question: Question, value: object) -> str:
    if not isinstance(value, str):
        raise AnswerError(question.key, f"expected one option as text, got {type(value).__name__}")
    if not any(o.value == value for o in question.options):
        raise AnswerError(question.key, f"unknown option {value!r} (choose one of: {_choices(question)})")
    return value


def _multiple_choice(question: Question, value: object) -> list[str] | None:
    if not isinstance(value, list | tuple | set | frozenset):
        raise AnswerError(question.key, f"expected a list of options, got {type(value).__name__}")
    chosen = set()
    for item in value:
        if not isinstance(item, str) or not any(o.value == item for o in question.options):
            raise AnswerError(question.key, f"unknown option {item!r} (choose from: {_choices(question)})")
        chosen.add(item)
    # Option order, not click order, so equal selections compare and display the same.
    return [o.value for o in question.options if o.value in chosen] or None


def _yes_no(question: Question, value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.lower() in YES_NO_VALUES:
        return value.lower()
    raise AnswerError(question.key, f"expected 'yes' or 'no', got {value!r}")


def _to_number(question: Question, value: object) -> float:
    if isinstance(value, bool):
        raise AnswerError(question.key, "expected a number, got a boolean")
    if isinstance(value, str):
        try:
            # Forms send "1,200"; a thousands separator is not a decimal point here.
            number = float(value.replace(",", "").replace("_", ""))
        except ValueError:
            raise AnswerError(question.key, f"expected a number, got {value!r}") from None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise AnswerError(question.key, f"expected a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise AnswerError(question.key, "expected a finite number")
    return number


def _number(question: Question, value: object) -> int | float:
    number = _to_number(question, value)
    unit = f" {question.unit}" if question.unit else ""
    if question.min is not None and number < question.min:
        raise AnswerError(question.key, f"must be at least {format_number(question.min)}{unit}")
    if question.max is not None and number > question.max:
        raise AnswerError(question.key, f"must be at most {format_number(question.max)}{unit}")
    if question.integer:
        if not number.is_integer():
            raise AnswerError(question.key, "must be a whole number")
        return int(number)
    return number


def _scale(question: Question, value: object) -> int:
    number = _to_number(question, value)
    if not number.is_integer() or int(number) not in SCALE_VALUES:
        raise AnswerError(question.key, f"must be a whole number from 1 to 5, got {value!r}")
    return int(number)


def _text(question: Question, value: object) -> str | None:
    if not isinstance(value, str):
        raise AnswerError(question.key, f"expected text, got {type(value).__name__}")
    text = value.strip()
    if "\x00" in text:
        # As Django's forms say it: no browser sends one, and PostgreSQL cannot store it.
        raise AnswerError(question.key, "null characters are not allowed")
    if question.max_length is not None and len(text) > question.max_length:
        raise AnswerError(question.key, f"must be at most {question.max_length} characters, got {len(text)}")
    return text or None


def _choices(question: Question) -> str:
    return ", ".join(o.value for o in question.options)


_VALIDATORS = {
    SINGLE_CHOICE: _single_choice,
    MULTIPLE_CHOICE: _multiple_choice,
    YES_NO: _yes_no,
    NUMBER: _number,
    SCALE: _scale,
    SHORT_TEXT: _text,
    LONG_TEXT: _text,
}
