"""From a report's frozen JSON inputs to the trade-off engine, and back to JSON results."""

from collections.abc import Callable
from typing import Any

from approaches.versions import approaches_latest
from domain.approaches import load_approaches
from domain.vocabulary import VERDICTS
from reports.engine import tradeoffs

# Without the assessment the engine also has no count of labelled examples, and reads every
# model that learns from labels at the quality it reaches with none (tradeoffs.labelled_examples_from):
# the caveat says so, or a precision must-have ruling every model out would be a mystery.
NOT_ASSESSED_CAVEAT = (
    "The ML suitability assessment is not completed, so this comparison assumes ML is worth "
    "considering but knows of no labelled examples: models that learn from labels are rated at the "
    "quality they reach without any. Complete the assessment (it asks how many labelled examples "
    "there are) to know."
)


def approaches_definition() -> dict[str, Any]:
    """The candidate approaches as data, frozen into each report's inputs (with their version)."""
    return approaches_latest()


def engine_inputs(inputs: dict[str, Any]) -> tradeoffs.TradeoffInputs:
    suitability = inputs.get("suitability") or {}
    verdict = suitability.get("verdict")
    caveats = tuple(suitability.get("caveats") or ())
    if verdict not in VERDICTS:
        # Not assessed: compare as if ML were worth considering; compute_results says so instead.
        verdict = "good_fit"
    stakeholders = tuple(
        tradeoffs.Stakeholder(
            id=str(s["id"]),
            name=s["name"],
            role=s.get("role_label") or s.get("role", ""),
            requirements=tuple(
                tradeoffs.Requirement(
                    id=str(r["id"]),
                    dimension=r["dimension"],
                    op=r["op"],
                    value=tuple(r["value"]) if isinstance(r["value"], list) else r["value"],
                    must_have=r["must_have"],
                    weight=float(r["weight"]),
                    unit=r.get("unit", ""),
                    metric=r.get("metric", ""),
                )
                for r in s["requirements"]
            ),
            objectives=tuple(
                tradeoffs.Objective(
                    id=f"{s['id']}-{o['name']}", name=o["name"], direction=o["direction"], weight=float(o["weight"])
                )
                for o in s["objectives"]
            ),
        )
        for s in inputs.get("stakeholders", [])
    )
    return tradeoffs.TradeoffInputs(
        approaches=load_approaches(inputs["approaches"]),
        stakeholders=stakeholders,
        verdict=verdict,
        answers=suitability.get("answers") or {},
        caveats=caveats,
    )


LEAVES = (str, float, int, bool, type(None))


def plain(value: Any) -> Any:
    """Dataclasses to JSON-ready dicts and lists. dataclasses.asdict deep-copies every leaf,
    which took as long as the engine itself; the report's values are immutable, so no copy.
    Leaves, most of the calls, are tested first (hasattr on each cost a third of this)."""
    if isinstance(value, LEAVES):
        return value
    if hasattr(value, "__dataclass_fields__"):
        return {name: plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def compute_results(inputs: dict[str, Any], progress: Callable[[int, str], None]) -> dict[str, Any]:
    """The engine's report as JSON; `progress` is told each step as it starts. Charts are drawn when
    first shown (reports.present.charts_for), which keeps the job to the engine."""
    engine_in = engine_inputs(inputs)
    progress(30, "Ranking the approaches and sampling 2,000 weight vectors for the sensitivity")
    results = plain(tradeoffs.compare(engine_in))
    if (inputs.get("suitability") or {}).get("verdict") not in VERDICTS:
        results["ml_fit_note"] = NOT_ASSESSED_CAVEAT
    return results
