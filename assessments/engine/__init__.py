"""The questionnaire and suitability engines: plain Python, no Django (see suitability.py)."""

from .conditions import effective_answers, holds, visible_questions
from .schema import ML_SUITABILITY_PATH, Questionnaire, load_questionnaire, questionnaire_from_file
from .suitability import SuitabilityResult, WhatIf, evaluate, what_if
from .validation import AnswerError, missing_required, validate_answer, validate_answers

__all__ = [
    "ML_SUITABILITY_PATH",
    "AnswerError",
    "Questionnaire",
    "SuitabilityResult",
    "WhatIf",
    "effective_answers",
    "evaluate",
    "holds",
    "load_questionnaire",
    "missing_required",
    "questionnaire_from_file",
    "validate_answer",
    "validate_answers",
    "visible_questions",
    "what_if",
]
