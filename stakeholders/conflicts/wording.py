"""The detector's words: requirements and people in plain sentences."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from domain.targets import LEVEL
from stakeholders.conflicts.model import Objective, Requirement, SuitabilityFacts
from stakeholders.conflicts.rules import ConflictRules

_NUMBER_PHRASES = {
    # dimension: (at most, at least, exactly); {v} the value, {n} the value with its unit
    "quality": ("{metric} of at most {v}", "{metric} of at least {v}", "{metric} of {v}"),
    "latency": ("p95 latency of at most {v} ms", "p95 latency of at least {v} ms", "p95 latency of {v} ms"),
    "throughput": (
        "at most {v} predictions a second",
        "at least {v} predictions a second",
        "{v} predictions a second",
    ),
    "cost": (
        "a running cost of at most {v} a month",
        "a running cost of at least {v} a month",
        "a cost of {v} a month",
    ),
    "fairness": (
        "a disparity between groups of at most {v}",
        "a disparity between groups of at least {v}",
        "a disparity between groups of {v}",
    ),
    "freshness": (
        "retraining at least every {n}",
        "model updates no more often than every {n}",
        "retraining every {n}",
    ),
    "model_size": ("a model of at most {v} MB", "a model of at least {v} MB", "a model of {v} MB"),
    "time_to_release": ("a first release within {n}", "no release before {n}", "a first release in {n}"),
}
_UNIT_NOUNS = {"freshness": "day", "time_to_release": "month"}
_LEVEL_PHRASES = {
    "none": "no explanations",
    "global": "a global explanation of the model",
    "per_prediction": "an explanation for each prediction",
}
_DEPLOYMENT_PHRASES = {
    "server": "on a server",
    "browser": "in the browser",
    "phone": "on phones",
    "device": "on the device",
}
_DIMENSION_WORDS = {
    "quality": "quality",
    "latency": "latency",
    "throughput": "throughput",
    "cost": "cost",
    "interpretability": "interpretability",
    "fairness": "fairness",
    "freshness": "freshness",
    "deployment": "deployment target",
    "model_size": "model size",
    "privacy": "data residency",
    "time_to_release": "time to release",
}


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def _metric_text(metric: str) -> str:
    if not metric:
        return "quality"
    # Short metric names are acronyms (AUC, F1, RMSE); longer ones are words (precision, log loss).
    return metric.upper() if len(metric) <= 4 else metric.replace("_", " ")


def _phrase(req: Requirement, op: str | None = None, value: float | str | tuple[str, ...] | None = None) -> str:
    """``req`` in plain words; ``op`` and ``value`` override its own (to word a relaxation)."""
    op = req.op if op is None else op
    value = req.value if value is None else value
    values = tuple(value) if isinstance(value, tuple | list) else (value,)
    return _phrase_of(req.dimension, op, values, req.metric)


# A requirement is worded once per conflict it is in, and again in the resolutions; with many
# conflicts the wording was most of detect()'s time.
@functools.lru_cache(maxsize=4096)
def _phrase_of(dimension: str, op: str, values: tuple[float | str, ...], metric: str) -> str:
    if dimension == "deployment":
        return "running " + " or ".join(_DEPLOYMENT_PHRASES.get(str(v), str(v)) for v in values)
    if dimension == "privacy":
        places = (
            "on premises" if v == "on_premises" else f"in {str(v).upper() if len(str(v)) <= 3 else v}" for v in values
        )
        return "data kept " + " or ".join(places)
    if dimension == "interpretability":
        level = min(values, key=lambda v: LEVEL.get(str(v), 0))
        words = _LEVEL_PHRASES.get(str(level), str(level))
        return f"at most {words}" if op == "<=" else words
    at_most, at_least, exactly = _NUMBER_PHRASES[dimension]
    template = at_most if op == "<=" else at_least if op == ">=" else exactly
    number = float(values[0])
    noun = _UNIT_NOUNS.get(dimension, "")
    with_unit = f"{_number_text(number)} {noun}{'' if number == 1 else 's'}" if noun else _number_text(number)
    return template.format(v=_number_text(number), n=with_unit, metric=_metric_text(metric))


def _who(items: Iterable[Requirement | Objective], rules: ConflictRules) -> str:
    """ "Asha Rao (ML engineering) and Sam Lee (sales)": each stakeholder once, in a fixed order."""
    items = list(items)
    if len(items) == 1:
        return _person(items[0], rules)
    seen: dict[str, str] = {}
    for item in sorted(items, key=lambda i: (i.stakeholder_name, i.stakeholder_id)):
        if item.stakeholder_id not in seen:
            seen[item.stakeholder_id] = _person(item, rules)
    return _join(list(seen.values()))


def _person(item: Requirement | Objective, rules: ConflictRules) -> str:
    role = _role(item, rules)
    return f"{item.stakeholder_name} ({role})" if role else item.stakeholder_name


def _role(item: Requirement | Objective, rules: ConflictRules) -> str:
    return rules.role_labels.get(item.role, item.role.replace("_", " "))


def _join(words: Sequence[str], last: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _priority(req: Requirement) -> str:
    return "must-have" if req.must_have else f"nice-to-have, weight {_number_text(req.weight)}"


def _stated(req: Requirement, rules: ConflictRules) -> str:
    """ "precision of at least 0.9 (Asha Rao, ML engineering: must-have)" """
    return f"{_phrase(req)} ({req.stakeholder_name}, {_role(req, rules)}: {_priority(req)})"


def _stated_bare(req: Requirement) -> str:
    return f"{_phrase(req)} ({_priority(req)})"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _answer_text(fact: str, value: object, rules: ConflictRules) -> str:
    """A suitability answer in words, as given (docs/methodology.md §7.11); a list of answers
    (protected groups) joined: "age and ethnicity or nationality"."""
    if value is None:
        return ""
    texts = rules.answer_texts.get(fact, {})
    if isinstance(value, tuple | list):
        return _join([texts.get(str(v), str(v).replace("_", " ")) for v in value])
    return texts.get(str(value), str(value).replace("_", " "))


def _subject(facts: SuitabilityFacts | None) -> str:
    """What the predictions are about, for the explanations (docs/methodology.md §7.11): a risk
    score about people is not worded as a shop's ranking."""
    if facts is not None and facts.affects_people == "yes":
        return "predictions about people"
    return "the predictions"
