"""The conflict detector: stakeholders' requirements and objectives in, explained conflicts out.

A production ML system has many stakeholders, each with their own requirements (docs/methodology.md §6);
they state them per dimension, as must-haves (hard constraints) or weighted nice-to-haves, and
name the objectives they want optimised (docs/methodology.md §6.2). The detector finds what cannot all
hold and says why, naming the values and the people, with concrete ways out. Five rules:

1. ``contradictory_targets``: two requirements on the same dimension (and, for quality, the same
   metric) that no value satisfies, whoever states them, even one stakeholder. A requirement is
   read as the set of values it allows:

   - numeric dimensions have a better side (lower latency, cost, disparity, size, days between
     retrainings, months to release; higher quality and throughput; for quality metrics in
     ``domain.vocabulary.LOWER_IS_BETTER_METRICS``, such as RMSE, lower). A bound on the better
     side is a target ("latency <= 100 ms"). A bound on the worse side only says what is tolerable
     ("latency >= 500 ms is fine") and constrains nothing, so it never conflicts; ``==`` reads
     as the target. Two dimensions are two-sided, because there both bounds carry a reason:
     freshness (">= 30 days": the ML platform team holding model updates back, docs/methodology.md §6.2)
     and time to release (">= 6 months": not before an audit or a season). Two targets conflict
     when their intervals do not meet (``>= x`` and ``<= y`` with x > y);
   - interpretability levels (none < global < per_prediction) are one-sided the same way: an
     approach that explains each prediction also explains the model, so they never conflict;
   - deployment target and data residency are choices: requirements conflict when the values
     they allow are disjoint (phone and server, EU and US), or, three or more of them, when no
     single value is allowed by all.

   Severity by how many of them are must-haves (``severity.contradictory_targets``). The
   resolutions move one bound to the other's value, checked to satisfy both.

2. ``infeasible_must_haves``: the hard filter of docs/methodology.md §7.2, run early. Each approach
   profile is checked against each must-have on its own. A profile figure is the best the
   approach achieves; it can always do worse on purpose (answer later, retrain less often, show
   fewer explanations), so only a bound on the better side can rule it out. Dimensions with no
   profile figure (throughput, fairness, quality on a lower-is-better metric, and time to release
   on a profile that states none) rule nothing out. If some profile meets every must-have, nothing is reported.
   Otherwise the detector reports each minimal set (up to ``max_infeasible_set_size``) of
   must-haves that no profile meets together: single must-haves first, then pairs, then
   triples, never a superset of one already found. Must-haves on the same dimension that rule
   out the same profiles are merged into one member of a set (relaxing only one of them would
   not help), and sets that hold a contradiction of rule 1 are left to rule 1. Severity
   ``severity.infeasible_must_haves``. For each member, the resolutions name an approach that
   fails nothing else and the value the member must be relaxed to for it to pass: that approach
   then meets every must-have, so every infeasible set goes away; when no approach fails only
   one member, the two cheapest options relaxing several must-haves at once, ranked by what they
   give up (``domain.feasibility``, docs/methodology.md §7.13). A must-have out of reach alone
   names the other must-haves the approaches closest to it fail: they constrain it too.

   When some profile meets every must-have, a nice-to-have none of those profiles reaches is
   reported under the same kind, at ``severity.nice_to_have_out_of_reach``, with the value a
   profile meeting every must-have does reach.

3. ``competing_objectives``: each entry of ``competing_objectives`` in the rules file names two
   sides (objective name -> direction); when both sides are held, by different stakeholders or
   by one, that is one conflict with every holder in it (relevance versus fees, the restaurant
   example of docs/methodology.md §6.3; accuracy versus latency, cost or interpretability, §4.2,
   §4.4 and §4.8; freshness versus stability, §6). Objectives with the same name and opposite directions conflict too.
   Severity ``default``, or ``heavy`` when each side holds an objective of weight at least
   ``heavy_weight``. Explanations and resolutions are the rules file's words (decoupling: one
   model per objective, combined with weights the business sets, docs/methodology.md §6.3).

4. ``suitability_mismatch``: requirements at odds with the ML-suitability answers (docs/methodology.md
   §6.3, item 4), each check's trigger, threshold, severity and words in ``suitability_checks``:
   frequent retraining without labels, or for patterns that hardly change (Rules of ML, rule
   8); a quality target without labels, or on few of them; no fairness requirement although
   the predictions affect people (§4.5), or sensitive personal data and no residency requirement
   (§4.6), each as severe as the stakes: the first of the check's ``stakes`` whose answers all
   hold sets the severity and adds its reason (protected groups named and serious errors: high;
   §7.10); a quick release without data (§3.2, "fake it till you make it").

5. ``bound_vs_objective`` (reported as ``competing_objectives``; ``bounds``, docs/methodology.md
   §7.9): one stakeholder's bound (a cost, latency or model size ceiling, an explanation level, a
   deployment target, a residency) against another stakeholder's objective on quality (accuracy,
   relevance, ...) or freshness. What it costs is read from the profiles: the best quality among
   the approaches within the strictest bound on the dimension against the best overall, or how
   many times slower the fastest retraining cadence gets; severity from the rules file's
   thresholds, one level lower for a nice-to-have bound. A person's own bound against their own
   objective, and a bound already reported with the holder's own target (rules 1 and 2), are
   left out.

Explanations are in the proposal's own terms (§7.11): the people and their roles, the values,
and ``{subject}``, what the predictions are about ("predictions about people" when they affect
people); suitability answers are quoted as given (``can_label`` is not "no labels").

The rules file (``data/conflict_rules.yaml``; ``load_rules`` reads it, ``parse_rules`` refuses
unknown keys, severities and text placeholders) holds: ``severity`` per kind, ``thresholds``,
``role_labels``, extra ``resolutions`` per kind (per dimension for contradictions),
``competing_objectives`` (``key``, ``between``: two maps of objective name -> direction,
``explanation``, ``resolutions``, ``source``), ``opposite_directions``, ``suitability_checks``
(``when``: one answer and the values that trigger it, a threshold, ``severity``, ``title``,
``explanation``, ``resolutions``, ``source``, and for the missing-requirement checks ``stakes``;
the checks themselves are the seven named above, and one left out is off), ``bound_vs_objective``
(rule 5: the objective names per dimension, the severity thresholds, the resolutions; left out,
rule 5 is off) and ``answer_texts``.

Resolutions the detector computes (rules 1 and 2) also come as ``Conflict.relaxations``, the
changed op and value per requirement, so the app can offer to apply one and re-detect.

Every conflict has a ``fingerprint``: the first 16 hex digits of the SHA-1 of its kind and the
sorted ids of what is in conflict (requirement or objective ids, and ``suitability:<answer>`` for
the suitability answers involved). It does not depend on input order or on the words, so the app
keeps a recorded resolution attached across re-detections. Conflicts come out sorted by
severity (high first), then kind (in the order of the rules above), then fingerprint; every list
inside a conflict is in a fixed order too, so the same input in any order gives the same output.

**Approach profiles** are the trade-off reports' catalogue (``domain.approaches``): the app
passes the latest published ApproachSet conditioned on the proposal's problem (``profiles_for``:
task family and pattern complexity, docs/methodology.md §7.12), each approach seen through
``profile_of``, so an edit in the admin changes both, and both read the same figures.
Requirements are read as the values they allow by ``domain.targets``.

**Modules**: ``model`` (inputs, outputs, fingerprints), ``rules`` (the rules file), ``targets``
(a requirement against a profile), ``wording``, one module per rule (``contradictions``,
``infeasible``, ``competing``, ``mismatch``, ``bounds``) and ``detector`` (``detect``, which runs them).
Every public name is importable from here.
"""

