"""Risks from the suitability answers, judged against the leading approach (rule 9 of the
package docstring), each with concrete next steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.approaches import Approach
from domain.vocabulary import SEVERITIES
from domain.yamlcheck import is_number
from reports.engine.tradeoffs.model import Risk
from reports.engine.tradeoffs.weighting import _Item
from reports.engine.tradeoffs.wording import _join, _num, _stated, _who

_SEVERITY_RANK = {severity: i for i, severity in enumerate(SEVERITIES)}


def _answer_text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value)
    return str(value).replace("_", " ")


# The retraining interval each freshness_need answer asks for, from its option's words: "it must
# learn from yesterday's data", "updating every week", "monthly updates are fine".
_FRESHNESS_DAYS = {"a_lot": 1, "some": 7, "nothing": 30}


def _risks(
    answers: Mapping[str, object],
    leader: Approach | None,
    survivors: Sequence[Approach],
    items: Sequence[_Item],
    examples: float,
) -> list[Risk]:
    lead = leader.key if leader else ""
    ml_lead = leader is None or leader.ml
    risks = []

    monitoring = answers.get("monitoring_plan")
    if monitoring in ("uptime_only", "none"):
        # A model nobody watches is the chapter's silent failure; rules fail more visibly (a rule that
        # misfires does so the same way every time), so a rules leader drops a level.
        severity = {("none", True): "high", ("uptime_only", False): "low"}.get((monitoring, ml_lead), "medium")
        steps = [
            "Log every prediction with its inputs, the model or rules version and a request id, so outcomes can "
            "be joined to it later.",
            "Monitor the inputs against the training data (missing values, ranges, category frequencies) and alert "
            "when they drift.",
            "Monitor the outputs (the share of each predicted class, or score percentiles) and alert when they move.",
            "Measure prediction quality every week on a sample of live cases whose outcome is known, beside the "
            "baseline's.",
        ]
        if not ml_lead:
            steps.append("Track how often each rule fires and what follows; a rule that stops firing fails silently.")
        risks.append(
            Risk(
                key="silent_failures",
                title="Silent failures: nothing watches the predictions themselves",
                severity=severity,
                approach=lead,
                why=[
                    f"The monitoring plan is '{_answer_text(monitoring)}'.",
                    "ML systems fail silently: a model keeps answering, confidently and wrongly, while every uptime "
                    "check stays green.",
                ],
                answers={"monitoring_plan": monitoring},
                next_steps=steps,
                source=(
                    "docs/methodology.md §8: ML systems fail silently, so monitor inputs and outputs, not only uptime"
                ),
            )
        )

    risks += _drift_risk(answers, leader)

    versioned = answers.get("data_versioned")
    if versioned in ("no", "unknown"):
        raw_issues = answers.get("data_issues")
        issues = raw_issues if isinstance(raw_issues, list) else []
        serious = [i for i in ("untrusted", "rare_outcome", "label_noise") if i in issues]
        steps = [
            "Give every training set an immutable version stored with each model, so any model can be rebuilt "
            "and compared.",
            "Test each new batch like code before it is used: schema, value ranges, missing values, duplicates.",
            "Check the class balance of every version: 1,000 positives in a million is a different problem "
            "from an even split.",
        ]
        if "untrusted" in serious:
            steps.append("Screen data from untrusted sources for malformed or poisoned records before training.")
        if "label_noise" in serious:
            steps.append("Re-label a sample and measure how often people agree before trusting any score.")
        why = [f"The data is not tested and versioned like code (data_versioned: {_answer_text(versioned)})."]
        if serious:
            why.append(f"Known data problems make it riskier: {_answer_text(serious)}.")
        risks.append(
            Risk(
                key="data_testing",
                title="Untested, unversioned data",
                severity="high" if serious else "medium",
                approach=lead,
                why=why,
                answers={"data_versioned": versioned, **({"data_issues": issues} if serious else {})},
                next_steps=steps,
                source=(
                    "docs/methodology.md §8: data must be tested and versioned like code "
                    "(skewed classes, poisoned data)"
                ),
            )
        )

    if leader is not None:
        risks += _size_risk(answers, leader, survivors)
    risks += _fairness_risk(answers, leader, items)
    if leader is not None and leader.needs_labels and examples < leader.data_needed:
        fallback = next((a for a in survivors if not a.needs_labels and not a.ml), None)
        steps = [
            f"Collect labels until there are about {_num(leader.data_needed)}: log each outcome against its "
            "prediction from the first day.",
            "Have people label a sample of a few hundred cases to measure how hard the task is.",
        ]
        if fallback is not None:
            steps.insert(0, f"Launch {fallback.label} first and let the model follow once the labels are in.")
        risks.append(
            Risk(
                key="data_shortfall",
                title="Fewer labelled examples than the leading approach needs",
                severity="high" if examples < leader.data_needed / 10 else "medium",
                approach=lead,
                why=[
                    f"{leader.label} needs about {_num(leader.data_needed)} labelled examples to beat a heuristic; "
                    f"there are {_num(examples)}."
                ],
                answers={"labelled_examples": answers.get("labelled_examples")},
                next_steps=steps,
                source="docs/methodology.md §2.4: good data is abundant; without it, start without ML and collect data",
            )
        )
    return sorted(risks, key=lambda r: _SEVERITY_RANK[r.severity])


def _drift_risk(answers: Mapping[str, object], leader: Approach | None) -> list[Risk]:
    change, freshness, shift, age = (
        answers.get(k) for k in ("pattern_change", "freshness_need", "upcoming_shift", "data_age")
    )
    why, severity = [], []
    if change in ("fast", "slow"):
        pace = "within weeks" if change == "fast" else "over months"
        why.append(f"The patterns behind the outcome change {pace}.")
        severity.append("high" if change == "fast" else "medium")
    if freshness in ("a_lot", "some"):
        why.append(f"A model a day old loses {'a lot' if freshness == 'a_lot' else 'some'} of its value.")
        severity.append("high" if freshness == "a_lot" else "medium")
    if shift == "yes":
        why.append("A change the data does not cover is coming (a new market, product or regulation).")
        severity.append("medium")
    if age == "old":
        why.append("Most examples are older than three years.")
        severity.append("medium")
    if not why:
        return []
    days = _FRESHNESS_DAYS.get(str(freshness), 7 if change == "fast" else 30)
    steps = [
        f"Automate retraining at least every {_num(days)} days, with the data snapshot and the evaluation in the "
        "same pipeline.",
        "Keep the previous model deployable and roll back automatically when a new one scores worse.",
        "Test on the most recent weeks of data, so a model is judged on the newest patterns.",
    ]
    if leader is not None and leader.min_retrain_days > days:
        why.append(f"{leader.label} can be updated every {_num(leader.min_retrain_days)} days at best.")
        severity.append("high")
        if not leader.ml:
            steps[0] = f"Review the rules every {_num(days)} days against recent cases; hand rules go stale."
        elif not leader.needs_labels:
            # An ML approach that does not learn from your labels is someone else's model.
            steps[0] = "Pin the provider's model version and re-run your evaluation whenever they change it."
    if shift == "yes" or age == "old":
        steps.append("Collect recent examples, including from the coming change, and test on them before launch.")
    return [
        Risk(
            key="drift_retraining",
            title="Drift: the model goes stale unless it is retrained",
            severity=min(severity, key=_SEVERITY_RANK.__getitem__),
            approach=leader.key if leader else "",
            why=why,
            answers={
                k: v
                for k, v in (
                    ("pattern_change", change),
                    ("freshness_need", freshness),
                    ("upcoming_shift", shift),
                    ("data_age", age),
                )
                if v is not None
            },
            next_steps=steps,
            source=(
                "docs/methodology.md §2.10, §2.6 (patterns change; unseen data must share the patterns); "
                "Rules of ML, rule 8"
            ),
        )
    ]


def _size_risk(answers: Mapping[str, object], leader: Approach, survivors: Sequence[Approach]) -> list[Risk]:
    target = answers.get("deployment_target")
    if target not in ("browser", "phone", "device"):
        return []
    limit = answers.get("model_size_limit_mb")
    why, severity = [], ""
    if target not in leader.deployments:
        why.append(f"{leader.label} does not run on a {target} ({', '.join(leader.deployments)} only).")
        severity = "high"
    if is_number(limit) and leader.size_mb > limit:  # type: ignore[operator]
        why.append(f"{leader.label} is about {_num(leader.size_mb)} MB; the {target} holds {_num(limit)} MB.")  # type: ignore[arg-type]
        severity = "high"
    elif not is_number(limit) and leader.size_mb > 0:
        why.append(f"The size limit of the {target} is not known; {leader.label} is about {_num(leader.size_mb)} MB.")
        severity = severity or "medium"
    if not severity:
        return []
    fits = [
        a.label
        for a in survivors
        if target in a.deployments and (not is_number(limit) or a.size_mb <= limit)  # type: ignore[operator]
    ]
    steps = [
        f"Measure the model's size, memory and p95 latency on the {target} itself, not on a server.",
        "Shrink it: quantise (8-bit weights take a quarter of the space of 32-bit), prune, or distil it into a "
        "smaller model.",
        "Keep a server-side fallback for the devices that cannot hold it.",
    ]
    if not is_number(limit):
        steps.insert(0, f"State the largest model the {target} can hold, in MB.")
    if fits:
        steps.append(f"Or choose an approach that fits: {_join(fits)}.")
    return [
        Risk(
            key="model_size",
            title=f"The model may not fit on the {target}",
            severity=severity,
            approach=leader.key,
            why=[*why, "Large models are hard to put on phones and devices: BERT-large takes 1.35 GB."],
            answers={"deployment_target": target, "model_size_limit_mb": limit},
            next_steps=steps,
            source=(
                "docs/methodology.md §4.3: deployment target and size limit; large models are hard to put on devices"
            ),
        )
    ]


def _fairness_risk(answers: Mapping[str, object], leader: Approach | None, items: Sequence[_Item]) -> list[Risk]:
    if answers.get("affects_people") != "yes":
        return []
    raw_groups = answers.get("protected_groups")
    groups = [g for g in raw_groups if g != "none"] if isinstance(raw_groups, list) else []
    stated = [i for i in items if i.requirement is not None and i.requirement.dimension == "fairness"]
    why = ["The predictions affect individual people."]
    if groups:
        why.append(f"They could treat people differently by {_answer_text(groups)}.")
    steps = []
    if stated:
        asks = "; ".join(f"{_who(i.stakeholder)}: {_stated(i.requirement)}" for i in stated)  # type: ignore[arg-type]
        steps.append(f"Measure the disparity the stakeholders asked for ({asks}) and make it a release gate.")
    else:
        why.append("No stakeholder has stated a fairness requirement yet.")
        steps.append(
            "Choose a parity measure (for example the gap in error rates between groups) and a tolerance, and record "
            "it as a stakeholder requirement."
        )
    groups_words = _answer_text(groups) if groups else "the groups that matter here"
    steps += [
        f"Compare error rates across {groups_words} on the test set before release, and on live outcomes after.",
        "Have someone outside the team review the results before launch.",
        "Give the people affected a way to ask for a person to review a decision.",
    ]
    if leader is not None and leader.interpretability == "none":
        steps.append(
            f"{leader.label} cannot explain single predictions: add per-prediction explanations, or prefer an "
            "interpretable approach for decisions about people."
        )
    return [
        Risk(
            key="fairness_review",
            title="Fairness review for predictions about people",
            severity="high" if groups else "medium",
            approach=leader.key if leader else "",
            why=why,
            answers={"affects_people": "yes", **({"protected_groups": raw_groups} if raw_groups is not None else {})},
            next_steps=steps,
            source=(
                "docs/methodology.md §4.5: fairness must be considered in production; "
                "§6.1: protected attributes and parity"
            ),
        )
    ]
