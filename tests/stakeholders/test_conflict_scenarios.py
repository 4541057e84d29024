"""Conflicts an ML lead would flag, scenario by scenario (issue 20), written from the methodology.

Each scenario is data: stakeholders with their roles, the requirements and objectives they state,
the suitability answers passed as facts, and the conflicts expected (kind, rule, the items in
conflict and the least severity). Negative scenarios must stay quiet: compatible needs,
different metrics, overlapping ranges. The profiles are the one approach catalogue
(approaches/definitions/approaches.yaml, seen through ``profile_of``), as the app passes them.

Plain pytest functions: no Django, no database.
"""

from dataclasses import dataclass, field

import pytest
import yaml

from domain.approaches import approaches_from_file, profile_of
from domain.vocabulary import SEVERITIES
from stakeholders.conflicts import RULES_PATH, Objective, Requirement, SuitabilityFacts, detect, parse_rules

PROFILES = tuple(profile_of(approach) for approach in approaches_from_file())

PEOPLE = {
    "ana": ("Ana Diaz", "ml_engineering"),
    "ben": ("Ben Okoro", "leadership"),
    "cara": ("Cara Novak", "product"),
    "dev": ("Dev Patel", "legal"),
    "eli": ("Eli Brandt", "ml_platform"),
    "fay": ("Fay Ito", "sales"),
    "gus": ("Gus Moreau", "data_owner"),
}


def req(rid, who, dimension, op, value, *, must=True, weight=3.0, metric=""):
    name, role = PEOPLE[who]
    return Requirement(
        id=rid,
        stakeholder_id=who,
        stakeholder_name=name,
        role=role,
        dimension=dimension,
        op=op,
        value=value,
        unit="",
        must_have=must,
        weight=weight,
        metric=metric,
    )


def obj(oid, who, name, direction="maximise", weight=3.0):
    person, role = PEOPLE[who]
    return Objective(
        id=oid, stakeholder_id=who, stakeholder_name=person, role=role, name=name, direction=direction, weight=weight
    )


@dataclass(frozen=True)
class Expect:
    kind: str
    rule: str
    items: frozenset[str]
    least: str = "low"  # the least severity acceptable
    most: str = "high"  # the most severe acceptable


def expect(kind, rule, items=(), least="low", most="high"):
    return Expect(kind, rule, frozenset(items), least, most)


@dataclass(frozen=True)
class Scenario:
    name: str
    domain: str
    requirements: tuple[Requirement, ...] = ()
    objectives: tuple[Objective, ...] = ()
    facts: SuitabilityFacts | None = None
    expected: tuple[Expect, ...] = ()
    exact: bool = True  # nothing but the expected conflicts (an empty expected list: quiet)
    absent: tuple[str, ...] = field(default=())  # rules that must not fire (when not exact)


# Facts for a proposal whose data is in hand and whose predictions concern nobody in particular.
PLAIN = SuitabilityFacts(
    labels_available="all", labelled_examples=100_000, pattern_change="slow", has_data="yes", affects_people="no"
)


def people(*groups, error_cost="serious", personal_data="personal"):
    """Facts for predictions that score people (docs/methodology.md §4.5, §2.8)."""
    return SuitabilityFacts(
        labels_available="all",
        labelled_examples=100_000,
        pattern_change="slow",
        has_data="yes",
        affects_people="yes",
        protected_groups=tuple(groups),
        error_cost=error_cost,
        personal_data=personal_data,
    )


