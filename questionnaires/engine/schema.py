"""Questionnaire definitions: frozen dataclasses and a strict loader for the YAML data.

A questionnaire is data (``questionnaires/definitions/*.yaml``): sections of questions, the
criteria that turn answers into points, the blockers that rule ML out, and the rules that
produce caveats and next steps. ``load_questionnaire`` checks every reference when the file is
loaded, so a typo in a question key fails loudly here rather than silently scoring 0 later.

Answers are plain Python values, one per question key:

==================  ==========================================================
question type       answer value
==================  ==========================================================
``single_choice``   the option's ``value`` (``str``)
``multiple_choice`` ``list[str]`` of option values, in the options' order
``yes_no``          ``"yes"`` or ``"no"``
``number``          ``int`` when the question says ``integer: true``, else ``float``
``scale``           ``int`` from 1 to 5
``short_text``      ``str``
``long_text``       ``str``
==================  ==========================================================

Any question with ``allow_unknown: true`` also accepts the string ``"unknown"`` ("don't know").
A missing key or ``None`` means the question has not been answered.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from domain.vocabulary import VERDICTS
from domain.yamlcheck import as_list, as_mapping, as_version, check_keys, is_number

QUESTIONNAIRES_DIR = Path(__file__).resolve().parent.parent / "definitions"
ML_SUITABILITY_PATH = QUESTIONNAIRES_DIR / "ml_suitability.yaml"

UNKNOWN = "unknown"

SINGLE_CHOICE = "single_choice"
MULTIPLE_CHOICE = "multiple_choice"
YES_NO = "yes_no"
NUMBER = "number"
SCALE = "scale"
SHORT_TEXT = "short_text"
LONG_TEXT = "long_text"
QUESTION_TYPES = (SINGLE_CHOICE, MULTIPLE_CHOICE, YES_NO, NUMBER, SCALE, SHORT_TEXT, LONG_TEXT)
CHOICE_TYPES = frozenset({SINGLE_CHOICE, MULTIPLE_CHOICE})
TEXT_TYPES = frozenset({SHORT_TEXT, LONG_TEXT})
YES_NO_VALUES = ("yes", "no")
SCALE_VALUES = (1, 2, 3, 4, 5)
DEFAULT_MAX_LENGTH = {SHORT_TEXT: 200, LONG_TEXT: 5000}

# Which question types each operator can be applied to: comparing a free text with `equals`
# or a yes/no answer with `gte` is always a mistake in the data, so the loader refuses it.
_DISCRETE = frozenset({SINGLE_CHOICE, YES_NO, SCALE})
OPERATORS: Mapping[str, frozenset[str]] = {
    # A multiple-choice or number answer is compared only with "unknown" (the whole answer is then
    # that word): use `contains`, `gte` or `lte` for the rest.
    "equals": _DISCRETE | {MULTIPLE_CHOICE, NUMBER},
    "not_equals": _DISCRETE | {MULTIPLE_CHOICE, NUMBER},
    "in": _DISCRETE,
    "not_in": _DISCRETE,
    "gte": frozenset({NUMBER, SCALE}),
    "lte": frozenset({NUMBER, SCALE}),
    "answered": frozenset(QUESTION_TYPES),
    "contains": frozenset({MULTIPLE_CHOICE}),
}
# Types whose answers a criterion signal can turn into points.
SCORABLE_TYPES = frozenset({SINGLE_CHOICE, YES_NO, SCALE, NUMBER})

STATUSES = ("met", "partly_met", "not_met", "unknown")

NOT_ANSWERED_DISPLAY = "not answered"
UNKNOWN_DISPLAY = "don't know"


def format_number(value: float) -> str:
    """12000 -> '12,000'; 2.5 -> '2.5' (no trailing zeros, so shown figures match the input)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Compare:
    """A leaf condition: ``{question: KEY, op: OP, value: ...}``."""

    question: str
    op: str
    # A normalised answer value, a tuple of them for in/not_in, a number for gte/lte,
    # a bool for `answered`.
    value: object


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


Condition = Compare | AllOf | AnyOf


