"""What a requirement may say on each dimension: its unit, its range, and conversion to the
canonical unit the conflict detector compares in. Plain Python: the matrix form, the import and
the API all validate through `normalise`.
"""

from dataclasses import dataclass

LEVELS = ("global", "per_prediction")
DEPLOYMENTS = ("server", "browser", "phone", "device")
REGIONS = ("eu", "uk", "us", "on_premises")


class RequirementError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Rule:
    label: str
    canonical: str  # the unit stored and compared
    units: dict[str, float]  # accepted unit -> factor to the canonical unit
    ops: tuple[str, ...]
    minimum: float | None = None  # in the canonical unit
    maximum: float | None = None
    choices: tuple[str, ...] = ()  # for dimensions measured in words
    positive: bool = False  # strictly above the minimum


RULES: dict[str, Rule] = {
    "quality": Rule("Prediction quality", "", {"": 1, "fraction": 1, "%": 0.01}, (">=", "<="), 0, 1),
    "latency": Rule("Latency (p95)", "ms", {"ms": 1, "s": 1000}, ("<=", ">="), 0, 86_400_000, positive=True),
    "throughput": Rule(
        "Throughput", "per_second", {"per_second": 1, "per_minute": 1 / 60, "per_day": 1 / 86_400}, (">=", "<="), 0
    ),
    "cost": Rule("Cost", "per_month", {"per_month": 1, "per_year": 1 / 12}, ("<=", ">="), 0),
    "interpretability": Rule("Interpretability", "level", {"level": 1, "": 1}, (">=", "=="), choices=LEVELS),
    "fairness": Rule(
        "Fairness (largest gap between groups)", "max_disparity", {"max_disparity": 1, "": 1}, ("<=",), 0, 1
    ),
    "freshness": Rule(
        "Freshness (retrain every)",
        "days",
        {"days": 1, "hours": 1 / 24, "weeks": 7},
        ("<=", ">="),
        0,
        3650,
        positive=True,
    ),
    "deployment": Rule("Where it runs", "", {"": 1}, ("==",), choices=DEPLOYMENTS),
    "model_size": Rule("Model size", "MB", {"MB": 1, "GB": 1000, "kB": 0.001}, ("<=",), 0, positive=True),
    "privacy": Rule("Data residency", "", {"": 1}, ("==",), choices=REGIONS),
    "time_to_release": Rule("Time to first release", "months", {"months": 1, "weeks": 12 / 52}, ("<=",), 0, 120),
}


def normalise(dimension: str, op: str, value: object, unit: str) -> tuple[str, float | str, str]:
    """(op, value, canonical unit), or RequirementError naming the field at fault."""
    rule = RULES.get(dimension)
    if rule is None:
        raise RequirementError("dimension", f"unknown dimension '{dimension}'")
    if op not in rule.ops:
        allowed = ", ".join(rule.ops)
        raise RequirementError("op", f"{rule.label} takes {allowed}, not '{op}'")
    unit = (unit or "").strip()
    if unit not in rule.units:
        allowed = ", ".join(u or "no unit" for u in rule.units)
        raise RequirementError("unit", f"{rule.label} is measured in {allowed}, not '{unit}'")
    if rule.choices:
        text = str(value).strip()
        if text not in rule.choices:
            raise RequirementError("value", f"choose one of: {', '.join(rule.choices)}")
        return op, text, rule.canonical
    try:
        number = float(str(value).replace(",", "").strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or number != number or number in (float("inf"), float("-inf")):
        raise RequirementError("value", f"{rule.label} needs a number")
    number *= rule.units[unit]
    if rule.minimum is not None and (number < rule.minimum or (rule.positive and number == rule.minimum)):
        bound = "above" if rule.positive else "at least"
        raise RequirementError("value", f"{rule.label} must be {bound} {rule.minimum:g} {rule.canonical}".rstrip())
    if rule.maximum is not None and number > rule.maximum:
        raise RequirementError("value", f"{rule.label} can be at most {rule.maximum:g} {rule.canonical}".rstrip())
    return op, round(number, 6), rule.canonical
