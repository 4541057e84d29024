"""The suitability assessment: start, answer, complete and upgrade; the engine does the judging."""

from dataclasses import asdict
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from projects.models import Proposal
from projects.services import proposal_set_suitability
from questionnaires.engine import AnswerError, Questionnaire, effective_answers, missing_required
from questionnaires.engine.schema import UNKNOWN
from questionnaires.models import Answer, Assessment, AssessmentStatus, QuestionnaireVersion
from questionnaires.services import (
    AnswersRejected,
    AssessmentError,
    answers_check,
    answers_copy,
    answers_kind,
    answers_of,
    answers_save,
    answers_that_count,
    proposal_assessment_latest,
    questionnaire_diff,
)
from questionnaires.versions import SUITABILITY_KEY, engine_questionnaire, latest_version
from stakeholders.services import conflicts_refresh
from suitability.engine import evaluate, what_if
from webhooks.events import emit_assessment_completed

# Suitability answers the conflict detector reads (stakeholders.conflicts.SuitabilityFacts), in
# its vocabulary: labels are "yes", "some", "can_label", "no" or "unknown"; the stakes of a
# prediction about people (protected groups, the cost of a wrong prediction, personal data) as
# the questionnaire records them (docs/methodology.md §7.10).
CONFLICT_FACTS = (
    "labels_available",
    "labelled_examples",
    "pattern_change",
    "has_data",
    "affects_people",
    "protected_groups",
    "error_cost",
    "personal_data",
    # What the approach profiles are conditioned on (docs/methodology.md §7.12).
    "task_family",
    "rule_complexity",
)


# Answers quoted as given (docs/methodology.md §7.11): "people could label a sample" is not "no
# labels", or the explanations would call labelling impractical.
_LABELS_AS_FACT = {"all": "yes", "some": "some", "can_label": "can_label", "no": "no"}


def _conflict_facts(answers: dict[str, Any]) -> dict[str, Any]:
    facts = {key: answers[key] for key in CONFLICT_FACTS if key in answers}
    if "labels_available" in facts:
        facts["labels_available"] = _LABELS_AS_FACT.get(facts["labels_available"], "unknown")
    if "protected_groups" in facts and not isinstance(facts["protected_groups"], list):
        # "Don't know" is one answer, not a list of groups: the detector reads a list.
        facts["protected_groups"] = [facts["protected_groups"]]
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


def assessment_latest(*, proposal: Proposal) -> Assessment | None:
    """The proposal's newest suitability assessment."""
    return proposal_assessment_latest(proposal=proposal, key=SUITABILITY_KEY)


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
        answers_copy(source=current, target=assessment, questionnaire=questionnaire, by=by)
    return assessment


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
    hidden = sorted(answers.keys() - answers_that_count(questionnaire, answers).keys())
    if hidden:
        Answer.objects.filter(assessment=assessment, question_key__in=hidden).delete()
        audit_record(
            organisation=assessment.organisation,
            proposal=assessment.proposal,
            obj=assessment,
            object_type=answers_kind(assessment),
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
    emit_assessment_completed(assessment=assessment)
    # The conflict detector weighs some suitability answers (e.g. retraining needs fresh labels).
    conflicts_refresh(proposal=assessment.proposal, by=by)
    return assessment


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
    kept, dropped = answers_copy(
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
