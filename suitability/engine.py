"""The suitability engine: answers in, per-criterion findings and a verdict with its reasons out.

Every number comes from the questionnaire's YAML (weights, points, thresholds), and the score
can be recomputed by hand from the findings::

    for each criterion c, with weight w_c and signals s_1 .. s_n:
        applicable = the signals whose question is shown (a hidden question does not apply)
        p_s        = the signal's points for the answer, from 0 to 1; "don't know" scores
                     ``scoring.unknown_points`` (0 unless the questionnaire says otherwise;
                     version 2 says 0.5: no evidence either way, §5.3) and unanswered 0,
                     and both still count as applicable
        fraction_c = sum(p_s) / len(applicable)          (0 when none applies)
        earned_c   = w_c * fraction_c
    score     = sum(earned_c)                            (rounded to 2 decimals for display)
    max_score = sum(w_c)                                 (unknowns do not shrink it)
    fraction  = score / max_score

    e.g. weight 3, signals answered 1.0, "don't know", 0.5:
         fraction_c = (1.0 + 0 + 0.5) / 3 = 0.5, earned_c = 3 * 0.5 = 1.5 of 3

So a "don't know" pulls the score down and shows up as a driver with 0 points: a person sees
what to find out. A criterion none of whose applicable signals has a real answer is "unknown";
otherwise it is "met" at ``finding_levels.met`` or above, "partly_met" at ``partly_met`` or
above, else "not_met".

The verdict is the first of these that applies (docs/methodology.md §5.2):

1. any blocker's condition holds                                        -> ``not_a_fit``
2. fraction < ``thresholds.fit_with_caveats``                           -> ``not_a_fit``
3. fraction >= ``thresholds.good_fit``, no production gate is open, and no criterion of weight
   >= ``good_fit_gate.min_weight`` has a status in ``good_fit_gate.statuses`` -> ``good_fit``
4. otherwise                                                            -> ``fit_with_caveats``

Rule 3 keeps one failed heavy criterion (say, unrepresentative data) from hiding behind a high
total: the weakness of a proposal is not averaged away. A production gate (docs/methodology.md §4:
costly mistakes, a tight latency budget, per-prediction explanations, people treated differently,
personal data...) is not a weakness of the problem, so it moves no points; it caps the verdict at
"fit with caveats" for as long as its condition holds, however high the score.

Every "don't know" among the shown answers becomes a named next step (the question's
``if_unknown``: who finds out what), listed after the blockers' next steps (§5.3).

Answers are expected in canonical form (see ``validation.validate_answers``).
"""

from __future__ import annotations

import functools
import itertools
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from domain.vocabulary import VERDICTS
from questionnaires.engine.conditions import Resolved, holds, resolve
from questionnaires.engine.schema import (
    NUMBER,
    SCALE,
    SCALE_VALUES,
    SINGLE_CHOICE,
    UNKNOWN,
    YES_NO,
    YES_NO_VALUES,
    Blocker,
    Criterion,
    Gate,
    Question,
    Questionnaire,
    Rule,
    ScoringConfig,
    condition_questions,
    format_number,
)

# Scores are sums of float products; a fraction meant to equal a threshold exactly (0.7) can
# come out as 0.69999999. Comparisons allow this much slack so hand arithmetic agrees.
_EPS = 1e-9
_LEVEL = {verdict: level for level, verdict in enumerate(reversed(VERDICTS))}  # not_a_fit 0 ... good_fit 2
_VERDICT_AT = {level: verdict for verdict, level in _LEVEL.items()}


@dataclass(frozen=True)
class Driver:
    """One answer behind a finding."""

    question_key: str
    question_text: str
    answer_display: str
    points: float  # 0 to 1; 0 when the answer is "don't know" or missing
    known: bool  # False for "don't know" or missing: finding out is a next step


@dataclass(frozen=True)
class Finding:
    criterion: str
    label: str
    status: str  # "met" | "partly_met" | "not_met" | "unknown"
    weight: float
    earned: float  # weight * fraction, rounded to 4 decimals
    fraction: float  # mean of the drivers' points, rounded to 4 decimals
    drivers: list[Driver]
    reason: str
    source: str