def condition_questions(condition: Condition) -> frozenset[str]:
    """Every question key a condition reads."""
    if isinstance(condition, Compare):
        return frozenset({condition.question})
    return frozenset().union(*(condition_questions(c) for c in condition.conditions))


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    text: str
    section: str
    help: str = ""
    required: bool = True
    allow_unknown: bool = False
    options: tuple[Option, ...] = ()
    unit: str = ""
    min: float | None = None
    max: float | None = None
    integer: bool = False
    max_length: int | None = None
    scale_labels: Mapping[int, str] = field(default_factory=dict)
    show_if: Condition | None = None
    # Who finds out what, when the answer is "don't know": it becomes a named next step rather
    # than a guess (docs/methodology.md §5.3). The suitability questionnaire's test holds every
    # question that allows "don't know" to one.
    if_unknown: str = ""

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return value

    def display(self, value: object, *, with_unit: bool = True) -> str:
        """The answer in words, as a person reads it in a finding or a next step."""
        if value is None:
            return NOT_ANSWERED_DISPLAY
        if value == UNKNOWN:
            return UNKNOWN_DISPLAY
        if self.type == SINGLE_CHOICE:
            return self.option_label(str(value))
        if self.type == MULTIPLE_CHOICE:
            return ", ".join(self.option_label(v) for v in value)  # type: ignore[attr-defined]
        if self.type == NUMBER:
            text = format_number(value)  # type: ignore[arg-type]
            return f"{text} {self.unit}" if with_unit and self.unit else text
        if self.type == SCALE:
            label = self.scale_labels.get(value)  # type: ignore[call-overload]
            return f"{value} of 5 ({label})" if label else f"{value} of 5"
        return str(value)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Band:
    """Points for a number answer at or above ``gte``; the last band (no ``gte``) catches the rest."""

    points: float
    gte: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class Signal:
    """One answer's contribution to a criterion, in points from 0 to 1."""

    question: str
    points: Mapping[object, float] = field(default_factory=dict)
    bands: tuple[Band, ...] = ()
    reasons: Mapping[object, str] = field(default_factory=dict)

    def points_for(self, value: object) -> float | None:
        """Points for an answer; None when it is unanswered or "don't know" (scored as 0)."""
        if value is None or value == UNKNOWN:
            return None
        if self.bands:
            return self.band_for(value).points  # type: ignore[arg-type]
        return self.points[value]

    def band_for(self, value: float) -> Band:
        for band in self.bands:
            if band.gte is None or value >= band.gte:
                return band
        raise AssertionError("the loader guarantees a catch-all band")

    def reason_for(self, value: object) -> str:
        if self.bands and value is not None and value != UNKNOWN:
            return self.band_for(value).reason  # type: ignore[arg-type]
        return self.reasons.get(value, "")


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: float
    source: str
    explain: Mapping[str, str]  # one plain-words sentence per status
    signals: tuple[Signal, ...]


@dataclass(frozen=True)
class Blocker:
    key: str
    label: str
    when: Condition
    reason: str  # templates: "{question_key}" is replaced by that answer in words
    next_step: str
    source: str = ""


@dataclass(frozen=True)
class Gate:
    """A production reality that caps the verdict at fit_with_caveats while ``when`` holds.

    A gate is not a weakness of the problem (the score measures that) but something research can
    ignore and production cannot: it stays open until its condition no longer holds, however high
    the score (docs/methodology.md §4).
    """

    key: str
    label: str
    when: Condition
    caveat: str  # template, like a blocker's reason
    must_be_true: str  # what has to hold before going ahead
    owner: str  # who typically owns it
    source: str = ""


@dataclass(frozen=True)
class Rule:
    """A caveat or next step shown when ``when`` holds; ``text`` is a template like a blocker's."""

    when: Condition
    text: str
    about: str = ""  # the criterion this caveat qualifies, so a reader can tie the two together