SCENARIOS = [
    # ---- Bounds against objectives (§7.9) ------------------------------------------------
    Scenario(
        "a tight budget costs the risk team's accuracy",
        "credit",
        requirements=(req("budget", "ben", "cost", "<=", 1_000),),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=PLAIN,
        expected=(expect("competing_objectives", "bound_vs_objective", {"budget", "acc"}, least="high"),),
    ),
    Scenario(
        "a moderate budget costs a little accuracy",
        "fraud",
        requirements=(req("budget", "ben", "cost", "<=", 5_000),),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=PLAIN,
        expected=(expect("competing_objectives", "bound_vs_objective", {"budget", "acc"}, most="low"),),
    ),
    Scenario(
        "a generous budget costs no accuracy worth naming",
        "fraud",
        requirements=(req("budget", "ben", "cost", "<=", 10_000),),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=PLAIN,
    ),
    Scenario(
        "a 50 ms budget in the request path costs relevance",
        "recommendations",
        requirements=(req("lat", "cara", "latency", "<=", 50),),
        objectives=(obj("rel", "ana", "relevance"),),
        facts=PLAIN,
        expected=(expect("competing_objectives", "bound_vs_objective", {"lat", "rel"}, least="medium"),),
    ),
    Scenario(
        "a latency tolerance of 200 ms leaves the accurate models in",
        "recommendations",
        requirements=(req("lat", "cara", "latency", "<=", 200),),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=PLAIN,
    ),
    Scenario(
        "a nice-to-have latency bound weighs less than a must-have",
        "recommendations",
        requirements=(req("lat", "cara", "latency", "<=", 50, must=False),),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=PLAIN,
        expected=(expect("competing_objectives", "bound_vs_objective", {"lat", "acc"}, most="low"),),
    ),
    Scenario(
        "a model for the line camera must stay small, which costs accuracy",
        "image inspection",
        requirements=(req("size", "eli", "model_size", "<=", 10),),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=PLAIN,
        expected=(expect("competing_objectives", "bound_vs_objective", {"size", "acc"}, least="medium"),),
    ),
    Scenario(
        "an explanation for each triage decision costs accuracy",
        "medical triage",
        requirements=(req("why", "dev", "interpretability", ">=", "per_prediction"),),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=people("unknown", error_cost="catastrophic", personal_data="sensitive"),
        expected=(
            expect("competing_objectives", "bound_vs_objective", {"why", "acc"}, least="high"),
            expect("suitability_mismatch", "fairness_missing", least="high"),
            expect("suitability_mismatch", "privacy_missing", least="high"),
        ),
    ),
    Scenario(
        "the cheapest option retrains monthly, while the fraud team wants fresh models",
        "fraud",
        requirements=(req("budget", "ben", "cost", "<=", 300),),
        objectives=(obj("fresh", "ana", "freshness"),),
        facts=PLAIN,
        expected=(expect("competing_objectives", "bound_vs_objective", {"budget", "fresh"}, least="high"),),
        exact=False,
    ),
    Scenario(
        "one stakeholder who sets a bound and wants accuracy has made the trade-off already",
        "credit",
        requirements=(req("budget", "ana", "cost", "<=", 1_000),),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=PLAIN,
    ),
    Scenario(
        "a bound already infeasible with a quality must-have is reported once",
        "speech",
        requirements=(req("lat", "cara", "latency", "<=", 15), req("q", "ana", "quality", ">=", 0.9, metric="f1")),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=PLAIN,
        expected=(expect("infeasible_must_haves", "", {"lat", "q"}, least="high"),),
    ),
    # ---- Fairness and privacy from the stakes (§7.10) -----------------------------------
    Scenario(
        "credit scores for applicants, groups named, serious errors, no fairness requirement",
        "credit",
        requirements=(req("lat", "cara", "latency", "<=", 500),),
        facts=people("age", "ethnicity"),
        expected=(expect("suitability_mismatch", "fairness_missing", least="high"),),
    ),
    Scenario(
        "medical triage on health records with no residency stated",
        "medical triage",
        requirements=(req("fair", "dev", "fairness", "<=", 0.05),),
        facts=people("none", error_cost="moderate", personal_data="sensitive"),
        expected=(expect("suitability_mismatch", "privacy_missing", least="medium", most="medium"),),
    ),
    Scenario(
        "a credit model with a fairness and a residency requirement is quiet",
        "credit",
        requirements=(req("fair", "dev", "fairness", "<=", 0.05), req("where", "dev", "privacy", "in", ("eu", "uk"))),
        facts=people("age", "ethnicity"),
    ),
    Scenario(
        "job applicants ranked by a model, sex named, serious errors",
        "hiring",
        facts=people("sex_gender", personal_data="none"),
        expected=(expect("suitability_mismatch", "fairness_missing", least="high"),),
    ),
    Scenario(
        "housing applications, ethnicity and disability named, sensitive data",
        "housing",
        requirements=(req("fair", "dev", "fairness", ">=", 0.2, must=False),),  # a tolerance still counts
        facts=people("ethnicity", "disability", personal_data="sensitive"),
        expected=(expect("suitability_mismatch", "privacy_missing", least="high"),),
    ),
    Scenario(
        "people affected, groups named, errors easy to put right",
        "recommendations",
        facts=people("age", error_cost="moderate", personal_data="none"),
        expected=(expect("suitability_mismatch", "fairness_missing", least="medium", most="medium"),),
    ),
    Scenario(
        "parcel recipients are people, but a missorted parcel is trivial and no group is at stake",
        "parcels",
        facts=people("none", error_cost="trivial", personal_data="none"),
        expected=(expect("suitability_mismatch", "fairness_missing", most="low"),),
    ),
    Scenario(
        "parcels sorted by size: nobody's predictions, nothing to flag",
        "parcels",
        requirements=(req("lat", "cara", "latency", "<=", 100), req("budget", "ben", "cost", "<=", 2_000)),
        facts=PLAIN,
    ),
    # ---- The suitability answers as given (§7.11) ---------------------------------------
    Scenario(
        "daily retraining when people could only label a sample",
        "fraud",
        requirements=(req("fresh", "ana", "freshness", "<=", 1),),
        facts=SuitabilityFacts(labels_available="can_label", has_data="yes", affects_people="no"),
        expected=(expect("suitability_mismatch", "freshness_without_labels", {"fresh"}, least="high"),),
    ),
    Scenario(
        "a quality target on 300 labelled housing cases",
        "housing",
        requirements=(
            req("q", "ana", "quality", ">=", 0.8, metric="recall"),
            req("fair", "dev", "fairness", "<=", 0.1),
        ),
        facts=SuitabilityFacts(labels_available="some", labelled_examples=300, has_data="yes", affects_people="yes"),
        expected=(expect("suitability_mismatch", "quality_with_few_labels", {"q"}, least="medium"),),
    ),
    Scenario(
        "a release next month while the speech data is still to be collected",
        "speech",
        requirements=(req("soon", "cara", "time_to_release", "<=", 1),),
        facts=SuitabilityFacts(has_data="can_collect", affects_people="no"),
        expected=(expect("suitability_mismatch", "fast_release_without_data", {"soon"}, least="high"),),
    ),
    Scenario(
        "daily retraining for parcel patterns that hardly change",
        "parcels",
        requirements=(req("fresh", "ana", "freshness", "<=", 1, must=False),),
        facts=SuitabilityFacts(
            labels_available="all",
            labelled_examples=50_000,
            pattern_change="stable",
            has_data="yes",
            affects_people="no",
        ),
        expected=(expect("suitability_mismatch", "freshness_needless", {"fresh"}, most="low"),),
    ),
    # ---- The rules that were there before, across domains -------------------------------
    Scenario(
        "transcripts kept in the EU and in the US",
        "speech",
        requirements=(req("eu", "dev", "privacy", "==", "eu"), req("us", "cara", "privacy", "==", "us")),
        facts=PLAIN,
        expected=(expect("contradictory_targets", "", {"eu", "us"}, least="high"),),
    ),
    Scenario(
        "overlapping residencies (EU or UK, and UK) are compatible",
        "speech",
        requirements=(req("a", "dev", "privacy", "in", ("eu", "uk")), req("b", "cara", "privacy", "==", "uk")),
        facts=PLAIN,
    ),
    Scenario(
        "precision and recall targets are different metrics, not a contradiction",
        "fraud",
        requirements=(
            req("p", "ana", "quality", ">=", 0.9, metric="precision"),
            req("r", "fay", "quality", "<=", 0.8, metric="recall"),
        ),
        facts=PLAIN,
    ),
    Scenario(
        "a latency target and a tolerance above it overlap",
        "recommendations",
        requirements=(req("t", "cara", "latency", "<=", 200), req("ok", "fay", "latency", ">=", 100)),
        facts=PLAIN,
    ),
    Scenario(
        "a retraining window between a week and a fortnight suits both teams",
        "fraud",
        requirements=(req("floor", "eli", "freshness", ">=", 7), req("ceil", "ana", "freshness", "<=", 14)),
        facts=PLAIN,
    ),
    Scenario(
        "not before the audit in six months, yet a release within three",
        "hiring",
        requirements=(req("late", "dev", "time_to_release", ">=", 6), req("early", "cara", "time_to_release", "<=", 3)),
        facts=people("sex_gender", personal_data="none"),
        expected=(expect("contradictory_targets", "", {"late", "early"}, least="high"),),
        exact=False,
    ),
    Scenario(
        "an on-device inspector that must be small and very accurate",
        "image inspection",
        requirements=(
            req("dev", "eli", "deployment", "==", "device"),
            req("size", "eli", "model_size", "<=", 10),
            req("q", "ana", "quality", ">=", 0.9, metric="recall"),
        ),
        facts=PLAIN,
        expected=(expect("infeasible_must_haves", "", {"q", "dev"}, least="high"),),
        exact=False,
    ),
    Scenario(
        "accuracy against explanations, wanted by two people",
        "credit",
        objectives=(obj("acc", "ana", "accuracy"), obj("why", "dev", "interpretability")),
        facts=PLAIN,
        expected=(expect("competing_objectives", "accuracy_vs_interpretability", {"acc", "why"}, least="medium"),),
    ),
    Scenario(
        "relevance against commission on a shop's recommendations",
        "recommendations",
        objectives=(obj("rel", "cara", "relevance"), obj("fee", "fay", "commission")),
        facts=PLAIN,
        expected=(expect("competing_objectives", "relevance_vs_fees", {"rel", "fee"}, least="medium"),),
    ),
]