@dataclass(frozen=True)
class BlockerHit:
    key: str
    label: str
    reason: str
    next_step: str
    source: str


@dataclass(frozen=True)
class GateHit:
    """An open production gate: the caveat, what must be true to go ahead, and who owns it."""

    key: str
    label: str
    caveat: str
    must_be_true: str
    owner: str
    source: str


@dataclass(frozen=True)
class UnknownStep:
    """A "don't know" turned into a next step: who finds out what."""

    question_key: str
    question_text: str
    next_step: str


@dataclass(frozen=True)
class SuitabilityResult:
    verdict: str  # "good_fit" | "fit_with_caveats" | "not_a_fit"
    verdict_label: str
    score: float  # earned weighted points, rounded to 2 decimals
    max_score: float
    fraction: float  # score / max_score, rounded to 4 decimals
    findings: list[Finding]
    blockers: list[BlockerHit]
    next_steps: list[str]
    caveats: list[str]
    held_back_by: list[str]  # criteria that kept a good_fit-level score below good_fit (rule 3)
    caveats_about: list[str]  # the criteria the caveats qualify (each once, in the caveats' order)
    gates: list[GateHit]  # open production gates; any one caps the verdict at fit_with_caveats
    unknowns: list[UnknownStep]  # shown questions answered "don't know", each with who finds out
    # The task family in words ("Images or video"), which the approach profiles are read for
    # (docs/methodology.md §7.12); "" when this questionnaire version does not ask it.
    task: str = ""


@dataclass(frozen=True)
class Change:
    question_key: str
    question_text: str
    from_display: str
    to_display: str
    to_value: object  # the canonical answer to store if the person makes this change


@dataclass(frozen=True)
class WhatIf:
    direction: str  # "up" | "down"
    new_verdict: str
    new_verdict_label: str
    fraction: float  # the fraction after the changes, rounded to 4 decimals
    changes: list[Change]


# --------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True)
class _Assessment:
    """Everything the verdict depends on, without the words: cheap enough to run per what-if."""

    resolved: Resolved
    fractions: tuple[float, ...]  # per criterion, in questionnaire order
    statuses: tuple[str, ...]
    score: float
    fraction: float
    blockers: tuple[Blocker, ...]
    gated: tuple[Criterion, ...]  # heavy criteria whose status bars good_fit (rule 3)
    gates: tuple[Gate, ...]  # open production gates, which bar good_fit too (rule 3)
    verdict: str


def _status(fraction: float, known: int, scoring: ScoringConfig) -> str:
    if known == 0:
        return "unknown"
    if fraction >= scoring.met - _EPS:
        return "met"
    if fraction >= scoring.partly_met - _EPS:
        return "partly_met"
    return "not_met"


def _assess(questionnaire: Questionnaire, answers: Mapping[str, object]) -> _Assessment:
    if questionnaire.scoring is None:
        raise ValueError(f"questionnaire '{questionnaire.key}' has no scoring: it only collects answers")
    plan = _plan(questionnaire)
    scoring = questionnaire.scoring
    resolved = resolve(questionnaire, answers)
    visible, effective = resolved.visible_keys, resolved.answers

    fractions: list[float] = []
    statuses: list[str] = []
    gated: list[Criterion] = []
    score = 0.0
    for criterion in questionnaire.criteria:
        total, applicable, known = 0.0, 0, 0
        for signal in criterion.signals:
            if signal.question not in visible:
                continue
            applicable += 1
            value = effective.get(signal.question)
            points = signal.points_for(value)
            if points is not None:
                total += points
                known += 1
            elif value == UNKNOWN:
                total += scoring.unknown_points
        fraction = total / applicable if applicable else 0.0
        status = _status(fraction, known, scoring)
        fractions.append(fraction)
        statuses.append(status)
        score += criterion.weight * fraction
        if criterion.weight >= scoring.gate_min_weight and status in scoring.gate_statuses:
            gated.append(criterion)

    fraction = score / plan.max_score
    blockers = tuple(b for b in questionnaire.blockers if holds(b.when, effective))
    gates = tuple(g for g in questionnaire.gates if holds(g.when, effective))
    if blockers or fraction < scoring.fit_with_caveats - _EPS:
        verdict = "not_a_fit"
    elif fraction >= scoring.good_fit - _EPS and not gated and not gates:
        verdict = "good_fit"
    else:
        verdict = "fit_with_caveats"
    return _Assessment(
        resolved=resolved,
        fractions=tuple(fractions),
        statuses=tuple(statuses),
        score=score,
        fraction=fraction,
        blockers=blockers,
        gated=tuple(gated),
        gates=gates,
        verdict=verdict,
    )