@dataclass(frozen=True)
class ScoringConfig:
    good_fit: float  # fraction of the maximum weighted score
    fit_with_caveats: float
    met: float  # criterion fraction at or above which the finding is "met"
    partly_met: float
    gate_min_weight: float  # criteria this heavy ...
    gate_statuses: tuple[str, ...]  # ... with one of these statuses keep the verdict below good_fit
    verdict_labels: Mapping[str, str]
    partly_unknown_note: str
    # Points a "don't know" earns in a criterion's mean: 0 treats it as the worst answer, which
    # pushes a careful person to guess; a half point is "no evidence either way" (§5.3).
    unknown_points: float = 0.0


# eq=False: two loads of the same file are different objects, and identity hashing lets the
# engine cache what it precomputes per loaded questionnaire.
@dataclass(frozen=True, eq=False)
class Questionnaire:
    key: str
    title: str
    version: int
    description: str
    scoring: ScoringConfig | None  # None: the questionnaire collects answers and is not scored
    sections: tuple[Section, ...]
    criteria: tuple[Criterion, ...]
    blockers: tuple[Blocker, ...]
    next_steps: tuple[Rule, ...]
    caveats: tuple[Rule, ...]
    gates: tuple[Gate, ...] = ()
    questions: tuple[Question, ...] = field(init=False, repr=False)
    _by_key: Mapping[str, Question] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        questions = tuple(q for s in self.sections for q in s.questions)
        object.__setattr__(self, "questions", questions)
        object.__setattr__(self, "_by_key", {q.key: q for q in questions})

    def question(self, key: str) -> Question:
        return self._by_key[key]

    def has_question(self, key: str) -> bool:
        return key in self._by_key


# --------------------------------------------------------------------------------------------
# Loader


def questionnaire_from_file(path: str | Path) -> Questionnaire:
    with open(path, encoding="utf-8") as fh:
        return load_questionnaire(yaml.safe_load(fh))


def load_questionnaire(data: Mapping[str, Any]) -> Questionnaire:
    """Build a Questionnaire from a parsed YAML dict, or raise ValueError naming the bad key."""
    where = "questionnaire"
    as_mapping(data, where)
    check_keys(
        data,
        where,
        required={"key", "title", "version", "sections"},
        # A questionnaire that only collects answers (the stakeholder requirements) has no scoring.
        optional={"description", "scoring", "criteria", "blockers", "gates", "next_steps", "caveats"},
    )
    version = as_version(data["version"], where)

    raw_sections = as_list(data["sections"], "sections", nonempty=True)
    all_keys = _all_question_keys(raw_sections)
    asked: dict[str, Question] = {}  # questions so far, in order: what a show_if may refer to
    sections: list[Section] = []
    for i, raw in enumerate(raw_sections):
        section = _section(raw, f"sections[{i}]", all_keys, asked)
        if any(s.key == section.key for s in sections):
            raise ValueError(f"section '{section.key}': duplicate section key")
        sections.append(section)

    criteria = _criteria(as_list(data.get("criteria", []), "criteria"), asked)
    if criteria and "scoring" not in data:
        raise ValueError(f"{where}: criteria need a 'scoring' section")
    blockers = _blockers(as_list(data.get("blockers", []), "blockers"), asked)
    gates = _gates(as_list(data.get("gates", []), "gates"), asked)
    if gates and "scoring" not in data:
        raise ValueError(f"{where}: gates need a 'scoring' section")
    return Questionnaire(
        key=_str(data, "key", where),
        title=_str(data, "title", where),
        version=version,
        description=_str(data, "description", where, required=False),
        scoring=_scoring(data["scoring"]) if "scoring" in data else None,
        sections=tuple(sections),
        criteria=criteria,
        blockers=blockers,
        next_steps=_rules(as_list(data.get("next_steps", []), "next_steps"), "next_steps", asked),
        caveats=_rules(as_list(data.get("caveats", []), "caveats"), "caveats", asked, about={c.key for c in criteria}),
        gates=gates,
    )


