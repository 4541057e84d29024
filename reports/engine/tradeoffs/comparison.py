"""``compare``: candidate approaches and stakeholders in, a ranked, explained comparison out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from domain.approaches import Approach, problem_from_answers, profiles_for, quality_at
from domain.targets import LEVEL
from domain.vocabulary import VERDICTS
from reports.engine.tradeoffs.figures import _CHOICE, _profile_number
from reports.engine.tradeoffs.hard_filter import (
    _failures,
    _infeasible_sets,
    _relaxations,
    _satisfies,
    labelled_examples_from,
)
from reports.engine.tradeoffs.headline import _fit_note, _headline
from reports.engine.tradeoffs.model import (
    ApproachName,
    FilteredApproach,
    NotWeighed,
    Ranked,
    Stakeholder,
    StakeholderSatisfaction,
    TopsisScore,
    TradeoffInputs,
    TradeoffReport,
    _f,
)
from reports.engine.tradeoffs.ranking import normalise, order, pareto_set, topsis, weighted_sum
from reports.engine.tradeoffs.risks import _risks
from reports.engine.tradeoffs.sensitivity import _sensitivity
from reports.engine.tradeoffs.weighting import _by_stakeholder, _criteria, _Item, _items


def _check(inputs: TradeoffInputs) -> None:
    if inputs.verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {inputs.verdict!r}")
    if not inputs.approaches:
        raise ValueError("approaches: compare at least one")
    keys = [a.key for a in inputs.approaches]
    if len(set(keys)) != len(keys):
        raise ValueError("approaches: keys must be unique")
    if len({s.id for s in inputs.stakeholders}) != len(inputs.stakeholders):
        raise ValueError("stakeholders: ids must be unique")
    if inputs.samples < 1:
        raise ValueError("samples must be 1 or more")
    if not 0 < inputs.tornado_delta < 1:
        raise ValueError("tornado_delta must be between 0 and 1")
    if inputs.concentration is not None and not inputs.concentration > 0:
        raise ValueError("concentration must be above 0")


def compare(inputs: TradeoffInputs) -> TradeoffReport:
    """Rank the approaches for these stakeholders; see the package docstring for every rule."""
    _check(inputs)
    answers = inputs.answers
    examples = labelled_examples_from(answers)
    # Every figure below is the approach's for this problem: its task family and pattern
    # complexity (docs/methodology.md §7.12), as the conflict detector reads them.
    problem = problem_from_answers(answers)
    approaches = profiles_for(problem, inputs.approaches)
    quality = {a.key: quality_at(a, examples) for a in approaches}
    items = _items(inputs.stakeholders)
    criteria, weights_how = _criteria(inputs.stakeholders, items)
    not_weighed = [
        NotWeighed(i.stakeholder.id, i.stakeholder.name, i.id, i.kind, i.note) for i in items if i.criterion is None
    ]

    must_haves = [i for i in items if i.target is not None and i.requirement is not None and i.requirement.must_have]
    filtered, survivors = [], []
    for approach in approaches:
        failures = _failures(approach, must_haves, answers, quality)
        if failures:
            filtered.append(FilteredApproach(approach.key, approach.label, approach.ml, failures))
        else:
            survivors.append(approach)
    by_key = {a.key: a for a in approaches}
    common = {
        "problem": problem.describe(),
        "task_family": problem.task_family,
        "verdict": inputs.verdict,
        "labelled_examples": examples,
        "criteria": criteria,
        "weights_how": weights_how,
        "not_weighed": not_weighed,
        "approaches": [ApproachName(a.key, a.label, a.ml) for a in approaches],
        "filtered_out": filtered,
    }
    if not survivors:
        relax = _relaxations(filtered, by_key, must_haves, quality)
        infeasible_sets, capped = _infeasible_sets(filtered, by_key, must_haves, quality)
        headline = "No candidate approach meets every must-have. " + (
            relax[0].text if relax else "Each fails a must-have or needs labels the proposal does not have."
        )
        return TradeoffReport(
            headline=headline,
            ml_fit_note=_fit_note(inputs, None, None, []),
            relax=relax,
            infeasible_sets=infeasible_sets,
            infeasible_sets_capped=capped,
            matrix_approaches=[],
            matrix_raw=[],
            matrix_normalised=[],
            weighted_sum=[],
            topsis=[],
            ranking=[],
            pareto=[],
            satisfaction=[],
            satisfaction_how=_SATISFACTION_HOW,
            sensitivity=None,
            risks=_risks(answers, None, [], items, examples),
            **common,
        )

    keys = [c.key for c in criteria]
    w = np.array([c.weight for c in criteria])
    # The requirements behind the deployment and privacy criteria (rule 2: the share each approach meets).
    shares = {
        key: [i for i in items if i.criterion == key and i.target is not None and i.weight > 0] for key in _CHOICE
    }
    raw = np.array([[_raw_value(a, key, shares, quality) for key in keys] for a in survivors])
    r = normalise(raw, [c.direction for c in criteria], [c.scale for c in criteria])
    scores = weighted_sum(r, w)
    closeness, d_best, d_worst = topsis(r, w)

    def ranked(indices: Sequence[int]) -> list[Ranked]:
        return [
            Ranked(survivors[i].key, survivors[i].label, survivors[i].ml, _f(scores[i]), n)
            for n, i in enumerate(indices, start=1)
        ]

    by_score = order(scores)
    presented = by_score
    if inputs.verdict == "not_a_fit":
        presented = sorted(by_score, key=lambda i: survivors[i].ml)  # stable: score order within each group
    topsis_rows = [
        TopsisScore(
            survivors[i].key, survivors[i].label, survivors[i].ml, _f(closeness[i]), _f(d_best[i]), _f(d_worst[i]), n
        )
        for n, i in enumerate(order(closeness), start=1)
    ]
    sensitivity = _sensitivity(inputs, survivors, criteria, r, w, scores) if len(survivors) > 1 else None
    leader = survivors[presented[0]]
    ranking = ranked(presented)
    weighted = ranked(by_score)
    return TradeoffReport(
        headline=_headline(inputs, ranking, weighted, topsis_rows, sensitivity, filtered, by_key),
        ml_fit_note=_fit_note(inputs, ranking, survivors[by_score[0]], survivors),
        relax=[],
        matrix_approaches=[a.key for a in survivors],
        matrix_raw=[[_f(x) for x in row] for row in raw],
        matrix_normalised=[[_f(x) for x in row] for row in r],
        weighted_sum=weighted,
        topsis=topsis_rows,
        ranking=ranking,
        pareto=[survivors[i].key for i in pareto_set(r)],
        satisfaction=_satisfaction(inputs.stakeholders, items, survivors, keys, r, quality),
        satisfaction_how=_SATISFACTION_HOW,
        sensitivity=sensitivity,
        risks=_risks(answers, leader, survivors, items, examples),
        **common,
    )


def _raw_value(
    approach: Approach, criterion: str, shares: Mapping[str, Sequence[_Item]], quality: Mapping[str, float]
) -> float:
    if criterion == "interpretability":
        return float(LEVEL[approach.interpretability])
    if criterion == "maintenance":
        return approach.retrain_effort
    if criterion in _CHOICE:
        held = shares[criterion]
        # Positive: the criterion is only in use when such a requirement carries weight.
        return sum(i.weight * _satisfies(approach, i, quality) for i in held) / sum(i.weight for i in held)
    return _profile_number(approach, criterion, quality)


_SATISFACTION_HOW = (
    "For each stakeholder, the weighted mean over their requirements and objectives that the profiles can judge: a "
    "requirement with a target scores 1 when met, else the share of the target reached (target / value where lower "
    "is better, value / target where higher is better, level / required level; 0 for a missed deployment or "
    "residency); an objective or a preference without a target scores the approach's normalised value on its "
    "criterion. Throughput, fairness and tolerances on the worse side are not counted."
)


def _satisfaction(
    stakeholders: Sequence[Stakeholder],
    items: Sequence[_Item],
    survivors: Sequence[Approach],
    keys: Sequence[str],
    r: np.ndarray,
    quality: Mapping[str, float],
) -> list[StakeholderSatisfaction]:
    column = {key: j for j, key in enumerate(keys)}
    by_stakeholder = _by_stakeholder(items)
    found = []
    for s in stakeholders:
        own = by_stakeholder[s.id]
        counted = [i for i in own if (i.target is not None or i.criterion is not None) and i.weight > 0]
        counted_ids = {i.id for i in counted}
        total = sum(i.weight for i in counted)
        scores: dict[str, float | None] = {}
        unmet: dict[str, list[str]] = {}
        for row, approach in enumerate(survivors):
            if total <= 0:
                scores[approach.key] = None
                continue
            earned = 0.0
            missed = []
            for i in counted:
                if i.target is not None:
                    got = _satisfies(approach, i, quality)
                    if got < 1.0:
                        missed.append(i.id)
                else:
                    got = float(r[row, column[i.criterion]])  # type: ignore[index]
                earned += i.weight * got
            scores[approach.key] = _f(earned / total)
            if missed:
                unmet[approach.key] = missed
        found.append(
            StakeholderSatisfaction(
                stakeholder_id=s.id,
                stakeholder_name=s.name,
                role=s.role,
                scores=scores,
                unmet=unmet,
                counted=[i.id for i in counted],
                not_counted=[i.id for i in own if i.id not in counted_ids],
            )
        )
    return found