def evaluate(questionnaire: Questionnaire, answers: Mapping[str, object]) -> SuitabilityResult:
    """Score the answers; see the module docstring for the arithmetic and the verdict rules."""
    assessment = _assess(questionnaire, answers)
    effective = assessment.resolved.answers
    words = _AnswerWords(questionnaire, effective)
    findings = [_finding(questionnaire, criterion, assessment, i) for i, criterion in enumerate(questionnaire.criteria)]
    blockers = [
        BlockerHit(
            key=b.key,
            label=b.label,
            reason=b.reason.format_map(words),
            next_step=b.next_step.format_map(words),
            source=b.source,
        )
        for b in assessment.blockers
    ]
    unknowns = [
        UnknownStep(question_key=q.key, question_text=q.text, next_step=q.if_unknown)
        for q in assessment.resolved.visible
        if effective.get(q.key) == UNKNOWN and q.if_unknown
    ]
    next_steps = (
        [hit.next_step for hit in blockers]
        + [u.next_step for u in unknowns]
        + _fired(questionnaire.next_steps, effective, words)
    )
    # Rule 3's heavy criteria explain the verdict only when the score alone would have made it
    # good_fit.
    held_back = (
        assessment.verdict == "fit_with_caveats" and assessment.fraction >= questionnaire.scoring.good_fit - _EPS
    )
    gates = [
        GateHit(
            key=g.key,
            label=g.label,
            caveat=g.caveat.format_map(words),
            must_be_true=g.must_be_true,
            owner=g.owner,
            source=g.source,
        )
        for g in assessment.gates
    ]
    return SuitabilityResult(
        verdict=assessment.verdict,
        verdict_label=questionnaire.scoring.verdict_labels[assessment.verdict],
        score=round(assessment.score, 2),
        max_score=round(_plan(questionnaire).max_score, 2),
        fraction=round(assessment.fraction, 4),
        findings=findings,
        blockers=blockers,
        next_steps=list(dict.fromkeys(next_steps)),  # a blocker and a rule may say the same thing
        caveats=list(dict.fromkeys(_fired(questionnaire.caveats, effective, words))),
        held_back_by=[c.key for c in assessment.gated] if held_back else [],
        caveats_about=list(
            dict.fromkeys(r.about for r in questionnaire.caveats if r.about and holds(r.when, effective))
        ),
        gates=gates,
        unknowns=unknowns,
        task=words["task_family"] if questionnaire.has_question("task_family") and effective.get("task_family") else "",
    )


def _finding(questionnaire: Questionnaire, criterion: Criterion, assessment: _Assessment, index: int) -> Finding:
    effective = assessment.resolved.answers
    drivers: list[Driver] = []
    reasons: list[str] = []
    for signal in criterion.signals:
        if signal.question not in assessment.resolved.visible_keys:
            continue
        question = questionnaire.question(signal.question)
        value = effective.get(signal.question)
        points = signal.points_for(value)
        # What the answer earned: a "don't know" its scoring.unknown_points, unanswered 0.
        shown = questionnaire.scoring.unknown_points if points is None and value == UNKNOWN else points or 0.0
        drivers.append(
            Driver(
                question_key=question.key,
                question_text=question.text,
                answer_display=question.display(value),
                points=shown,
                known=points is not None,
            )
        )
        if reason := signal.reason_for(value):
            reasons.append(reason)
    status = assessment.statuses[index]
    if status != "unknown" and not all(d.known for d in drivers):
        reasons.append(questionnaire.scoring.partly_unknown_note)
    fraction = assessment.fractions[index]
    return Finding(
        criterion=criterion.key,
        label=criterion.label,
        status=status,
        weight=criterion.weight,
        earned=round(criterion.weight * fraction, 4),
        fraction=round(fraction, 4),
        drivers=drivers,
        reason=" ".join([criterion.explain[status], *reasons]),
        source=criterion.source,
    )