def _all_question_keys(raw_sections: list[Any]) -> set[str]:
    """First pass, so a show_if can tell 'no such question' from 'asked later'."""
    keys: set[str] = set()
    for i, raw_section in enumerate(raw_sections):
        as_mapping(raw_section, f"sections[{i}]")
        for j, raw in enumerate(as_list(raw_section.get("questions"), f"sections[{i}].questions", nonempty=True)):
            key = _str(as_mapping(raw, f"sections[{i}].questions[{j}]"), "key", f"sections[{i}].questions[{j}]")
            if key in keys:
                raise ValueError(f"question '{key}': duplicate question key")
            keys.add(key)
    return keys


def _section(raw: Mapping[str, Any], where: str, all_keys: set[str], asked: dict[str, Question]) -> Section:
    check_keys(raw, where, required={"key", "title", "questions"}, optional={"intro"})
    key = _str(raw, "key", where)
    questions = []
    for raw_question in raw["questions"]:
        question = _question(raw_question, key, all_keys, asked)
        asked[question.key] = question
        questions.append(question)
    return Section(
        key=key,
        title=_str(raw, "title", where),
        intro=_str(raw, "intro", where, required=False),
        questions=tuple(questions),
    )


def _question(raw: Mapping[str, Any], section: str, all_keys: set[str], asked: Mapping[str, Question]) -> Question:
    key = raw["key"]
    where = f"question '{key}'"
    check_keys(
        raw,
        where,
        required={"key", "type", "text"},
        optional={
            "help",
            "required",
            "allow_unknown",
            "options",
            "unit",
            "min",
            "max",
            "integer",
            "max_length",
            "scale_labels",
            "show_if",
            "if_unknown",
        },
    )
    qtype = raw["type"]
    if qtype not in QUESTION_TYPES:
        raise ValueError(f"{where}: 'type' must be one of {', '.join(QUESTION_TYPES)}, not {qtype!r}")
    _only_for(raw, where, qtype, "options", CHOICE_TYPES)
    _only_for(raw, where, qtype, "unit", {NUMBER})
    _only_for(raw, where, qtype, "min", {NUMBER})
    _only_for(raw, where, qtype, "max", {NUMBER})
    _only_for(raw, where, qtype, "integer", {NUMBER})
    _only_for(raw, where, qtype, "max_length", TEXT_TYPES)
    _only_for(raw, where, qtype, "scale_labels", {SCALE})

    low = _number(raw, "min", where, required=False)
    high = _number(raw, "max", where, required=False)
    if low is not None and high is not None and low >= high:
        raise ValueError(f"{where}: 'min' must be below 'max'")
    max_length = raw.get("max_length", DEFAULT_MAX_LENGTH.get(qtype))
    if qtype in TEXT_TYPES and (not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1):
        raise ValueError(f"{where}: 'max_length' must be a positive whole number")

    show_if = None
    if "show_if" in raw:
        show_if = _condition(raw["show_if"], f"{where}: show_if", asked, later=all_keys)
    return Question(
        key=key,
        type=qtype,
        text=_str(raw, "text", where),
        section=section,
        help=_str(raw, "help", where, required=False),
        required=_bool(raw, "required", where, default=True),
        allow_unknown=_bool(raw, "allow_unknown", where, default=False),
        options=_options(raw, where) if qtype in CHOICE_TYPES else (),
        unit=_str(raw, "unit", where, required=False),
        min=low,
        max=high,
        integer=_bool(raw, "integer", where, default=False),
        max_length=max_length if qtype in TEXT_TYPES else None,
        scale_labels=_scale_labels(raw, where) if qtype == SCALE else {},
        show_if=show_if,
        if_unknown=_str(raw, "if_unknown", where, required=False),
    )


def _options(raw: Mapping[str, Any], where: str) -> tuple[Option, ...]:
    options: list[Option] = []
    if "options" not in raw:
        raise ValueError(f"{where}: missing key 'options'")
    for i, raw_option in enumerate(as_list(raw["options"], f"{where}: options", nonempty=True)):
        at = f"{where}: options[{i}]"
        check_keys(as_mapping(raw_option, at), at, required={"value", "label"}, optional=set())
        value = raw_option["value"]
        if not isinstance(value, str) or not value:
            # YAML reads a bare yes/no/on/off as a boolean; the message says how to fix it.
            raise ValueError(f"{at}: 'value' must be a non-empty string (quote values like \"no\" in YAML)")
        if value == UNKNOWN:
            raise ValueError(f"{at}: 'unknown' is reserved for \"don't know\"; use allow_unknown")
        if any(o.value == value for o in options):
            raise ValueError(f"{at}: duplicate option value {value!r}")
        options.append(Option(value=value, label=_str(raw_option, "label", at)))
    return tuple(options)


