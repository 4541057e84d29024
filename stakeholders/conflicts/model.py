"""The conflict detector's inputs and outputs, and how a conflict is made and fingerprinted."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from domain.vocabulary import DIMENSIONS, SEVERITIES

KINDS = ("contradictory_targets", "infeasible_must_haves", "competing_objectives", "suitability_mismatch")

_SEVERITY_RANK = {severity: i for i, severity in enumerate(SEVERITIES)}
_KIND_RANK = {kind: i for i, kind in enumerate(KINDS)}
_DIMENSION_RANK = {dimension: i for i, dimension in enumerate(DIMENSIONS)}


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Requirement:
    """One stakeholder's requirement on one dimension, in the dimension's canonical unit.

    ``value`` is a number for the numeric dimensions, a level or choice for interpretability,
    deployment and privacy, and a tuple of them for ``in``.
    """

    id: str
    stakeholder_id: str
    stakeholder_name: str
    role: str
    dimension: str
    op: str
    value: float | str | tuple[str, ...]
    unit: str
    must_have: bool
    weight: float = 1.0
    metric: str = ""


@dataclass(frozen=True)
class Objective:
    id: str
    stakeholder_id: str
    stakeholder_name: str
    role: str
    name: str  # "relevance", "fees", "margin", "accuracy", "latency", "stability", ... (free keys allowed)
    direction: str  # "maximise" | "minimise"
    weight: float = 1.0


@dataclass(frozen=True)
class SuitabilityFacts:
    """A few answers from the ML-suitability questionnaire, in its canonical values."""

    labels_available: str | None = None  # "all" / "yes" | "some" | "can_label" | "no" | "unknown"
    labelled_examples: float | None = None
    pattern_change: str | None = None  # "stable" | "slow" | "fast" | "unknown"
    has_data: str | None = None  # "yes" | "can_collect" | "no" | "unknown"
    affects_people: str | None = None  # "yes" | "no"
    # The stakes of a prediction about people (docs/methodology.md §7.10): the groups it could
    # treat differently ("age", ..., "none" or "unknown"), what a wrong one costs ("trivial" |
    # "moderate" | "serious" | "catastrophic" | "unknown") and the personal data it reads
    # ("none" | "personal" | "sensitive" | "unknown"), each as the questionnaire records it.
    protected_groups: tuple[str, ...] | None = None
    error_cost: str | None = None
    personal_data: str | None = None
    # What the approach profiles are conditioned on (docs/methodology.md §7.12): the task family
    # ("tabular", ..., "other") and the pattern's complexity (the rule_complexity answer). The
    # app passes profiles already conditioned on them; they are here for the words.
    task_family: str | None = None
    rule_complexity: str | None = None


# --------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True)
class Relaxation:
    """A change to requirements that resolves a conflict, in a form the app can apply."""

    requirement_ids: tuple[str, ...]
    dimension: str
    op: str
    value: float | str | tuple[str, ...]
    approach: str = ""  # the profile key that then meets every must-have (rule 2)


@dataclass(frozen=True)
class Conflict:
    kind: str  # one of KINDS
    severity: str  # one of SEVERITIES
    title: str
    explanation: str
    resolutions: tuple[str, ...]
    stakeholder_ids: tuple[str, ...]
    requirement_ids: tuple[str, ...]  # objective ids for competing objectives
    fingerprint: str
    rule: str = ""  # the rules-file key behind it ("relevance_vs_fees", "freshness_without_labels")
    facts: tuple[str, ...] = ()  # the suitability answers involved
    relaxations: tuple[Relaxation, ...] = ()  # the computed resolutions, in the order of their texts


def _conflict(
    *,
    kind: str,
    severity: str,
    title: str,
    explanation: str,
    resolutions: Iterable[str],
    items: Iterable[Requirement | Objective],
    rule: str = "",
    facts: tuple[str, ...] = (),
    relaxations: tuple[Relaxation, ...] = (),
) -> Conflict:
    items = list(items)
    ids = tuple(sorted({item.id for item in items}))
    return Conflict(
        kind=kind,
        severity=severity,
        title=title,
        explanation=explanation,
        resolutions=tuple(resolutions),
        stakeholder_ids=tuple(sorted({item.stakeholder_id for item in items})),
        requirement_ids=ids,
        fingerprint=fingerprint(kind, ids + tuple(f"suitability:{fact}" for fact in facts)),
        rule=rule,
        facts=facts,
        relaxations=relaxations,
    )


def fingerprint(kind: str, ids: Iterable[str]) -> str:
    """SHA-1 of the kind and the sorted ids, 16 hex digits: stable across order and wording."""
    payload = kind + ":" + ",".join(sorted(ids))
    return hashlib.sha1(payload.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