class _AnswerWords(dict[str, str]):
    """Fills ``{question_key}`` in caveats and next steps with that answer in words."""

    def __init__(self, questionnaire: Questionnaire, answers: Mapping[str, object]) -> None:
        super().__init__()
        self._questionnaire = questionnaire
        self._answers = answers

    def __missing__(self, key: str) -> str:
        return self._questionnaire.question(key).display(self._answers.get(key), with_unit=False)


def _fired(rules: Iterable[Rule], answers: Mapping[str, object], words: _AnswerWords) -> list[str]:
    return [rule.text.format_map(words) for rule in rules if holds(rule.when, answers)]


# --------------------------------------------------------------------------------------------
# Precomputed once per loaded questionnaire


@dataclass(frozen=True)
class _Candidate:
    """An answer a what-if may try: its value, its place on the question's scale, its words."""

    value: object
    rank: int
    display: str


@dataclass(frozen=True)
class _Plan:
    max_score: float
    position: Mapping[str, int]  # question key -> order in the questionnaire
    # Questions a what-if may change (they feed a criterion or a blocker), with their candidates.
    candidates: Mapping[str, tuple[_Candidate, ...]]
    edges: Mapping[str, tuple[float, ...]]  # number questions: every band edge, ascending


@functools.lru_cache(maxsize=32)
def _plan(questionnaire: Questionnaire) -> _Plan:
    scored = {s.question for c in questionnaire.criteria for s in c.signals}
    # Questions that open or close a blocker or a gate can move the verdict without moving a point.
    blocking = set().union(
        *(condition_questions(b.when) for b in questionnaire.blockers),
        *(condition_questions(g.when) for g in questionnaire.gates),
    )
    edges: dict[str, tuple[float, ...]] = {}
    for criterion in questionnaire.criteria:
        for signal in criterion.signals:
            if signal.bands:
                found = {b.gte for b in signal.bands if b.gte is not None}
                edges[signal.question] = tuple(sorted(found.union(edges.get(signal.question, ()))))
    candidates = {}
    for question in questionnaire.questions:
        if question.key in scored | blocking:
            found = _candidates(question, edges.get(question.key, ()))
            if found:
                candidates[question.key] = found
    return _Plan(
        max_score=sum(c.weight for c in questionnaire.criteria),
        position={q.key: i for i, q in enumerate(questionnaire.questions)},
        candidates=candidates,
        edges=edges,
    )


def _candidates(question: Question, edges: tuple[float, ...]) -> tuple[_Candidate, ...]:
    if question.type == SINGLE_CHOICE:
        return tuple(_Candidate(o.value, i, o.label) for i, o in enumerate(question.options))
    if question.type in (YES_NO, SCALE):
        space = YES_NO_VALUES if question.type == YES_NO else SCALE_VALUES
        return tuple(_Candidate(v, i, question.display(v)) for i, v in enumerate(space))
    if question.type == NUMBER and edges:
        # One representative per band cell; the number itself does not matter, only its band.
        unit = f" {question.unit}" if question.unit else ""
        low = question.min if question.min is not None and question.min < edges[0] else edges[0] - 1
        found = [_Candidate(low, 0, f"under {format_number(edges[0])}{unit}")]
        for i, edge in enumerate(edges, start=1):
            if question.max is None or edge <= question.max:
                found.append(_Candidate(edge, i, f"{format_number(edge)} or more{unit}"))
        return tuple(found)
    return ()  # multiple choice and text are not varied: too many combinations to say anything useful


def _rank(plan: _Plan, question: Question, value: object) -> int | None:
    """Where an answer sits on its question's scale; None for "don't know" or no answer."""
    if value is None or value == UNKNOWN:
        return None
    if question.type == NUMBER:
        return bisect_right(plan.edges[question.key], value)  # type: ignore[arg-type]
    return next(c.rank for c in plan.candidates[question.key] if c.value == value)


