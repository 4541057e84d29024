"""The trade-off engine: candidate approaches and stakeholders in, a ranked, explained comparison out.

Plain Python and numpy, no Django: ``compare(TradeoffInputs)`` returns a ``TradeoffReport`` that
``dataclasses.asdict`` turns into plain JSON (no numpy types). Each step names the section of
docs/methodology.md §7 it comes from.

**Approaches** are data (``approaches/definitions/approaches.yaml``, published as versioned
ApproachSets and read by ``domain.approaches.load_approaches``): each has a profile on every
dimension with the reason for each figure. The conflict detector reads the same catalogue.

**Conditioned on the problem** (docs/methodology.md §7.12): ``compare`` first reads each approach's
figures for the proposal's task family and pattern complexity (``profiles_for`` on the answers),
as the conflict detector does; ``problem`` says in words what they were read for.

**Labelled examples.** Quality depends on the data at hand, so it is read at the proposal's
volume: the ``labelled_examples`` answer, or ``example_count`` when ``labels_available`` is
"all", else 0 (labels that could be made are not labels yet). ``quality_at`` interpolates the
approach's ``quality_by_examples`` linearly in log10(1 + examples) and holds the end values.

**Reading a requirement** (``domain.targets``, as the conflict detector does, rule 1): a
profile figure is the best an approach achieves, and it can always do worse on purpose, so only
a bound on the better side binds ("latency <= 100 ms"; ``==`` reads as that bound). A bound on
the worse side states a tolerance and weighs nothing, with two exceptions: "freshness >= N days"
(the platform team holding model updates back, docs/methodology.md §6.2) weighs the retraining-effort
criterion, and a quality bound on a lower-is-better metric (RMSE) weighs quality without binding.
Throughput and fairness have no profile figure: they weigh no criterion and filter nothing
(fairness feeds the fairness risk instead). Objectives weigh the criterion their name maps to
(``OBJECTIVE_CRITERIA``); the criterion keeps its own direction, since nobody is served by
slower or dearer predictions.

**Criteria and weights.** The criteria are the profile dimensions stakeholders weigh
(``CRITERIA``). Each stakeholder's requirement and objective weights (must-haves included, with
the weight they were given) are summed per criterion and scaled to sum to 1, so everyone has an
equal say however many requirements they state; a criterion's weight is the mean of these shares
over the stakeholders who weigh anything. Criteria nobody weighs are left out. With no stakeholder
weighing anything, the criteria are ``DEFAULT_CRITERIA`` with equal weights.

1. **Hard filter** (docs/methodology.md §7.2): an approach that fails any must-have is out, with each failure and who
   holds it. An approach that needs labels is also out when ``labels_available`` or ``has_data``
   is "no": it could be neither trained nor tested (docs/methodology.md §2.4, existing data).
   If every approach is out, the report says so and, for the approaches that fail the fewest
   must-haves (and nothing else), names each must-have to relax and the value that admits them,
   cheapest first, and lists each minimal set of must-haves no approach meets together with the
   approaches that meet each (docs/methodology.md §7.13).
2. **Decision matrix and normalisation** (docs/methodology.md §7.3): the raw matrix holds natural units; criteria
   that span orders of magnitude (latency, cost, size, retraining cadence) are compared on
   log10(1 + x), because what matters is relative change (30% more latency cost Booking.com
   0.5% conversion, docs/methodology.md §7.3), so 10 -> 100 ms counts as much as 100 -> 1,000 ms. Then
   benefit (x - min)/(max - min), cost (max - x)/(max - min); a column where every approach is
   equal normalises to 1 and so ranks nobody. Interpretability is its level (0 none, 1 global,
   2 per prediction); deployment and privacy are the weighted share of those requirements the
   approach meets.
3. **Weighted sum** (docs/methodology.md §7.4): S_i = sum_j w_j r_ij. It is the primary ranking: it is linear in the
   weights, so every sensitivity figure below is exact and can be checked by hand.
4. **TOPSIS** (docs/methodology.md §7.5): v_ij = w_j r_ij; S+ and S- are the Euclidean distances to the best and worst
   value per criterion; C_i = S- / (S+ + S-), 1 when both are 0 (every approach is ideal). Shown
   beside the weighted sum as a second opinion; the headline says when they disagree.
5. **Pareto set** (docs/methodology.md §7.6): the approaches no other one dominates (no worse on every criterion,
   better on one), on the criteria in use.
6. **Satisfaction** per stakeholder and approach, 0 to 1: the weighted mean over the stakeholder's
   items the profiles can judge. A requirement with a target scores 1 when met, else the share of
   the target reached (target/x where lower is better, x/target where higher is better, level
   over target level; 0 for a missed deployment or residency). A weighted preference without a
   target (an objective, "freshness >= N", a lower-is-better quality metric) scores the
   approach's normalised value on its criterion.
7. **Sensitivity** (docs/methodology.md §7.8), on the weighted sum:
   - tornado: each weight times (1 - delta) and (1 + delta), the rest renormalised to sum to 1;
     the winner and every score at each end, sorted by how far the winner's margin over the
     runner-up moves;
   - Dirichlet sampling (SMAA): ``samples`` weight vectors from Dirichlet(alpha), alpha_j =
     concentration * w_j, so they centre on the stated weights; the default concentration, 10 per
     criterion, lets a weight of 1/n vary by about 30% of itself (sd/mean = sqrt((n-1)/(c+1))).
     The seed comes from a hash of the inputs, so a report is reproducible. Output: each
     approach's probability of ranking first;
   - flip point: the smallest change of weights, in L1 distance, after which another approach
     wins. Against a challenger b the winner a's lead is g = sum_j w_j (r_aj - r_bj); moving
     weight t from criterion j to k changes it by t (r_ak - r_bk - r_aj + r_bj), so the cheapest
     way is to give weight to the criterion where b gains most on a, taking it first from where
     b loses most (each up to its current weight). The L1 distance is twice the weight moved. The
     smallest over challengers is reported; at exactly that change the two tie, beyond it b wins.
8. **The suitability verdict** comes first: with "not_a_fit" the presented ranking puts the
   approaches without ML (``ml: false``) first, whatever their scores, and ``ml_fit_note`` says
   why (docs/methodology.md §3.2 and §3.3: without data or with a simpler solution, start without
   ML; Rules of ML, rule 1). With "fit_with_caveats" the note gives the caveats and names the best option without
   ML as the benchmark a model must beat (Google, Introduction to ML Problem Framing).
9. **Risks** follow from the answers, judged against the leading approach, each with concrete
   next steps: silent failures (monitoring only uptime or nothing, docs/methodology.md §8),
   drift and retraining (patterns that change, freshness, a coming shift; Rules of ML, rule 8),
   data testing and versioning (docs/methodology.md §8), model size for phones, browsers and
   devices (docs/methodology.md §4.3), fairness review (predictions that affect people,
   docs/methodology.md §4.5), and a data shortfall (fewer labelled examples than the leader
   needs). Sorted high, medium, low.

**Modules**, each one step: ``model`` (inputs and outputs), ``figures`` (an approach's figure on
a dimension), ``wording``, ``weighting`` (requirements as targets, criteria and weights),
``hard_filter`` (rule 1), ``ranking`` (rules 2 to 5 and the numeric parts of 7, in numpy),
``sensitivity`` (rule 7), ``headline`` (rule 8), ``risks`` (rule 9) and ``comparison``
(``compare``, which runs them in order, and rule 6). Every public name is importable from here.
"""

