"""Turn a stakeholder's questionnaire answers into requirements and objectives, and back.

The questionnaire (questionnaires/stakeholder_requirements.yaml) asks, per dimension, a priority
(<dim>_priority: must / nice / none), a target (<dim>_target, or _level / _region for the
dimensions measured in words) and, for nice-to-haves, a weight (<dim>_weight, 1 to 5).
"""

from dataclasses import dataclass
from typing import Any

STAKEHOLDER_KEY = "stakeholder_requirements"
MUST_HAVE_WEIGHT = 5
DEFAULT_WEIGHT = 3


@dataclass(frozen=True)
class DimensionSpec:
    dimension: str
    target_key: str
    op: str
    unit: str


DIMENSIONS: tuple[DimensionSpec, ...] = (
    DimensionSpec("quality", "quality_target", ">=", ""),
    DimensionSpec("latency", "latency_target", "<=", "ms"),
    DimensionSpec("throughput", "throughput_target", ">=", "per_second"),
    DimensionSpec("cost", "cost_target", "<=", "per_month"),
    DimensionSpec("time_to_release", "time_to_release_target", "<=", "months"),
    DimensionSpec("interpretability", "interpretability_level", ">=", "level"),
    DimensionSpec("fairness", "fairness_target", "<=", "max_disparity"),
    DimensionSpec("freshness", "freshness_target", "<=", "days"),
    DimensionSpec("deployment", "deployment_target", "==", ""),
    DimensionSpec("model_size", "model_size_target", "<=", "MB"),
    DimensionSpec("privacy", "privacy_region", "==", ""),
)
BY_DIMENSION = {spec.dimension: spec for spec in DIMENSIONS}


def requirements_from_answers(answers: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(requirements, objectives) as field dicts for stakeholders.services.requirements_replace.

    A dimension counts only with a priority of must or nice and a real target: "don't know" or a
    blank target states no requirement yet.
    """
    requirements = []
    for spec in DIMENSIONS:
        priority = answers.get(f"{spec.dimension}_priority")
        target = answers.get(spec.target_key)
        if priority not in ("must", "nice") or target in (None, "", "unknown"):
            continue
        op = spec.op
        if spec.dimension == "freshness" and answers.get("freshness_direction") == "at_most":
            op = ">="  # "no more often than every N days": the platform team holding updates back
        must = priority == "must"
        weight = answers.get(f"{spec.dimension}_weight")
        requirements.append(
            {
                "dimension": spec.dimension,
                "op": op,
                "value": target,
                "unit": spec.unit,
                "metric": answers.get("quality_metric", "") if spec.dimension == "quality" else "",
                "must_have": must,
                "weight": MUST_HAVE_WEIGHT if must else (weight if isinstance(weight, int) else DEFAULT_WEIGHT),
            }
        )
    weight = answers.get("objectives_weight")
    objectives = [
        {"name": name, "direction": "maximise", "weight": weight if isinstance(weight, int) else DEFAULT_WEIGHT}
        for name in answers.get("objectives") or []
        if name != "unknown"
    ]
    return requirements, objectives