# --------------------------------------------------------------------------------------------
# What would change the verdict


@dataclass(frozen=True)
class _Move:
    question: Question
    candidate: _Candidate
    from_value: object
    distance: int  # steps along the question's options; answering a "don't know" counts 1
    after: _Assessment


def what_if(questionnaire: Questionnaire, answers: Mapping[str, object], *, limit: int = 3) -> list[WhatIf]:
    """The smallest sets of answer changes that move the verdict up, or down, by at least a level.

    Only shown questions that feed a criterion or a blocker are varied: choice, yes/no and scale
    answers to each other option, numbers to each band of their signals. Sets of one change are
    tried first; sets of two only if no single change works, then sets of three. Among sets of
    the same size the ones with the smallest moves along the options come first (options are
    listed in order in the YAML, so "monthly" to "daily" is smaller than "once" to "daily";
    answering a "don't know" is a move of one), then those that move the score furthest.
    Each direction returns at most ``limit`` sets, each on a different set of questions; a
    direction with no set of three or fewer changes returns none. Directions come "up" first.

    Sets of two and three combine, per question, the single change that helps most, and only
    combinations whose changes could add up to the target (score gains summed, blockers cleared)
    are evaluated: that keeps the search fast, at the cost of missing exotic combinations that
    only work through a question one of the changes reveals.
    """
    plan = _plan(questionnaire)
    base = _assess(questionnaire, answers)
    moves: dict[str, list[_Move]] = {}
    for question in base.resolved.visible:
        if question.key not in plan.candidates:
            continue
        current = base.resolved.answers.get(question.key)
        rank = _rank(plan, question, current)
        for candidate in plan.candidates[question.key]:
            if candidate.rank == rank:
                continue
            after = _assess(questionnaire, {**answers, question.key: candidate.value})
            distance = 1 if rank is None else abs(candidate.rank - rank)
            moves.setdefault(question.key, []).append(_Move(question, candidate, current, distance, after))

    results: list[WhatIf] = []
    for direction, step in (("up", 1), ("down", -1)):
        if (_LEVEL[base.verdict] + step) in _VERDICT_AT:
            found = _search(questionnaire, answers, base, moves, step, limit)
            results.extend(_what_if(questionnaire, direction, combo, after) for combo, after in found)
    return results


def _search(
    questionnaire: Questionnaire,
    answers: Mapping[str, object],
    base: _Assessment,
    moves: Mapping[str, list[_Move]],
    step: int,
    limit: int,
) -> list[tuple[tuple[_Move, ...], _Assessment]]:
    def reaches(assessment: _Assessment) -> bool:
        return (_LEVEL[assessment.verdict] - _LEVEL[base.verdict]) * step > 0

    position = _plan(questionnaire).position

    def order(found: tuple[tuple[_Move, ...], _Assessment]) -> tuple[int, float, list[int]]:
        # Smallest moves first; among equals, the one that moves the score furthest that way.
        combo, after = found
        return sum(m.distance for m in combo), -step * after.fraction, [position[m.question.key] for m in combo]

    singles = []
    for question_moves in moves.values():
        working = [m for m in question_moves if reaches(m.after)]
        if working:
            best = min(working, key=lambda m: m.distance)
            singles.append(((best,), best.after))
    if singles:
        return sorted(singles, key=order)[:limit]

    # Per question, the change that helps most in this direction.
    start = _progress(base, step)
    helpful = []
    for question_moves in moves.values():
        best = max(question_moves, key=lambda m: (_progress(m.after, step), -m.distance))
        if _progress(best.after, step) > start:
            helpful.append(best)
    could_reach = _could_reach(questionnaire, base, step)

    for size in (2, 3):
        promising = [combo for combo in itertools.combinations(helpful, size) if could_reach(combo)]
        promising.sort(key=lambda combo: sum(m.distance for m in combo))
        found = []
        for combo in promising:
            after = _assess(questionnaire, _apply(answers, combo))
            if reaches(after):
                found.append(_shrink(questionnaire, answers, combo, after, moves, reaches))
                # Enough to pick the `limit` smallest after shrinking, without verifying every
                # combination when many work.
                if len(found) >= 4 * limit:
                    break
        if found:
            return sorted(found, key=order)[:limit]
    return []