_RANK = {severity: i for i, severity in enumerate(SEVERITIES)}  # high first


def _key(conflict):
    return (conflict.kind, conflict.rule, frozenset(conflict.requirement_ids))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.domain}: {s.name}" for s in SCENARIOS])
def test_scenario(scenario):
    found = detect(scenario.requirements, scenario.objectives, PROFILES, scenario.facts)
    by_key = {_key(c): c for c in found}
    for e in scenario.expected:
        conflict = by_key.get((e.kind, e.rule, e.items))
        assert conflict is not None, f"expected {e}, found {sorted(by_key)}"
        assert _RANK[e.most] <= _RANK[conflict.severity] <= _RANK[e.least], (e, conflict.severity)
        # Every conflict says why, in words, naming the people where there are any.
        assert conflict.explanation
        for item in (*scenario.requirements, *scenario.objectives):
            if item.id in conflict.requirement_ids:
                assert item.stakeholder_name in conflict.explanation
    if scenario.exact:
        assert set(by_key) == {(e.kind, e.rule, e.items) for e in scenario.expected}, [c.title for c in found]
    for rule in scenario.absent:
        assert all(c.rule != rule for c in found)


def test_there_are_enough_scenarios_across_the_domains():
    assert len(SCENARIOS) >= 25
    assert sum(1 for s in SCENARIOS if not s.expected) >= 6  # negative scenarios that must stay quiet
    domains = {s.domain for s in SCENARIOS}
    assert {
        "credit",
        "hiring",
        "housing",
        "medical triage",
        "parcels",
        "recommendations",
        "fraud",
        "image inspection",
        "speech",
    } <= domains


