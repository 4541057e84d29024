"""Turn a stakeholder's questionnaire answers into requirements and objectives, and back.

The questionnaire (questionnaires/stakeholder_requirements.yaml) asks, per dimension, a priority
(<dim>_priority: must / nice / none), a target (<dim>_target, or _level / _region for the
dimensions measured in words) and, for nice-to-haves, a weight (<dim>_weight, 1 to 5).
"""

from typing import Any

from domain.vocabulary import DIMENSION

STAKEHOLDER_KEY = "stakeholder_requirements"
MUST_HAVE_WEIGHT = 5
DEFAULT_WEIGHT = 3


# The question that asks each dimension's target, in the questionnaire's order. A target states
# the better side of its dimension, in the dimension's canonical unit (domain.vocabulary).
TARGET_KEYS = {
    "quality": "quality_target",
    "latency": "latency_target",
    "throughput": "throughput_target",
    "cost": "cost_target",
    "time_to_release": "time_to_release_target",
    "interpretability": "interpretability_level",
    "fairness": "fairness_target",
    "freshness": "freshness_target",
    "deployment": "deployment_target",
    "model_size": "model_size_target",
    "privacy": "privacy_region",
}


def requirements_from_answers(answers: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(requirements, objectives) as field dicts for stakeholders.services.requirements_replace.

    A dimension counts only with a priority of must or nice and a real target: "don't know" or a
    blank target states no requirement yet.
    """
    requirements = []
    for dimension, target_key in TARGET_KEYS.items():
        priority = answers.get(f"{dimension}_priority")
        target = answers.get(target_key)
        if priority not in ("must", "nice") or target in (None, "", "unknown"):
            continue
        op = DIMENSION[dimension].target_op
        if dimension == "freshness" and answers.get("freshness_direction") == "at_most":
            op = ">="  # "no more often than every N days": the platform team holding updates back
        must = priority == "must"
        weight = answers.get(f"{dimension}_weight")
        requirements.append(
            {
                "dimension": dimension,
                "op": op,
                "value": target,
                "unit": DIMENSION[dimension].unit,
                "metric": answers.get("quality_metric", "") if dimension == "quality" else "",
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