def _scale_labels(raw: Mapping[str, Any], where: str) -> dict[int, str]:
    labels = as_mapping(raw.get("scale_labels", {}), f"{where}: scale_labels")
    result: dict[int, str] = {}
    for point, label in labels.items():
        # A questionnaire stored in the database went through JSON, which makes the keys strings.
        if isinstance(point, str) and point.isdigit():
            point = int(point)
        if point not in SCALE_VALUES or isinstance(point, bool) or not isinstance(label, str):
            raise ValueError(f"{where}: scale_labels keys must be 1 to 5 and labels strings, got {point!r}")
        result[point] = label
    return result


def _literal(question: Question, raw: object, where: str) -> object:
    """Normalise a literal answer written in the YAML (a condition value, a points key)."""
    if raw == UNKNOWN:
        if not question.allow_unknown:
            raise ValueError(f"{where}: question '{question.key}' does not allow 'unknown'")
        return UNKNOWN
    if question.type == YES_NO:
        # PyYAML reads a bare yes/no as True/False; accept both spellings.
        value = {True: "yes", False: "no"}.get(raw, raw) if isinstance(raw, bool) else raw
        if value in YES_NO_VALUES:
            return value
        raise ValueError(f"{where}: {raw!r} is not an answer to yes/no question '{question.key}'")
    if question.type in CHOICE_TYPES:
        if any(o.value == raw for o in question.options):
            return raw
        raise ValueError(f"{where}: {raw!r} is not an option of question '{question.key}'")
    if question.type == SCALE:
        # Points keyed by scale value come back from JSON storage as strings ("3").
        if isinstance(raw, str) and raw.isdigit():
            raw = int(raw)
        if raw in SCALE_VALUES and not isinstance(raw, bool):
            return raw
        raise ValueError(f"{where}: {raw!r} is not a point (1 to 5) of scale question '{question.key}'")
    raise ValueError(f"{where}: question '{question.key}' ({question.type}) cannot be compared to a fixed answer")


def _condition(raw: object, where: str, questions: Mapping[str, Question], later: set[str]) -> Condition:
    """Parse a condition; ``questions`` are those it may refer to, ``later`` the rest of the keys."""
    node = as_mapping(raw, where)
    if "all" in node or "any" in node:
        if len(node) != 1:
            raise ValueError(f"{where}: 'all'/'any' must be the only key of its condition")
        group = "all" if "all" in node else "any"
        items = as_list(node[group], f"{where}.{group}", nonempty=True)
        parsed = tuple(_condition(c, f"{where}.{group}[{i}]", questions, later) for i, c in enumerate(items))
        return AllOf(parsed) if group == "all" else AnyOf(parsed)

    check_keys(node, where, required={"question", "op"}, optional={"value"})
    key = node["question"]
    if key not in questions:
        if key in later:
            raise ValueError(f"{where}: question '{key}' is asked later; a condition may only use earlier questions")
        raise ValueError(f"{where}: unknown question '{key}'")
    question = questions[key]
    op = node["op"]
    if op not in OPERATORS:
        raise ValueError(f"{where}: unknown op {op!r} (use one of {', '.join(OPERATORS)})")
    if question.type not in OPERATORS[op]:
        raise ValueError(f"{where}: op '{op}' does not apply to {question.type} question '{key}'")

    if op == "answered":
        value = node.get("value", True)
        if not isinstance(value, bool):
            raise ValueError(f"{where}: 'answered' takes value true or false")
        return Compare(key, op, value)
    if "value" not in node:
        raise ValueError(f"{where}: op '{op}' needs a 'value'")
    raw_value = node["value"]
    if op in ("in", "not_in"):
        values = as_list(raw_value, f"{where}.value", nonempty=True)
        return Compare(key, op, tuple(_literal(question, v, f"{where}.value") for v in values))
    if op in ("gte", "lte"):
        if not is_number(raw_value):
            raise ValueError(f"{where}: op '{op}' needs a number as 'value'")
        return Compare(key, op, raw_value)
    if op == "contains":
        if not any(o.value == raw_value for o in question.options):
            raise ValueError(f"{where}: {raw_value!r} is not an option of question '{key}'")
        return Compare(key, op, raw_value)
    literal = _literal(question, raw_value, where)
    if question.type == MULTIPLE_CHOICE and literal != UNKNOWN:
        raise ValueError(f"{where}: a multiple-choice answer is a list; use 'contains', or compare with 'unknown'")
    return Compare(key, op, literal)


