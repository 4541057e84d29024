"""The wizard's form handling, shared by every questionnaire's pages (the suitability wizard,
the stakeholder questionnaire): what a posted form answered, saved, and shown back as typed."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from questionnaires.engine import Questionnaire
from questionnaires.engine.schema import MULTIPLE_CHOICE, NUMBER, UNKNOWN, Question
from questionnaires.models import Assessment
from questionnaires.services import answers_save


@dataclass
class QuestionView:
    """One question as the template draws it: its value (stored or just typed) and its error."""

    question: Question
    value: Any
    error: str = ""

    @property
    def is_unknown(self) -> bool:
        return self.value == UNKNOWN

    @property
    def values(self) -> list[str]:
        return [str(v) for v in self.value] if isinstance(self.value, list) else [str(self.value)]


def raw_answer(request: HttpRequest, question: Question) -> Any:
    post = request.POST
    if question.type == MULTIPLE_CHOICE:
        chosen = post.getlist(question.key)
        return UNKNOWN if chosen == [UNKNOWN] else chosen
    if question.type == NUMBER and post.get(f"{question.key}__unknown"):
        return UNKNOWN
    return post.get(question.key, "")


@dataclass
class PostedAnswers:
    """What a posted questionnaire form did: the answers now, what was refused, what was shown."""

    shown: set[str]  # the questions the page showed (the `_shown` fields)
    answers: dict[str, Any]  # stored answers after the save
    typed: dict[str, Any]  # raw input of refused answers, to show back as typed
    errors: dict[str, str]


def save_posted_answers(
    request: HttpRequest,
    *,
    assessment: Assessment,
    questionnaire: Questionnaire,
    questions: Iterable[Question],
    answers: dict[str, Any],
    by: Any,
) -> PostedAnswers:
    """Save the answers to the `questions` the page showed; shared by the wizard and the
    stakeholder questionnaire."""
    shown = set(request.POST.getlist("_shown"))
    raw = {q.key: raw_answer(request, q) for q in questions if q.key in shown}
    outcome = answers_save(assessment=assessment, questionnaire=questionnaire, raw=raw, by=by)
    return PostedAnswers(
        shown=shown,
        answers={k: v for k, v in {**answers, **outcome.saved}.items() if v is not None},
        typed={k: raw[k] for k in outcome.errors if k in raw},
        errors=outcome.errors,
    )
