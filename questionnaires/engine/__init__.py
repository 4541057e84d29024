"""The questionnaire engine: plain Python, no Django. Definitions, conditions and validation,
shared by the suitability and the stakeholder questionnaires."""

from .conditions import effective_answers, holds, visible_questions
from .schema import ML_SUITABILITY_PATH, Questionnaire, load_questionnaire, questionnaire_from_file
from .validation import AnswerError, missing_required, validate_answer, validate_answers

__all__ = [
    "ML_SUITABILITY_PATH",
    "AnswerError",
    "Questionnaire",
    "effective_answers",
    "holds",
    "load_questionnaire",
    "missing_required",
    "questionnaire_from_file",
    "validate_answer",
    "validate_answers",
    "visible_questions",
]