def _criteria(raw_list: list[Any], questions: Mapping[str, Question]) -> tuple[Criterion, ...]:
    criteria: list[Criterion] = []
    for i, raw in enumerate(raw_list):
        where = f"criteria[{i}]"
        check_keys(
            as_mapping(raw, where),
            where,
            required={"key", "label", "weight", "explain", "signals"},
            optional={"source"},
        )
        key = _str(raw, "key", where)
        where = f"criterion '{key}'"
        if any(c.key == key for c in criteria):
            raise ValueError(f"{where}: duplicate criterion key")
        weight = _number(raw, "weight", where)
        if weight is None or weight <= 0:
            raise ValueError(f"{where}: 'weight' must be a number above 0")
        explain = as_mapping(raw["explain"], f"{where}: explain")
        check_keys(explain, f"{where}: explain", required=set(STATUSES), optional=set())
        for status in STATUSES:
            _str(explain, status, f"{where}: explain")
        signals = tuple(
            _signal(s, f"{where}: signals[{j}]", questions)
            for j, s in enumerate(as_list(raw["signals"], f"{where}: signals", nonempty=True))
        )
        criteria.append(
            Criterion(
                key=key,
                label=_str(raw, "label", where),
                weight=float(weight),
                source=_str(raw, "source", where, required=False),
                explain=dict(explain),
                signals=signals,
            )
        )
    return tuple(criteria)


def _signal(raw: object, where: str, questions: Mapping[str, Question]) -> Signal:
    node = as_mapping(raw, where)
    check_keys(node, where, required={"question"}, optional={"points", "bands", "reasons"})
    key = node["question"]
    if key not in questions:
        raise ValueError(f"{where}: unknown question '{key}'")
    question = questions[key]
    if question.type not in SCORABLE_TYPES:
        raise ValueError(f"{where}: {question.type} question '{key}' cannot be scored; use it in a rule instead")

    # Numbers score by bands (each band carries its own reason); the other types by points per answer.
    if question.type == NUMBER:
        check_keys(node, where, required={"question", "bands"}, optional=set())
        return Signal(question=key, bands=_bands(node["bands"], where))

    check_keys(node, where, required={"question", "points"}, optional={"reasons"})
    points: dict[object, float] = {}
    for raw_key, raw_points in as_mapping(node["points"], f"{where}: points").items():
        answer = _literal(question, raw_key, f"{where}: points")
        if answer == UNKNOWN:
            raise ValueError(f"{where}: points: 'unknown' always scores 0 and cannot be given points")
        points[answer] = _points(raw_points, f"{where}: points[{raw_key!r}]")
    expected = _answer_space(question)
    missing = [v for v in expected if v not in points]
    if missing:
        raise ValueError(f"{where}: points for question '{key}' miss answers {missing!r}")
    reasons = {
        _literal(question, raw_key, f"{where}: reasons"): text
        for raw_key, text in as_mapping(node.get("reasons", {}), f"{where}: reasons").items()
    }
    if not all(isinstance(text, str) and text for text in reasons.values()):
        raise ValueError(f"{where}: reasons must be non-empty strings")
    return Signal(question=key, points=points, reasons=reasons)


def _answer_space(question: Question) -> tuple[object, ...]:
    if question.type == YES_NO:
        return YES_NO_VALUES
    if question.type == SCALE:
        return SCALE_VALUES
    return tuple(o.value for o in question.options)


