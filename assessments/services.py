"""Assessments: start, answer, complete and upgrade; the engine does the judging."""

from dataclasses import asdict, dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from assessments.engine import (
    AnswerError,
    Questionnaire,
    effective_answers,
    evaluate,
    missing_required,
    validate_answer,
    validate_answers,
    visible_questions,
    what_if,
)
from assessments.engine.schema import UNKNOWN, Question, Section
from assessments.models import Answer, Assessment, AssessmentStatus, QuestionnaireVersion
from assessments.questionnaires_db import SUITABILITY_KEY, engine_questionnaire, latest_version
from assessments.stakeholder_requirements import STAKEHOLDER_KEY, requirements_from_answers
from projects.audit import audit_record
from projects.models import Proposal
from projects.services import proposal_inputs_changed, proposal_set_suitability
from stakeholders.models import Stakeholder
from stakeholders.services import conflicts_refresh, requirements_replace

# Suitability answers the conflict detector reads (stakeholders.conflicts.SuitabilityFacts), in
# its vocabulary: labels are "yes", "some", "no" or "unknown".
CONFLICT_FACTS = ("labels_available", "labelled_examples", "pattern_change", "has_data", "affects_people")
_LABELS_AS_FACT = {"all": "yes", "some": "some", "can_label": "no", "no": "no"}


def _conflict_facts(answers: dict[str, Any]) -> dict[str, Any]:
    facts = {key: answers[key] for key in CONFLICT_FACTS if key in answers}
    if "labels_available" in facts:
        facts["labels_available"] = _LABELS_AS_FACT.get(facts["labels_available"], "unknown")
    if facts.get("labelled_examples") == UNKNOWN:
        # The detector compares the count with a minimum: "don't know" is no count at all (it
        # raised a TypeError in the detector, failing the completion of the assessment).
        del facts["labelled_examples"]
    return facts


def verdict_reasons(result: dict[str, Any]) -> dict[str, list[str]]:
    """What holds a result's verdict back, in words: its open gates, the blockers that decided it
    and the heavy criteria that kept a good score from a good fit (docs/methodology.md §5.2). Only
    the kinds there are, so a result without any gives {}."""
    labels = {f["criterion"]: f["label"] for f in result.get("findings", [])}
    found = {
        "gates": [gate["label"] for gate in result.get("gates", [])],
        "blockers": [blocker["label"] for blocker in result.get("blockers", [])],
        "held_back": [labels.get(key, key) for key in result.get("held_back_by", [])],
    }
    return {key: value for key, value in found.items() if value}


class AssessmentError(Exception):
    """An action the assessment's state does not allow; the message says why."""


def answers_of(assessment: Assessment) -> dict[str, Any]:
    return dict(assessment.answers.values_list("question_key", "value"))