from domain.approaches import ApproachProfile
from domain.vocabulary import DEPLOYMENTS, DIMENSIONS, DIRECTIONS, INTERPRETABILITY_LEVELS, OPS, SEVERITIES
from stakeholders.conflicts.detector import detect
from stakeholders.conflicts.model import (
    KINDS,
    Conflict,
    Objective,
    Relaxation,
    Requirement,
    SuitabilityFacts,
    fingerprint,
)
from stakeholders.conflicts.rules import (
    RULES_PATH,
    BoundRule,
    CompetingRule,
    ConflictRules,
    OppositeRule,
    Severities,
    Stake,
    SuitabilityCheck,
    load_rules,
    parse_rules,
)

__all__ = [
    "DEPLOYMENTS",
    "DIMENSIONS",
    "DIRECTIONS",
    "INTERPRETABILITY_LEVELS",
    "KINDS",
    "OPS",
    "RULES_PATH",
    "SEVERITIES",
    "ApproachProfile",
    "BoundRule",
    "CompetingRule",
    "Conflict",
    "ConflictRules",
    "Objective",
    "OppositeRule",
    "Relaxation",
    "Requirement",
    "Severities",
    "Stake",
    "SuitabilityCheck",
    "SuitabilityFacts",
    "detect",
    "fingerprint",
    "load_rules",
    "parse_rules",
]