# --------------------------------------------------------------------------------------------
# Wording (§7.11): the proposal's own terms, the answers as given


def _only(scenario_name, rule):
    (scenario,) = [s for s in SCENARIOS if s.name == scenario_name]
    found = detect(scenario.requirements, scenario.objectives, PROFILES, scenario.facts)
    (conflict,) = [c for c in found if c.rule == rule]
    return conflict


def test_a_bound_against_an_objective_says_what_the_bound_costs():
    conflict = _only("a tight budget costs the risk team's accuracy", "bound_vs_objective")
    assert conflict.title == "Cost bound versus accuracy"
    assert "Ben Okoro (leadership)" in conflict.explanation
    assert "Ana Diaz (ML engineering) wants to maximise accuracy" in conflict.explanation
    assert "a running cost of at most 1,000 a month" in conflict.explanation
    # The best quality within the bound against the best overall, with the approaches named.
    assert "a quality potential of 0.74 (Linear or logistic model)" in conflict.explanation
    assert "a quality potential of 0.94 (Ensemble of models) without it" in conflict.explanation
    assert conflict.explanation.endswith("so the bound costs accuracy 0.2 of quality potential.")
    fresh = _only("the cheapest option retrains monthly, while the fraud team wants fresh models", "bound_vs_objective")
    assert "retraining every 30 days at the fastest (No ML (rules or heuristics))" in fresh.explanation
    assert fresh.explanation.endswith("so the bound makes retraining 30 times slower at best, against freshness.")