def _bands(raw: object, where: str) -> tuple[Band, ...]:
    bands: list[Band] = []
    items = as_list(raw, f"{where}: bands", nonempty=True)
    for i, raw_band in enumerate(items):
        at = f"{where}: bands[{i}]"
        check_keys(as_mapping(raw_band, at), at, required={"points"}, optional={"gte", "reason"})
        gte = _number(raw_band, "gte", at, required=False)
        is_last = i == len(items) - 1
        if is_last != (gte is None):
            raise ValueError(f"{at}: every band but the last needs 'gte'; the last (catch-all) band must not have it")
        if gte is not None and bands and bands[-1].gte is not None and gte >= bands[-1].gte:
            raise ValueError(f"{at}: bands must be listed from the highest 'gte' down")
        bands.append(
            Band(points=_points(raw_band["points"], at), gte=gte, reason=_str(raw_band, "reason", at, required=False))
        )
    return tuple(bands)


def _keyed(
    raw_list: list[Any], name: str, noun: str, *, required: set[str], optional: set[str]
) -> list[tuple[Mapping[str, Any], str, str]]:
    """Each item of a list of keyed entries (blockers, gates) checked for its fields and for a key
    used once, with its key and the `where` its errors name."""
    items: list[tuple[Mapping[str, Any], str, str]] = []
    for i, raw in enumerate(raw_list):
        where = f"{name}[{i}]"
        check_keys(as_mapping(raw, where), where, required={"key", *required}, optional=optional)
        key = _str(raw, "key", where)
        where = f"{noun} '{key}'"
        if any(k == key for _, k, _ in items):
            raise ValueError(f"{where}: duplicate {noun} key")
        items.append((raw, key, where))
    return items


def _blockers(raw_list: list[Any], questions: Mapping[str, Question]) -> tuple[Blocker, ...]:
    return tuple(
        Blocker(
            key=key,
            label=_str(raw, "label", where),
            when=_condition(raw["when"], f"{where}: when", questions, later=set()),
            reason=_template(raw, "reason", where, questions),
            next_step=_template(raw, "next_step", where, questions),
            source=_str(raw, "source", where, required=False),
        )
        for raw, key, where in _keyed(
            raw_list, "blockers", "blocker", required={"label", "when", "reason", "next_step"}, optional={"source"}
        )
    )


def _gates(raw_list: list[Any], questions: Mapping[str, Question]) -> tuple[Gate, ...]:
    required = {"label", "when", "caveat", "must_be_true", "owner", "source"}
    return tuple(
        Gate(
            key=key,
            label=_str(raw, "label", where),
            when=_condition(raw["when"], f"{where}: when", questions, later=set()),
            caveat=_template(raw, "caveat", where, questions),
            must_be_true=_str(raw, "must_be_true", where),
            owner=_str(raw, "owner", where),
            source=_str(raw, "source", where),
        )
        for raw, key, where in _keyed(raw_list, "gates", "gate", required=required, optional=set())
    )


def _rules(
    raw_list: list[Any], name: str, questions: Mapping[str, Question], *, about: set[str] | None = None
) -> tuple[Rule, ...]:
    """Caveats or next steps; a caveat may say which criterion it qualifies (one of ``about``)."""
    rules = []
    for i, raw in enumerate(raw_list):
        where = f"{name}[{i}]"
        check_keys(as_mapping(raw, where), where, required={"when", "text"}, optional={"about"} if about else set())
        qualified = _str(raw, "about", where, required=False)
        if qualified and qualified not in (about or set()):
            raise ValueError(f"{where}: 'about' names no criterion: {qualified!r}")
        rules.append(
            Rule(
                when=_condition(raw["when"], f"{where}: when", questions, later=set()),
                text=_template(raw, "text", where, questions),
                about=qualified,
            )
        )
    return tuple(rules)


