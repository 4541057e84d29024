"""The report's first words: the headline and the note on the suitability verdict (rule 8 of the
package docstring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.approaches import Approach
from reports.engine.tradeoffs.model import FilteredApproach, Ranked, Sensitivity, TopsisScore, TradeoffInputs
from reports.engine.tradeoffs.weighting import _CRITERION
from reports.engine.tradeoffs.wording import _join


def _fit_note(
    inputs: TradeoffInputs,
    ranking: Sequence[Ranked] | None,
    top_scorer: Approach | None,
    survivors: Sequence[Approach],
) -> str:
    if inputs.verdict == "good_fit":
        return ""
    if inputs.verdict == "not_a_fit":
        note = (
            "The ML-suitability assessment found ML not a good fit (yet), so the approaches without ML come first "
            "whatever their scores: launch without ML, measure it, and collect data (docs/methodology.md §3; "
            "Rules of ML, rule 1)."
        )
        if not any(not a.ml for a in survivors):
            note += " No approach without ML meets every must-have: review the must-haves before building a model."
        elif top_scorer is not None and top_scorer.ml:
            note += (
                f" On the stakeholders' weights alone, {top_scorer.label} would score highest; come back to it once "
                "the reasons behind the verdict are dealt with."
            )
        return note
    caveats = " ".join(inputs.caveats) or "Read the caveats of the suitability assessment before committing."
    note = f"The ML-suitability assessment found ML a fit, with caveats. {caveats}"
    baseline = next((row for row in ranking or () if not row.ml), None)
    if baseline is not None:
        note += (
            f" The best option without ML is {baseline.label}, at {baseline.score:.2f}: the benchmark any model "
            "must beat on quality, cost and upkeep."
        )
    return note


def _headline(
    inputs: TradeoffInputs,
    ranking: Sequence[Ranked],
    weighted: Sequence[Ranked],
    topsis_rows: Sequence[TopsisScore],
    sensitivity: Sensitivity | None,
    filtered: Sequence[FilteredApproach],
    by_key: Mapping[str, Approach],
) -> str:
    lead = ranking[0]
    parts = []
    if inputs.verdict == "not_a_fit":
        parts.append(
            "ML is not a good fit here (yet), so the options without ML lead."
            if not lead.ml
            else "ML is not a good fit here (yet), but no option without ML meets every must-have."
        )
    elif inputs.verdict == "fit_with_caveats":
        parts.append("ML is a fit, with caveats.")
    if len(ranking) == 1:
        parts.append(f"{lead.label} is the only approach that meets every must-have.")
    elif inputs.verdict == "not_a_fit":
        parts.append(f"{lead.label} comes first (score {lead.score:.2f}).")
    else:
        second = ranking[1]
        parts.append(f"{lead.label} leads (score {lead.score:.2f}), ahead of {second.label} ({second.score:.2f}).")
    top = weighted[0]  # the weighted-sum winner: what TOPSIS and the sensitivity figures are compared with
    if topsis_rows[0].key != top.key:
        parts.append(f"TOPSIS puts {topsis_rows[0].label} first (closeness {topsis_rows[0].closeness:.2f}).")
    if sensitivity is not None:
        subject = (
            "It" if top.key == lead.key else f"On the weights alone {top.label} scores highest ({top.score:.2f}); it"
        )
        odds = f"{subject} ranks first in {sensitivity.probability_first[sensitivity.winner]:.0%} of "
        odds += f"{sensitivity.samples:,} weight samples"
        flip = sensitivity.flip
        if flip is None:
            parts.append(odds + ", and no change of weights puts another approach first.")
        elif not flip.taken_from:
            parts.append(f"{odds}; it ties with {by_key[flip.new_winner].label}.")
        else:
            source = _join([_CRITERION[k].label.lower() for k in flip.taken_from])
            parts.append(
                f"{odds}; moving {flip.weight_moved:.2f} of the weight from {source} to "
                f"{_CRITERION[flip.given_to].label.lower()} would hand the lead to {by_key[flip.new_winner].label}."
            )
    if filtered:
        n = len(filtered)
        parts.append(f"{n} of {len(by_key)} approaches {'fails' if n == 1 else 'fail'} a must-have.")
    return " ".join(parts)
