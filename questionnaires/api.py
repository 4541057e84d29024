"""The published questionnaires over the JSON API: what a client must know to put answers.

A questionnaire is the same for every organisation (published versions, questionnaires.versions),
so any token may read it; only the current version is shown, the one new answers are checked
against (suitability.api's put answers names a question by its key here).
"""

from typing import Any, Literal

from django.db.models import Max
from django.http import HttpRequest
from ninja import Field, Router, Schema

from accounts.api_problems import ApiProblem, problems, refuse_unknown_query
from accounts.inputs import OneLine
from questionnaires.engine.schema import QUESTION_TYPES, AllOf, AnyOf, Compare, Condition, Question
from questionnaires.models import QuestionnaireVersion
from questionnaires.versions import engine_questionnaire, latest_version

router = Router(tags=["questionnaires"])


class OptionOut(Schema):
    value: str = Field(..., description="What to send as the answer.")
    label: str


class QuestionOut(Schema):
    key: str
    type: Literal[QUESTION_TYPES] = Field(  # type: ignore[valid-type]
        ..., description="How to answer: an option's value, a list of them, yes or no, a number, 1 to 5, or text."
    )
    text: str
    help: str
    required: bool
    allow_unknown: bool = Field(..., description='True: "unknown" is an answer (don\'t know).')
    options: list[OptionOut]
    unit: str
    min: float | None
    max: float | None
    integer: bool
    max_length: int | None
    scale_labels: dict[str, str] = Field(..., description="Labels of a scale's points, by point (1 to 5).")
    show_if: dict[str, Any] | None = Field(
        ...,
        description=(
            "Asked only when this holds: {question, op, value}, or {all: [...]} / {any: [...]} of them;"
            " answers to a question not asked do not count."
        ),
    )


class SectionOut(Schema):
    key: str
    title: str
    intro: str
    questions: list[QuestionOut]


class QuestionnaireOut(Schema):
    key: str
    title: str
    version: int
    description: str
    sections: list[SectionOut]


class QuestionnaireSummaryOut(Schema):
    key: str
    title: str
    version: int = Field(..., description="The current version.")


def condition_out(condition: Condition | None) -> dict[str, Any] | None:
    """A condition as the definitions spell it (questionnaires/definitions/*.yaml)."""
    if condition is None:
        return None
    if isinstance(condition, Compare):
        value = list(condition.value) if isinstance(condition.value, tuple) else condition.value
        return {"question": condition.question, "op": condition.op, "value": value}
    group = "all" if isinstance(condition, AllOf) else "any"
    assert isinstance(condition, AllOf | AnyOf)
    return {group: [condition_out(c) for c in condition.conditions]}


def _question_out(question: Question) -> dict[str, Any]:
    return {
        "key": question.key,
        "type": question.type,
        "text": question.text,
        "help": question.help,
        "required": question.required,
        "allow_unknown": question.allow_unknown,
        "options": [{"value": o.value, "label": o.label} for o in question.options],
        "unit": question.unit,
        "min": question.min,
        "max": question.max,
        "integer": question.integer,
        "max_length": question.max_length,
        "scale_labels": {str(point): label for point, label in question.scale_labels.items()},
        "show_if": condition_out(question.show_if),
    }


@router.get("/questionnaires", response={200: list[QuestionnaireSummaryOut], **problems()})
def list_questionnaires(request: HttpRequest):
    refuse_unknown_query(request)
    newest = QuestionnaireVersion.objects.values("key").annotate(newest=Max("version"))
    current = {(row["key"], row["newest"]) for row in newest}
    versions = QuestionnaireVersion.objects.filter(key__in={key for key, _ in current}).order_by("key")
    return [{"key": v.key, "title": v.title, "version": v.version} for v in versions if (v.key, v.version) in current]


@router.get("/questionnaires/{key}", response={200: QuestionnaireOut, **problems(404, 422)})
def get_questionnaire(request: HttpRequest, key: OneLine):
    version = latest_version(key[:60])
    if version is None:
        raise ApiProblem(404, f"There is no questionnaire {key[:60]!r}; GET /api/questionnaires lists them.")
    questionnaire = engine_questionnaire(version)
    return {
        "key": questionnaire.key,
        "title": questionnaire.title,
        "version": version.version,
        "description": questionnaire.description,
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "intro": section.intro,
                "questions": [_question_out(q) for q in section.questions],
            }
            for section in questionnaire.sections
        ],
    }