def _template(raw: Mapping[str, Any], key: str, where: str, questions: Mapping[str, Question]) -> str:
    """A text whose ``{question_key}`` fields are filled with answers in words."""
    text = _str(raw, key, where)
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"{where}: '{key}' is not a valid template: {exc}") from None
    for _literal_text, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in questions:
            raise ValueError(f"{where}: '{key}' refers to unknown question '{{{name}}}'")
        if spec or conversion:
            raise ValueError(f"{where}: '{key}' field '{{{name}}}' takes no format spec")
    return text


def _scoring(raw: object) -> ScoringConfig:
    where = "scoring"
    node = as_mapping(raw, where)
    check_keys(
        node,
        where,
        required={"thresholds", "finding_levels", "good_fit_gate", "verdict_labels", "partly_unknown_note"},
        optional={"unknown_points"},
    )
    thresholds = as_mapping(node["thresholds"], "scoring.thresholds")
    check_keys(thresholds, "scoring.thresholds", required={"good_fit", "fit_with_caveats"}, optional=set())
    levels = as_mapping(node["finding_levels"], "scoring.finding_levels")
    check_keys(levels, "scoring.finding_levels", required={"met", "partly_met"}, optional=set())
    good = _points(thresholds["good_fit"], "scoring.thresholds.good_fit")
    caveats = _points(thresholds["fit_with_caveats"], "scoring.thresholds.fit_with_caveats")
    if not 0 < caveats < good:
        raise ValueError("scoring.thresholds: need 0 < fit_with_caveats < good_fit <= 1")
    met = _points(levels["met"], "scoring.finding_levels.met")
    partly = _points(levels["partly_met"], "scoring.finding_levels.partly_met")
    if not 0 < partly < met:
        raise ValueError("scoring.finding_levels: need 0 < partly_met < met <= 1")

    gate = as_mapping(node["good_fit_gate"], "scoring.good_fit_gate")
    check_keys(gate, "scoring.good_fit_gate", required={"min_weight", "statuses"}, optional=set())
    min_weight = _number(gate, "min_weight", "scoring.good_fit_gate")
    statuses = tuple(as_list(gate["statuses"], "scoring.good_fit_gate.statuses"))
    if any(s not in STATUSES for s in statuses):
        raise ValueError(f"scoring.good_fit_gate.statuses: each must be one of {', '.join(STATUSES)}")

    labels = as_mapping(node["verdict_labels"], "scoring.verdict_labels")
    check_keys(labels, "scoring.verdict_labels", required=set(VERDICTS), optional=set())
    return ScoringConfig(
        good_fit=good,
        fit_with_caveats=caveats,
        met=met,
        partly_met=partly,
        gate_min_weight=min_weight,  # type: ignore[arg-type]
        gate_statuses=statuses,
        verdict_labels={v: _str(labels, v, "scoring.verdict_labels") for v in VERDICTS},
        partly_unknown_note=_str(node, "partly_unknown_note", where),
        unknown_points=_points(node["unknown_points"], "scoring.unknown_points") if "unknown_points" in node else 0.0,
    )


# --------------------------------------------------------------------------------------------
# Small typed readers: each error names where it happened and which key was wrong.


def _only_for(raw: Mapping[str, Any], where: str, qtype: str, key: str, types: set[str] | frozenset[str]) -> None:
    if key in raw and qtype not in types:
        raise ValueError(f"{where}: '{key}' does not apply to a {qtype} question")


def _str(node: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    if key not in node:
        if required:
            raise ValueError(f"{where}: missing key '{key}'")
        return ""
    value = node[key]
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"{where}: '{key}' must be a non-empty string")
    return value


def _bool(node: Mapping[str, Any], key: str, where: str, *, default: bool) -> bool:
    value = node.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: '{key}' must be true or false")
    return value


def _number(node: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> float | None:
    if key not in node:
        if required:
            raise ValueError(f"{where}: missing key '{key}'")
        return None
    value = node[key]
    if not is_number(value):
        raise ValueError(f"{where}: '{key}' must be a number")
    return value


def _points(value: object, where: str) -> float:
    if not is_number(value) or not 0 <= value <= 1:  # type: ignore[operator]
        raise ValueError(f"{where}: must be a number from 0 to 1")
    return float(value)  # type: ignore[arg-type]
