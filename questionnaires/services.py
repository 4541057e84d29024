"""Answering a questionnaire, any of them: save answers one by one or all at once, move
through the sections, carry answers over to a new round or version. What the answers mean is
for the app that owns the questionnaire (suitability, stakeholders)."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from projects.models import Proposal
from projects.services import proposal_inputs_changed
from questionnaires.engine import (
    AnswerError,
    Questionnaire,
    effective_answers,
    validate_answer,
    validate_answers,
    visible_questions,
)
from questionnaires.engine.schema import Question, Section
from questionnaires.models import Answer, Assessment, AssessmentStatus, QuestionnaireVersion
from questionnaires.versions import SUITABILITY_KEY, engine_questionnaire


class AssessmentError(Exception):
    """An action the assessment's state does not allow; the message says why."""


def proposal_assessment_latest(*, proposal: Proposal, key: str) -> Assessment | None:
    """The proposal's newest assessment of one of its own questionnaires (stakeholder empty), not
    superseded. The key is part of the question: a proposal answers more than one (suitability,
    the EU AI Act triage), and without it the one started last would be taken for the other."""
    return (
        Assessment.objects.filter(proposal=proposal, stakeholder__isnull=True, questionnaire__key=key)
        .exclude(status=AssessmentStatus.SUPERSEDED)
        .select_related("questionnaire")
        .defer("questionnaire__definition")
        .order_by("-created_at")
        .first()
    )


def answers_of(assessment: Assessment) -> dict[str, Any]:
    return dict(assessment.answers.values_list("question_key", "value"))


def section_of(questionnaire: Questionnaire, key: str) -> Section | None:
    return next((s for s in questionnaire.sections if s.key == key), None)