def assessment_latest(*, proposal: Proposal) -> Assessment | None:
    return (
        Assessment.objects.filter(proposal=proposal, stakeholder__isnull=True)
        .exclude(status=AssessmentStatus.SUPERSEDED)
        .select_related("questionnaire")
        .defer("questionnaire__definition")
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def assessment_start(*, proposal: Proposal, by: User) -> Assessment:
    """Start the suitability assessment on the latest questionnaire, or return the open one."""
    # Lock the proposal so two first answers arriving together start one assessment, not two.
    Proposal.objects.select_for_update().filter(pk=proposal.pk).first()
    current = assessment_latest(proposal=proposal)
    if current is not None and current.is_editable:
        return current
    version = latest_version(SUITABILITY_KEY)
    if version is None:
        raise AssessmentError("No questionnaire is published yet. An admin runs `manage.py load_questionnaires`.")
    questionnaire = engine_questionnaire(version)
    assessment = Assessment.objects.create(
        organisation=proposal.organisation,
        proposal=proposal,
        questionnaire=version,
        started_by=by,
        current_section=questionnaire.sections[0].key,
    )
    if current is not None:
        # A new round after a completed one starts from the earlier answers.
        _copy_answers(source=current, target=assessment, questionnaire=questionnaire, by=by)
    return assessment


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


def _answers_counted(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers without those to questions the other answers hide. Unlike `effective_answers`,
    keys the questionnaire does not know are left as they are: this only removes hidden ones."""
    shown = effective_answers(questionnaire, answers)
    return {k: v for k, v in answers.items() if k in shown or not questionnaire.has_question(k)}


def answers_counted(assessment: Assessment) -> dict[str, Any]:
    """An assessment's stored answers that count: none to a question hidden by the others.

    While an assessment is edited its hidden answers are kept (see answers_save); completing it
    drops them, so for a completed assessment this equals `answers_of`.
    """
    return _answers_counted(engine_questionnaire(assessment.questionnaire), answers_of(assessment))


def _answers_kind(assessment: Assessment) -> str:
    """How the audit trail names an assessment's answers."""
    return "stakeholder answers" if assessment.stakeholder_id else "suitability answers"


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
            object_type=_answers_kind(assessment),
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


@transaction.atomic
def answers_put(*, proposal: Proposal, raw: dict[str, Any], by: User) -> Assessment:
    """Save a set of answers all or nothing, starting the assessment if none is open.

    The answers are checked against the questionnaire the assessment will use before anything is
    written, so a refused set leaves no trace: not even a newly started assessment.
    """
    current = assessment_latest(proposal=proposal)
    version = current.questionnaire if current is not None and current.is_editable else latest_version()
    if version is None:
        raise AssessmentError("No questionnaire is published yet. An admin runs `manage.py load_questionnaires`.")
    _, errors = answers_check(questionnaire=engine_questionnaire(version), raw=raw)
    if errors:
        raise AnswersRejected(errors)
    assessment = assessment_start(proposal=proposal, by=by)
    outcome = answers_save(
        assessment=assessment, questionnaire=engine_questionnaire(assessment.questionnaire), raw=raw, by=by
    )
    if outcome.errors:
        # Only when a new questionnaire version was published between the check and the start;
        # raising rolls the started assessment and the saved answers back.
        raise AnswersRejected([AnswerError(key, message) for key, message in outcome.errors.items()])
    return assessment


def assessment_move_to(*, assessment: Assessment, section_key: str) -> None:
    if assessment.current_section != section_key:
        Assessment.objects.filter(pk=assessment.pk).update(current_section=section_key)
        assessment.current_section = section_key


def result_to_dict(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """The engine's result and what-if list as JSON, the form stored on a completed assessment."""
    result = evaluate(questionnaire, answers)
    return {**asdict(result), "what_if": [asdict(w) for w in what_if(questionnaire, answers)]}


@transaction.atomic
def assessment_complete(*, assessment: Assessment, by: User) -> Assessment:
    """Freeze the answers' result. Refused while a shown required question is unanswered."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.is_editable:
        raise AssessmentError("This assessment is already completed.")
    questionnaire = engine_questionnaire(assessment.questionnaire)
    answers = answers_of(assessment)
    missing = missing_required(questionnaire, answers)
    if missing:
        raise AssessmentError(f"{len(missing)} required question(s) still need an answer.")
    # The answers are final now: those to questions the others hide count for nothing, and kept
    # they would reach exports, new rounds and the audit trail as if they did.
    hidden = sorted(answers.keys() - _answers_counted(questionnaire, answers).keys())
    if hidden:
        Answer.objects.filter(assessment=assessment, question_key__in=hidden).delete()
        audit_record(
            organisation=assessment.organisation,
            proposal=assessment.proposal,
            obj=assessment,
            object_type=_answers_kind(assessment),
            action="answers.hidden_dropped",
            actor=by,
            before={key: answers[key] for key in hidden},
            after=dict.fromkeys(hidden),
        )
        answers = {key: value for key, value in answers.items() if key not in hidden}
    result = result_to_dict(questionnaire, answers)
    assessment.result = result
    assessment.verdict = result["verdict"]
    assessment.score = result["score"]
    assessment.max_score = result["max_score"]
    assessment.status = AssessmentStatus.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.completed_by = by
    assessment.save()
    effective = effective_answers(questionnaire, answers)
    proposal_set_suitability(
        proposal=assessment.proposal,
        verdict=result["verdict"],
        score=result["score"],
        fraction=result["fraction"],
        blocked=bool(result["blockers"]),
        reasons=verdict_reasons(result),
        facts=_conflict_facts(effective),
    )
    audit_record(
        organisation=assessment.organisation,
        proposal=assessment.proposal,
        obj=assessment,
        action="assessment.completed",
        actor=by,
        after={"verdict": result["verdict"], "score": result["score"], "questionnaire": assessment.questionnaire_id},
        only_changes=False,
    )
    # The conflict detector weighs some suitability answers (e.g. retraining needs fresh labels).
    conflicts_refresh(proposal=assessment.proposal, by=by)
    return assessment


def _copy_answers(
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


@transaction.atomic
def assessment_upgrade(*, assessment: Assessment, by: User) -> Assessment:
    """Move to the latest questionnaire version in a new assessment; the old one stays as it was.

    Answers carry over by key, except to questions whose wording or allowed answers changed:
    those are asked again. The new assessment records what changed, for the person to see.
    """
    latest = latest_version(assessment.questionnaire.key)
    if latest is None or latest.pk == assessment.questionnaire_id:
        raise AssessmentError("This assessment already uses the latest questionnaire.")
    old = QuestionnaireVersion.objects.get(pk=assessment.questionnaire_id)
    diff = questionnaire_diff(old, latest)
    questionnaire = engine_questionnaire(latest)
    try:
        upgraded = Assessment.objects.create(
            organisation=assessment.organisation,
            proposal=assessment.proposal,
            questionnaire=latest,
            started_by=by,
            current_section=questionnaire.sections[0].key,
            upgraded_from=assessment,
        )
    except IntegrityError as exc:
        raise AssessmentError("This assessment was already upgraded.") from exc
    kept, dropped = _copy_answers(
        source=assessment, target=upgraded, questionnaire=questionnaire, by=by, reask=set(diff["changed"])
    )
    upgraded.upgrade_notes = {
        "from_version": old.version,
        "to_version": latest.version,
        **diff,
        "kept": kept,
        "dropped": dropped,
    }
    upgraded.save(update_fields=["upgrade_notes"])
    audit_record(
        organisation=assessment.organisation,
        proposal=assessment.proposal,
        obj=upgraded,
        action="assessment.upgraded",
        actor=by,
        before={"questionnaire_version": old.version},
        after={"questionnaire_version": latest.version, "asked_again": diff["changed"], "dropped": dropped},
        only_changes=False,
    )
    Assessment.objects.filter(pk=assessment.pk, status=AssessmentStatus.IN_PROGRESS).update(
        status=AssessmentStatus.SUPERSEDED
    )
    return upgraded


def live_result(assessment: Assessment) -> dict[str, Any]:
    """The stored result of a completed assessment, or the result of the answers so far."""
    if assessment.result is not None:
        return assessment.result
    questionnaire = engine_questionnaire(assessment.questionnaire)
    return result_to_dict(questionnaire, answers_of(assessment))


def stakeholder_assessment(*, stakeholder: Stakeholder, by: User | None) -> Assessment:
    """The stakeholder's requirements questionnaire, started on the latest version if need be."""
    current = (
        Assessment.objects.filter(stakeholder=stakeholder)
        .exclude(status=AssessmentStatus.SUPERSEDED)
        .select_related("questionnaire")
        .order_by("-created_at")
        .first()
    )
    if current is not None:
        return current
    version = latest_version(STAKEHOLDER_KEY)
    if version is None:
        raise AssessmentError(
            "No stakeholder questionnaire is published yet. An admin runs `manage.py load_questionnaires`."
        )
    return Assessment.objects.create(
        organisation=stakeholder.organisation,
        proposal=stakeholder.proposal,
        stakeholder=stakeholder,
        questionnaire=version,
        started_by=by or stakeholder.proposal.owner,
        current_section=engine_questionnaire(version).sections[0].key,
    )


@transaction.atomic
def stakeholder_submit(*, assessment: Assessment, by: User | None) -> list[str]:
    """Turn the answers into the stakeholder's requirements; returns missing required question keys.

    A submitted questionnaire stays editable: a stakeholder may change their mind, and each
    submission replaces their requirements and re-runs the conflict detector.
    """
    questionnaire = engine_questionnaire(assessment.questionnaire)
    answers = answers_of(assessment)
    missing = missing_required(questionnaire, answers)
    if missing:
        return [q.key for q in missing]
    requirements, objectives = requirements_from_answers(effective_answers(questionnaire, answers))
    requirements_replace(stakeholder=assessment.stakeholder, requirements=requirements, objectives=objectives, by=by)
    Assessment.objects.filter(pk=assessment.pk).update(completed_at=timezone.now(), completed_by=by)
    return []