def _progress(assessment: _Assessment, step: int) -> tuple[float, ...]:
    """Bigger is closer to the target: blockers count first (they override the score), then the
    open gates and heavy criteria holding a good score back, then the score itself."""
    held = len(assessment.gated) + len(assessment.gates)
    if step > 0:
        return (-len(assessment.blockers), -held, assessment.fraction)
    return (len(assessment.blockers), held, -assessment.fraction)


def _obstacles(assessment: _Assessment) -> frozenset[tuple[str, str]]:
    return frozenset(
        [("blocker", b.key) for b in assessment.blockers]
        + [("heavy", c.key) for c in assessment.gated]
        + [("gate", g.key) for g in assessment.gates]
    )


def _could_reach(questionnaire: Questionnaire, base: _Assessment, step: int) -> Callable[[tuple[_Move, ...]], bool]:
    """A cheap test of whether changes could together reach the next level if their separate
    effects simply added up: it decides which combinations are worth evaluating."""
    scoring = questionnaire.scoring
    if step > 0:
        to_good_fit = base.verdict == "fit_with_caveats"
        needed = scoring.good_fit if to_good_fit else scoring.fit_with_caveats
        # Every blocker must go, and on the way to good_fit every criterion that bars it too.
        must_clear = frozenset(o for o in _obstacles(base) if to_good_fit or o[0] == "blocker")

        def up(combo: tuple[_Move, ...]) -> bool:
            gain = sum(max(m.after.fraction - base.fraction, 0.0) for m in combo)
            if base.fraction + gain < needed - _EPS:
                return False
            remaining = must_clear
            for move in combo:
                remaining = remaining & _obstacles(move.after)
            return not remaining

        return up

    # Down: a single change adding a blocker would have been found already, so only the score
    # falling below the current level, or a criterion starting to bar good_fit, can work.
    needed = scoring.good_fit if base.verdict == "good_fit" else scoring.fit_with_caveats

    def down(combo: tuple[_Move, ...]) -> bool:
        loss = sum(min(m.after.fraction - base.fraction, 0.0) for m in combo)
        return base.fraction + loss < needed - _EPS or (
            base.verdict == "good_fit" and any(m.after.gated or m.after.gates for m in combo)
        )

    return down


def _apply(answers: Mapping[str, object], combo: Iterable[_Move]) -> dict[str, object]:
    changed = dict(answers)
    for move in combo:
        changed[move.question.key] = move.candidate.value
    return changed


def _shrink(
    questionnaire: Questionnaire,
    answers: Mapping[str, object],
    combo: tuple[_Move, ...],
    after: _Assessment,
    moves: Mapping[str, list[_Move]],
    reaches: Callable[[_Assessment], bool],
) -> tuple[tuple[_Move, ...], _Assessment]:
    """Swap each change for the smallest move on the same question that still works."""
    changes = list(combo)
    for i, move in enumerate(changes):
        for smaller in sorted(moves[move.question.key], key=lambda m: m.distance):
            if smaller.distance >= move.distance:
                break
            trial = [*changes[:i], smaller, *changes[i + 1 :]]
            trial_after = _assess(questionnaire, _apply(answers, trial))
            if reaches(trial_after):
                changes, after = trial, trial_after
                break
    return tuple(changes), after


def _what_if(questionnaire: Questionnaire, direction: str, combo: tuple[_Move, ...], after: _Assessment) -> WhatIf:
    return WhatIf(
        direction=direction,
        new_verdict=after.verdict,
        new_verdict_label=questionnaire.scoring.verdict_labels[after.verdict],
        fraction=round(after.fraction, 4),
        changes=[
            Change(
                question_key=m.question.key,
                question_text=m.question.text,
                from_display=m.question.display(m.from_value),
                to_display=m.candidate.display,
                to_value=m.candidate.value,
            )
            for m in combo
        ],
    )