from domain.approaches import APPROACHES_PATH, Approach, QualityPoint, approaches_from_file, load_approaches, quality_at
from domain.vocabulary import DEPLOYMENTS, DIMENSIONS, DIRECTIONS, INTERPRETABILITY_LEVELS, OPS, SEVERITIES, VERDICTS
from reports.engine.tradeoffs.comparison import compare
from reports.engine.tradeoffs.hard_filter import labelled_examples_from
from reports.engine.tradeoffs.model import (
    BENEFIT,
    COST,
    LINEAR,
    LOG,
    ApproachName,
    Contribution,
    CriterionUsed,
    Failure,
    FilteredApproach,
    Flip,
    FlipPoint,
    InfeasibleSet,
    NotWeighed,
    Objective,
    Ranked,
    Relaxation,
    Requirement,
    Risk,
    Sensitivity,
    SetMember,
    Stakeholder,
    StakeholderSatisfaction,
    TopsisScore,
    TornadoBar,
    TradeoffInputs,
    TradeoffReport,
)
from reports.engine.tradeoffs.ranking import (
    flip_point,
    normalise,
    order,
    pareto_set,
    probability_first,
    topsis,
    tornado_scores,
    weighted_sum,
)
from reports.engine.tradeoffs.weighting import CRITERIA, DEFAULT_CRITERIA, OBJECTIVE_CRITERIA, CriterionSpec
from reports.engine.tradeoffs.wording import _amount

__all__ = [
    "APPROACHES_PATH",
    "BENEFIT",
    "COST",
    "CRITERIA",
    "DEFAULT_CRITERIA",
    "DEPLOYMENTS",
    "DIMENSIONS",
    "DIRECTIONS",
    "INTERPRETABILITY_LEVELS",
    "LINEAR",
    "LOG",
    "OBJECTIVE_CRITERIA",
    "OPS",
    "SEVERITIES",
    "VERDICTS",
    "Approach",
    "ApproachName",
    "Contribution",
    "CriterionSpec",
    "CriterionUsed",
    "Failure",
    "FilteredApproach",
    "Flip",
    "FlipPoint",
    "InfeasibleSet",
    "NotWeighed",
    "Objective",
    "QualityPoint",
    "Ranked",
    "Relaxation",
    "Requirement",
    "Risk",
    "Sensitivity",
    "SetMember",
    "Stakeholder",
    "StakeholderSatisfaction",
    "TopsisScore",
    "TornadoBar",
    "TradeoffInputs",
    "TradeoffReport",
    "_amount",
    "approaches_from_file",
    "compare",
    "flip_point",
    "labelled_examples_from",
    "load_approaches",
    "normalise",
    "order",
    "pareto_set",
    "probability_first",
    "quality_at",
    "topsis",
    "tornado_scores",
    "weighted_sum",
]
