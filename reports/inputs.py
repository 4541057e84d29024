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


# The EU AI Act duties that constrain how a high-risk system is built (regulation/definitions/
# eu_ai_act.yaml tags them), as production gates of the report (docs/methodology.md §12.13): what
# the constraint asks of any approach, and the first step before building.
AI_ACT_GATES = {
    "human_oversight": (
        "EU AI Act: human oversight",
        "People must be able to understand the system's limits, notice when it goes wrong, decide not to use "
        "or override its output, and stop it (Articles 14 and 26(2)).",
        "Design the oversight into the workflow before choosing the approach: who reviews which outputs, "
        "with what training and authority, and how they override or stop it.",
    ),
    "logging": (
        "EU AI Act: automatic logs",
        "The system must record events automatically over its lifetime, and the logs be kept for at least "
        "six months (Articles 12, 19 and 26(6)).",
        "Choose a serving path that logs each input, output, model version and override, and keep the logs "
        "for at least six months.",
    ),
    "explanations": (
        "EU AI Act: interpretable outputs and explanations",
        "Deployers must be able to interpret each output, and people affected by a decision can ask for an "
        "explanation of the system's role in it (Articles 13 and 86).",
        "Prefer an approach that explains each prediction, or plan and test per-prediction explanations on "
        "top of the one chosen; the comparison weighs this as a requirement.",
    ),
    "accuracy_robustness": (
        "EU AI Act: accuracy, robustness and cybersecurity",
        "The system must reach an appropriate, declared level of accuracy and stay robust and secure over its "
        "lifecycle (Article 15).",
        "Agree the accuracy metrics to declare in the instructions for use, and test robustness to errors, "
        "drift and attacks before release.",
    ),
}
# The requirement the explanations duty adds to the comparison: a stakeholder of its own, so the
# report names where it comes from (docs/methodology.md §12.13). A nice-to-have, not a must-have:
# the law asks for interpretable outputs and explanations, which post-hoc tools can also give, not
# for a model that is interpretable by construction.
AI_ACT_STAKEHOLDER = "EU AI Act triage (Articles 13 and 86)"
AI_ACT_EXPLANATIONS_WEIGHT = 3.0


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
    if "explanations" in ((inputs.get("regulation") or {}).get("constraints") or {}):
        stakeholders += (
            tradeoffs.Stakeholder(
                id="ai_act",
                name=AI_ACT_STAKEHOLDER,
                role="EU AI Act",
                requirements=(
                    tradeoffs.Requirement(
                        id="ai_act-explanations",
                        dimension="interpretability",
                        op=">=",
                        value="per_prediction",
                        must_have=False,
                        weight=AI_ACT_EXPLANATIONS_WEIGHT,
                    ),
                ),
            ),
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
    gates = ai_act_gates(inputs.get("regulation") or {}, leader=(results.get("ranking") or [{}])[0].get("label", ""))
    if gates:
        results["risks"] = [*gates, *results.get("risks", [])]
    return results


def ai_act_gates(regulation: dict[str, Any], *, leader: str = "") -> list[dict[str, Any]]:
    """The EU AI Act duties that constrain the build, as production risks of the report's shape
    (risks come first: a legal duty is not optional), one per constraint, with the duties behind
    it as next steps (docs/methodology.md §12.13)."""
    gates = []
    constraints = regulation.get("constraints") or {}
    # In the rules' order, not the stored one: PostgreSQL's jsonb keeps keys in an order of its own.
    for key, (title, why, first_step) in AI_ACT_GATES.items():
        if key not in constraints:
            continue
        duties = constraints[key]
        articles = f" ({regulation['articles']})" if regulation.get("articles") else ""
        gates.append(
            {
                "key": f"ai_act_{key}",
                "title": title,
                "severity": "high",
                "approach": leader,
                "why": [
                    f"The EU AI Act triage puts the system in the {regulation.get('tier_label', '').lower()} tier"
                    f"{articles}. {why}",
                    "A triage, not legal advice: have a lawyer confirm the duties.",
                ],
                "answers": {"ai_act_tier": regulation.get("tier", "")},
                "next_steps": [first_step]
                + [f"{d['label']} ({d['citation']}; applies from {d['applies_from']})" for d in duties],
                "source": "docs/methodology.md §12.13",
            }
        )
    return gates