def visible_sections(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[tuple[Section, list[Question]]]:
    """Sections with their shown questions; a section whose questions are all hidden is skipped."""
    shown = {q.key for q in visible_questions(questionnaire, answers)}
    result = []
    for section in questionnaire.sections:
        questions = [q for q in section.questions if q.key in shown]
        if questions:
            result.append((section, questions))
    return result


@dataclass
class SaveOutcome:
    saved: dict[str, Any]
    errors: dict[str, str]


def answers_that_count(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers without those to questions the other answers hide. Unlike `effective_answers`,
    keys the questionnaire does not know are left as they are: this only removes hidden ones."""
    shown = effective_answers(questionnaire, answers)
    return {k: v for k, v in answers.items() if k in shown or not questionnaire.has_question(k)}


def answers_counted(assessment: Assessment) -> dict[str, Any]:
    """An assessment's stored answers that count: none to a question hidden by the others.

    While an assessment is edited its hidden answers are kept (see answers_save); completing it
    drops them, so for a completed assessment this equals `answers_of`.
    """
    return answers_that_count(engine_questionnaire(assessment.questionnaire), answers_of(assessment))


def answers_kind(assessment: Assessment) -> str:
    """How the audit trail names an assessment's answers."""
    if assessment.stakeholder_id:
        return "stakeholder answers"
    if assessment.questionnaire.key == SUITABILITY_KEY:
        return "suitability answers"
    return f"{assessment.questionnaire.title} answers"


@transaction.atomic
def answers_save(*, assessment: Assessment, questionnaire: Questionnaire, raw: dict[str, Any], by: User) -> SaveOutcome:
    """Save the answers given, each on its own: one bad answer does not stop the others.

    A blank answer clears a stored one. Keys not in the questionnaire are refused by name.
    An answer to a question that the other answers now hide is kept while the assessment is
    edited: it does not count (the engine, the conflict facts, the stakeholder requirements and
    the report inputs read only the answers that count), and a person who changes an answer and
    changes it back, or an upgrade that asks a question again, gets the follow-up answers back
    instead of typing them again. Completing the assessment drops them (assessment_complete).
    """
    if not assessment.is_editable:
        raise AssessmentError("This assessment is completed; start a new round to change answers.")
    saved: dict[str, Any] = {}
    errors: dict[str, str] = {}
    before = dict(
        Answer.objects.filter(assessment=assessment, question_key__in=list(raw)).values_list("question_key", "value")
    )
    for key, value in raw.items():
        if not questionnaire.has_question(key):
            errors[key] = f"{key}: no such question in this questionnaire"
            continue
        try:
            clean = validate_answer(questionnaire.question(key), value)
        except AnswerError as exc:
            errors[key] = exc.message
            continue
        if clean is None:
            Answer.objects.filter(assessment=assessment, question_key=key).delete()
        else:
            Answer.objects.update_or_create(
                assessment=assessment, question_key=key, defaults={"value": clean, "answered_by": by}
            )
        saved[key] = clean
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())
    if saved:
        proposal_inputs_changed(proposal_id=assessment.proposal_id)
        audit_record(
            organisation=assessment.organisation,
            proposal=assessment.proposal,
            obj=assessment,
            object_type=answers_kind(assessment),
            action="answers.saved",
            actor=by,
            actor_label="" if by else "a stakeholder, through their link",
            before={k: before.get(k) for k in saved},
            after=saved,
        )
    return SaveOutcome(saved=saved, errors=errors)


class AnswersRejected(Exception):
    """Some answers were refused; none was saved."""

    def __init__(self, errors: list[AnswerError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def answers_check(*, questionnaire: Questionnaire, raw: dict[str, Any]) -> tuple[dict[str, Any], list[AnswerError]]:
    """Every answer checked, not just up to the first bad one: (canonical answers, errors).

    Blank answers are left out of the canonical answers, as `validate_answers` does.
    """
    cleaned: dict[str, Any] = {}
    errors: list[AnswerError] = []
    for key, value in raw.items():
        try:
            cleaned.update(validate_answers(questionnaire, {key: value}))
        except AnswerError as exc:
            errors.append(exc)
    return cleaned, errors


def assessment_move_to(*, assessment: Assessment, section_key: str) -> None:
    if assessment.current_section != section_key:
        Assessment.objects.filter(pk=assessment.pk).update(current_section=section_key)
        assessment.current_section = section_key


def answers_copy(
    *,
    source: Assessment,
    target: Assessment,
    questionnaire: Questionnaire,
    by: User,
    reask: frozenset[str] | set[str] = frozenset(),
) -> tuple[list[str], list[str]]:
    """Carry answers over by question key; those to ask again or that no longer fit are dropped.

    An answer to a question the carried answers hide is carried too: asking a question again (an
    upgrade) hides its follow-ups until it is answered, and their answers must be there then.
    """
    dropped = []
    carried: dict[str, Any] = {}
    for key, value in answers_of(source).items():
        if key in reask or not questionnaire.has_question(key):
            dropped.append(key)
            continue
        try:
            clean = validate_answer(questionnaire.question(key), value)
        except AnswerError:
            dropped.append(key)
            continue
        if clean is not None:
            carried[key] = clean
    Answer.objects.bulk_create(
        Answer(assessment=target, question_key=key, value=value, answered_by=by) for key, value in carried.items()
    )
    return list(carried), dropped


def _question_signature(question: dict[str, Any]) -> dict[str, Any]:
    # What makes an earlier answer mean something else: the wording and the allowed answers.
    return {k: question.get(k) for k in ("type", "text", "options", "min", "max", "unit", "allow_unknown")}


def questionnaire_diff(old: QuestionnaireVersion, new: QuestionnaireVersion) -> dict[str, list[str]]:
    def by_key(definition: dict) -> dict[str, dict]:
        return {q["key"]: q for s in definition.get("sections", []) for q in s.get("questions", [])}

    before, after = by_key(old.definition), by_key(new.definition)
    changed = [k for k in after if k in before and _question_signature(after[k]) != _question_signature(before[k])]
    return {
        "added": [k for k in after if k not in before],
        "removed": [k for k in before if k not in after],
        "changed": changed,
    }
