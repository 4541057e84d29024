"""What a requirement may say on each dimension: its units, its range, and conversion to the
canonical unit the conflict detector compares in (each dimension's label and canonical unit are
domain.vocabulary's). Plain Python: the matrix form, the import and the API all validate through
`normalise`.
"""

from dataclasses import dataclass

from domain.vocabulary import DEPLOYMENTS, DIMENSION, INTERPRETABILITY_LEVELS, REGIONS

# Interpretability a requirement may ask for: asking for none states nothing.
LEVELS = INTERPRETABILITY_LEVELS[1:]


class RequirementError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Rule:
    dimension: str
    units: dict[str, float]  # accepted unit -> factor to the canonical unit
    ops: tuple[str, ...]
    minimum: float | None = None  # in the canonical unit
    maximum: float | None = None
    choices: tuple[str, ...] = ()  # for dimensions measured in words
    positive: bool = False  # strictly above the minimum

    @property
    def label(self) -> str:
        return DIMENSION[self.dimension].label

    @property
    def canonical(self) -> str:
        """The unit stored and compared."""
        return DIMENSION[self.dimension].unit


RULES: dict[str, Rule] = {
    rule.dimension: rule
    for rule in (
        Rule("quality", {"": 1, "fraction": 1, "%": 0.01}, (">=", "<="), 0, 1),
        Rule("latency", {"ms": 1, "s": 1000}, ("<=", ">="), 0, 86_400_000, positive=True),
        Rule("throughput", {"per_second": 1, "per_minute": 1 / 60, "per_day": 1 / 86_400}, (">=", "<="), 0),
        Rule("cost", {"per_month": 1, "per_year": 1 / 12}, ("<=", ">="), 0),
        Rule("interpretability", {"level": 1, "": 1}, (">=", "=="), choices=LEVELS),
        Rule("fairness", {"max_disparity": 1, "": 1}, ("<=",), 0, 1),
        Rule("freshness", {"days": 1, "hours": 1 / 24, "weeks": 7}, ("<=", ">="), 0, 3650, positive=True),
        Rule("deployment", {"": 1}, ("==",), choices=DEPLOYMENTS),
        Rule("model_size", {"MB": 1, "GB": 1000, "kB": 0.001}, ("<=",), 0, positive=True),
        Rule("privacy", {"": 1}, ("==",), choices=REGIONS),
        Rule("time_to_release", {"months": 1, "weeks": 12 / 52}, ("<=",), 0, 120),
    )
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