def test_fairness_severity_gives_the_stakes_as_its_reason():
    conflict = _only(
        "credit scores for applicants, groups named, serious errors, no fairness requirement", "fairness_missing"
    )
    assert conflict.severity == "high"
    assert "age and ethnicity or nationality" in conflict.explanation
    assert "serious" in conflict.explanation
    parcels = _only(
        "parcel recipients are people, but a missorted parcel is trivial and no group is at stake", "fairness_missing"
    )
    assert parcels.severity == "low"
    assert "No protected group is named, and a wrong prediction is barely noticed." in parcels.explanation


def test_people_could_label_a_sample_reaches_the_words_as_given():
    conflict = _only("daily retraining when people could only label a sample", "freshness_without_labels")
    assert "people could label a sample" in conflict.explanation
    assert "impractical" not in conflict.explanation


def test_no_explanation_borrows_another_product_s_sentence():
    for scenario in SCENARIOS:
        for conflict in detect(scenario.requirements, scenario.objectives, PROFILES, scenario.facts):
            text = " ".join((conflict.explanation, *conflict.resolutions))
            assert "expensive items" not in text
            assert "restaurant" not in text
            assert "conversion" not in text


def test_a_risk_score_about_people_is_worded_as_one():
    objectives = (obj("acc", "ana", "accuracy"), obj("rev", "fay", "revenue"))
    (conflict,) = [c for c in detect([], objectives, PROFILES, people("age")) if c.kind == "competing_objectives"]
    assert conflict.rule == "relevance_vs_fees"
    assert "predictions about people" in conflict.explanation
    assert "Fay Ito (sales) wants to maximise revenue" in conflict.explanation


# --------------------------------------------------------------------------------------------
# The new rules are data, checked when the rules file is read


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["bound_vs_objective"]["objectives"].update(latency=["speed"]), "must be quality or freshness"),
        (lambda d: d["bound_vs_objective"]["thresholds"]["quality"].update(low=0.5), "low <= medium <= high"),
        (lambda d: d["bound_vs_objective"].update(resolutions=["Ask {whom}."]), "unknown placeholder {whom}"),
        (
            lambda d: d["suitability_checks"]["fairness_missing"]["stakes"][0]["when"].update(star_sign=["leo"]),
            "unknown suitability answer 'star_sign'",
        ),
        (lambda d: d["suitability_checks"]["freshness_needless"].update(stakes=[]), "unknown key 'stakes'"),
    ],
)
def test_a_bad_bound_or_stake_is_refused_by_name(edit, message):
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    edit(data)
    with pytest.raises(ValueError, match=message):
        parse_rules(data)


def test_without_the_bound_section_rule_five_is_off():
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    del data["bound_vs_objective"]
    (scenario,) = [s for s in SCENARIOS if s.name == "a tight budget costs the risk team's accuracy"]
    assert detect(scenario.requirements, scenario.objectives, PROFILES, scenario.facts, parse_rules(data)) == []
