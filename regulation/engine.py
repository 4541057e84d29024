"""The EU AI Act triage engine: answers in, a tier with its reasons, duties and open questions out.

Plain Python, no Django: the rules are data (``regulation/definitions/eu_ai_act.yaml``), loaded and
checked by ``load_rules``, and ``triage`` applies them to the answers of the ``eu_ai_act``
questionnaire (docs/methodology.md §12). It is a triage, not legal advice (``NOT_LEGAL_ADVICE``).

How the tier is decided (docs/methodology.md §12.1):

1. Every rule's condition is evaluated on the answers, in three values: it holds, it does not, or
   it is undecided because an answer it needs is "don't know" or missing.
2. A route (Article 5, Annex I, Annex III, Article 50, general-purpose models) holds when one of its
   rules holds and no exemption takes it away. The Article 6(3) exemption takes the Annex III route
   away when it is claimed and the system is not known to profile people; when the system profiles
   people the exemption falls and the route holds (§12.5).
3. The tier is the first of the tiers, in the file's order of precedence (prohibited, high-risk,
   transparency, minimal), that has a route that holds; minimal when none does.
4. Duties are the obligations whose role and condition hold; those whose condition is undecided
   are listed as "may apply", with the questions that decide them (§12.8). Each carries the date it
   applies from, chosen from the file's dated entries (§12.9).
5. Every "don't know" that could raise the tier or change the duties, every exemption claimed and
   every rule that asks for it is listed for legal review, with the question and the reason
   (§12.10).

An undecided rule never decides the tier. A triage must not silently assume the lighter tier, and
must not claim the heavier one on no evidence: so the "don't know" decides nothing by itself, and
is instead named, with what it could lead to, as the first thing a lawyer should settle.

Pass the effective answers (``questionnaires.engine.conditions.effective_answers``) so that answers
to hidden questions do not count; the rules also guard against stale answers themselves, since a
rule on a follow-up question always reads the question it follows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from domain.yamlcheck import as_list, as_mapping, as_text, as_version, check_keys

RULES_DIR = Path(__file__).resolve().parent / "definitions"
RULES_PATH = RULES_DIR / "eu_ai_act.yaml"

# Shown with every triage, on the page and in the PDF.
NOT_LEGAL_ADVICE = (
    "This is a triage, not legal advice. It sorts the proposed system under the EU AI Act from the "
    "answers given, to show what to look into and whom to ask; it does not settle whether the "
    "system is an AI system, which tier it is in, or what the law requires of your organisation. "
    "Have a qualified lawyer review it, starting with the points listed for legal review, before "
    "relying on it."
)

UNKNOWN = "unknown"  # the questionnaire's "don't know"

# The tiers the engine knows how to apply, highest first. The file must list exactly these, in this
# order: the last is what remains when no route holds, and transparency duties are reported
# alongside any tier.
TIERS = ("prohibited", "high_risk", "transparency", "minimal")
TRANSPARENCY = "transparency"

# What an obligation can constrain in a candidate approach, so that the trade-off report can turn it
# into a production gate or a stakeholder requirement (docs/methodology.md §12.8, §4.4).
CONSTRAINTS = ("human_oversight", "logging", "explanations", "accuracy_robustness")

# Kinds of legal review item, in the order they are listed.
REVIEW_TIER = "tier"  # a "don't know" that could raise the tier
REVIEW_EXEMPTION = "exemption"  # an exemption claimed, or one that might apply
REVIEW_RULE = "rule"  # a rule that fired and asks for a lawyer's view (narrow exceptions)
REVIEW_OBLIGATION = "obligation"  # a "don't know" that could change the duties, not the tier
REVIEW_KINDS = (REVIEW_TIER, REVIEW_EXEMPTION, REVIEW_RULE, REVIEW_OBLIGATION)

# What became of a claimed exemption (the `explain` texts of the file, one per status).
ACCEPTED = "accepted"  # claimed, and the system does not profile people: the route is lifted
ACCEPTED_PENDING = "accepted_pending"  # claimed, profiling unknown: lifted, pending legal review
REFUSED = "refused"  # claimed, but the system profiles people: the route holds
UNCLEAR = "unclear"  # whether it is claimed is undecided: the route holds
EXEMPTION_STATUSES = (ACCEPTED, ACCEPTED_PENDING, REFUSED, UNCLEAR)

ANY_ROLE = "any"
OPS = ("equals", "not_equals", "in", "not_in", "contains")
FACTS = ("tier", "route", "rule", "exemption")
_METHODOLOGY = re.compile(r"^docs/methodology\.md §\d+(\.\d+)*$")
# More rules than this behind one review item are summarised by their route.
_LIST_AT_MOST = 3


# --------------------------------------------------------------------------------------------
# The rules, as loaded


@dataclass(frozen=True)
class Ask:
    """A condition on one answer: ``{question: KEY, op: OP, value: ...}``."""

    question: str
    op: str
    values: tuple[str, ...]  # one value, except for in / not_in


@dataclass(frozen=True)
class Fact:
    """A condition on what the triage has decided: ``{tier: KEY}``, ``{route: ...}``, ..."""

    kind: str  # one of FACTS
    key: str


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    condition: Condition


Condition = Ask | Fact | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Role:
    value: str
    label: str
    citation: str


@dataclass(frozen=True)
class Tier:
    key: str
    label: str
    summary: str
    methodology: str


@dataclass(frozen=True)
class Route:
    key: str
    tier: str | None  # None: the route adds duties alongside any tier and never decides it
    label: str
    citation: str
    methodology: str


@dataclass(frozen=True)
class Source:
    url: str
    what: str


@dataclass(frozen=True)
class AmendingAct:
    name: str
    description: str
    european_parliament_adopted: dt.date
    council_adopted: dt.date
    official_journal: str
    official_journal_confirmed: bool
    sources: tuple[Source, ...]
    to_check: tuple[Source, ...]


@dataclass(frozen=True)
class DatedEntry:
    key: str
    date: dt.date
    label: str
    source: str
    methodology: str
    amended_by: str = ""
    previously: dt.date | None = None  # the date before the amending act moved it


@dataclass(frozen=True)
class Dates:
    as_of: dt.date  # when the dates and sources were last checked
    amending_act: AmendingAct
    base_act_sources: tuple[Source, ...]
    entries: Mapping[str, DatedEntry]


@dataclass(frozen=True)
class DateChoice:
    """One of an ``applies_from`` list: ``date`` when ``when`` holds (always, when it is None)."""

    date: str
    when: Condition | None = None


@dataclass(frozen=True)
class Rule:
    key: str
    route: str
    label: str
    reason: str
    citation: str
    when: Condition
    applies_from: tuple[DateChoice, ...]
    methodology: str
    review: str = ""  # when it fires, why a lawyer should look at it anyway


@dataclass(frozen=True)
class Exemption:
    key: str
    route: str
    label: str
    citation: str
    claimed: Condition
    void_if: Condition
    void_citation: str
    explain: Mapping[str, str]  # one text per status
    methodology: str


@dataclass(frozen=True)
class Obligation:
    key: str
    label: str
    citation: str
    roles: tuple[str, ...]  # empty: whatever the organisation's role
    condition: Condition  # the role and the `if` together
    applies_from: tuple[DateChoice, ...]
    methodology: str
    constrains: str | None = None
    note: str = ""


# eq=False: two loads of the same file are different objects; identity is all a caller needs.
@dataclass(frozen=True, eq=False)
class Rules:
    key: str
    title: str
    version: int
    regulation: str
    questionnaire: str
    methodology: str
    role_question: str
    roles: tuple[Role, ...]
    tiers: tuple[Tier, ...]
    routes: tuple[Route, ...]
    dates: Dates
    rules: tuple[Rule, ...]
    exemptions: tuple[Exemption, ...]
    obligations: tuple[Obligation, ...]
    _routes: Mapping[str, Route] = field(init=False, repr=False)
    _tiers: Mapping[str, Tier] = field(init=False, repr=False)
    # Every question key read, in the order of the file: the order results list questions in.
    question_order: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_routes", {r.key: r for r in self.routes})
        object.__setattr__(self, "_tiers", {t.key: t for t in self.tiers})
        order = dict.fromkeys(ask.question for condition in self._conditions() for ask in _asks(condition))
        object.__setattr__(self, "question_order", tuple(order))

    def route(self, key: str) -> Route:
        return self._routes[key]

    def tier(self, key: str) -> Tier:
        return self._tiers[key]

    def questions_read(self) -> dict[str, frozenset[str]]:
        """Every question key the rules read, with the answer values they compare it with.

        For checking the rules against the questionnaire: each key must be one of its questions,
        and each value one of that question's options ("yes"/"no" for a yes/no question).
        """
        read: dict[str, set[str]] = {}
        for condition in self._conditions():
            for ask in _asks(condition):
                read.setdefault(ask.question, set()).update(v for v in ask.values if v != UNKNOWN)
        return {key: frozenset(values) for key, values in read.items()}

    def _conditions(self) -> Iterator[Condition]:
        for rule in self.rules:
            yield rule.when
            yield from (c.when for c in rule.applies_from if c.when is not None)
        for exemption in self.exemptions:
            yield exemption.claimed
            yield exemption.void_if
        for obligation in self.obligations:
            yield obligation.condition
            yield from (c.when for c in obligation.applies_from if c.when is not None)


def questions_of(condition: Condition) -> tuple[str, ...]:
    """The question keys a condition reads, in order, each once."""
    return tuple(dict.fromkeys(ask.question for ask in _asks(condition)))


def _asks(condition: Condition) -> Iterator[Ask]:
    if isinstance(condition, Ask):
        yield condition
    elif isinstance(condition, AllOf | AnyOf):
        for part in condition.conditions:
            yield from _asks(part)
    elif isinstance(condition, Not):
        yield from _asks(condition.condition)


# --------------------------------------------------------------------------------------------
# The triage, as returned


@dataclass(frozen=True)
class Finding:
    """A rule that holds, in plain words, with what it cites and from when it applies."""

    rule: str
    route: str
    tier: str | None
    label: str
    reason: str
    citation: str
    applies_from: dt.date
    in_effect: bool  # applies_from is on or before the triage's date
    methodology: str
    applies_from_source: str = ""  # the legal source of that date (the rules file's dated entry)


@dataclass(frozen=True)
class ExemptionOutcome:
    exemption: str
    label: str
    citation: str
    status: str  # one of EXEMPTION_STATUSES
    explanation: str
    methodology: str


@dataclass(frozen=True)
class ObligationItem:
    """One line of the checklist."""

    key: str
    label: str
    citation: str
    roles: tuple[str, ...]  # empty: whatever the role
    applies_from: dt.date
    applies_now: bool  # applies_from is on or before the triage's date
    constrains: str | None  # one of CONSTRAINTS, where the duty constrains an approach
    certain: bool  # False: it may apply, depending on the answers in depends_on
    depends_on: tuple[str, ...]
    note: str
    methodology: str
    applies_from_source: str = ""  # the legal source of that date (the rules file's dated entry)
    applies_from_label: str = ""  # what applies from that date, in words


@dataclass(frozen=True)
class LegalReviewItem:
    """A question a lawyer should settle, and why it matters."""

    question: str
    question_text: str  # the question's wording, when the caller passed it; else ""
    kind: str  # one of REVIEW_KINDS
    could_raise_to: str | None  # the tier this could lead to, for kind "tier"
    why: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Triage:
    tier: str
    tier_label: str
    tier_summary: str
    deciding: tuple[Finding, ...]  # the rules that put the system in its tier (none for minimal)
    findings: tuple[Finding, ...]  # every rule that holds, deciding or not
    transparency_duties: tuple[Finding, ...]  # Article 50 rules that hold, whatever the tier
    general_purpose_model: tuple[Finding, ...]  # rules on general-purpose AI models that hold
    exemptions: tuple[ExemptionOutcome, ...]
    obligations: tuple[ObligationItem, ...]
    needs_legal_review: tuple[LegalReviewItem, ...]
    unanswered: tuple[str, ...]  # questions whose missing answer left something undecided
    roles: tuple[str, ...]  # the roles answered (empty when unknown or not answered)
    today: dt.date
    rules_as_of: dt.date
    disclaimer: str = NOT_LEGAL_ADVICE

    @property
    def provisional(self) -> bool:
        """Whether a "don't know" could still raise the tier."""
        return any(item.kind == REVIEW_TIER for item in self.needs_legal_review)

    @property
    def constraints(self) -> frozenset[str]:
        """The approach constraints of the duties that certainly apply."""
        return frozenset(o.constrains for o in self.obligations if o.certain and o.constrains)


# --------------------------------------------------------------------------------------------
# Three-valued evaluation


@dataclass(frozen=True)
class _Truth:
    """True, False, or None (undecided), with the questions that left it undecided."""

    value: bool | None
    dont_know: frozenset[str] = frozenset()
    unanswered: frozenset[str] = frozenset()


_TRUE = _Truth(True)
_FALSE = _Truth(False)


@dataclass(frozen=True)
class _Facts:
    tier: str
    routes: frozenset[str]
    rules: frozenset[str]
    exemptions: frozenset[str]


def _normal(answer: object) -> object:
    # YAML and some callers write yes/no answers as booleans.
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    return answer


def _ask(ask: Ask, answer: object) -> _Truth:
    if answer is None:
        return _Truth(None, unanswered=frozenset({ask.question}))
    # "Don't know" matches nothing, unless the condition names it: then it is an answer like any
    # other (an exception that is not established leaves the duty in place).
    if answer == UNKNOWN and UNKNOWN not in ask.values:
        return _Truth(None, dont_know=frozenset({ask.question}))
    if ask.op == "equals":
        holds = answer == ask.values[0]
    elif ask.op == "not_equals":
        holds = answer != ask.values[0]
    elif ask.op == "in":
        holds = answer in ask.values
    elif ask.op == "not_in":
        holds = answer not in ask.values
    else:  # contains
        holds = isinstance(answer, list | tuple) and ask.values[0] in answer
    return _TRUE if holds else _FALSE


def _evaluate(condition: Condition, answers: Mapping[str, object], facts: _Facts | None) -> _Truth:
    if isinstance(condition, Ask):
        return _ask(condition, answers.get(condition.question))
    if isinstance(condition, Fact):
        if facts is None:  # the loader keeps facts out of rules and exemptions
            raise AssertionError(f"fact {condition.kind!r} read before the triage decided it")
        holds = {
            "tier": facts.tier == condition.key,
            "route": condition.key in facts.routes,
            "rule": condition.key in facts.rules,
            "exemption": condition.key in facts.exemptions,
        }[condition.kind]
        return _TRUE if holds else _FALSE
    if isinstance(condition, Not):
        inner = _evaluate(condition.condition, answers, facts)
        return inner if inner.value is None else (_FALSE if inner.value else _TRUE)
    parts = [_evaluate(c, answers, facts) for c in condition.conditions]
    if isinstance(condition, AllOf):
        # Parts are written in the order they are asked, a follow-up after the question it
        # follows: after an undecided part, a later question may be hidden rather than skipped, so
        # its missing answer is not reported as unanswered.
        for i in range(1, len(parts)):
            if parts[i - 1].value is None and parts[i].unanswered:
                parts[i] = _Truth(parts[i].value, parts[i].dont_know)
    # Kleene logic: one false part makes "all" false and one true part makes "any" true, whatever
    # the undecided parts; otherwise an undecided part leaves the whole undecided.
    decisive = isinstance(condition, AnyOf)
    if any(p.value is decisive for p in parts):
        return _TRUE if decisive else _FALSE
    undecided = [p for p in parts if p.value is None]
    if not undecided:
        return _FALSE if decisive else _TRUE
    return _Truth(
        None,
        dont_know=frozenset().union(*(p.dont_know for p in undecided)),
        unanswered=frozenset().union(*(p.unanswered for p in undecided)),
    )


def _date(choices: tuple[DateChoice, ...], rules: Rules, answers: Mapping[str, object], facts: _Facts) -> DatedEntry:
    # The last choice has no condition and is the earlier date, so an undecided condition falls
    # through to it: a "don't know" never postpones a duty.
    for choice in choices:
        if choice.when is None or _evaluate(choice.when, answers, facts).value is True:
            return rules.dates.entries[choice.date]
    raise AssertionError("the loader guarantees a last choice without a condition")


# --------------------------------------------------------------------------------------------
# The triage


def triage(
    rules: Rules,
    answers: Mapping[str, object],
    *,
    today: dt.date | None = None,
    question_texts: Mapping[str, str] | None = None,
) -> Triage:
    """Apply ``rules`` to ``answers`` (question key -> answer) as of ``today`` (default: today).

    ``question_texts`` (question key -> wording), when given, fills in the wording of each legal
    review item, so a page or a PDF can show it without the questionnaire.
    """
    today = today or dt.date.today()
    answers = {key: _normal(value) for key, value in answers.items()}
    texts = question_texts or {}

    truths = {rule.key: _evaluate(rule.when, answers, None) for rule in rules.rules}
    fired = frozenset(key for key, truth in truths.items() if truth.value is True)
    fired_routes = {rule.route for rule in rules.rules if rule.key in fired}
    undecided_routes = {rule.route for rule in rules.rules if truths[rule.key].value is None}
    exemption_truths, undecided_claims = _exemptions_claimed(rules, answers, fired_routes, undecided_routes)
    relied_on = frozenset(
        key
        for key, (status, _claimed, _void) in exemption_truths.items()
        if status in (ACCEPTED, ACCEPTED_PENDING) and _exemption_by_key(rules, key).route in fired_routes
    )
    exempted_routes = {_exemption_by_key(rules, key).route for key in relied_on}

    holding = frozenset(fired_routes - exempted_routes)
    tier = next(
        (t.key for t in rules.tiers[:-1] if any(r.tier == t.key and r.key in holding for r in rules.routes)),
        rules.tiers[-1].key,
    )
    facts = _Facts(tier=tier, routes=holding, rules=fired, exemptions=relied_on)

    findings = tuple(_finding(rules, rule, answers, facts, today) for rule in rules.rules if rule.key in fired)
    deciding = tuple(f for f in findings if f.tier == tier and f.route in holding)
    obligations, obligation_truths = _obligations(rules, answers, facts, today)

    review = _Review(rules, texts)
    _review_rules(review, rules, truths, tier, exempted_routes)
    _review_exemptions(review, rules, exemption_truths, fired_routes)
    for rule in rules.rules:
        if rule.key in fired and rule.review:
            review.add(_first_question(rule.when), REVIEW_RULE, None, rule.review, (rule.citation,))
    _review_obligations(review, rules, obligation_truths)

    undecided = [truth for truth in truths.values() if truth.value is None]
    undecided += [t for _status, claimed, void in exemption_truths.values() for t in (claimed, void)]
    undecided += undecided_claims + list(obligation_truths.values())
    missing = frozenset().union(*(t.unanswered for t in undecided)) if undecided else frozenset()

    role_answer = answers.get(rules.role_question)
    chosen = tuple(r.value for r in rules.roles if isinstance(role_answer, list | tuple) and r.value in role_answer)
    return Triage(
        tier=tier,
        tier_label=rules.tier(tier).label,
        tier_summary=rules.tier(tier).summary,
        deciding=deciding,
        findings=findings,
        transparency_duties=tuple(f for f in findings if f.tier == TRANSPARENCY),
        general_purpose_model=tuple(f for f in findings if f.tier is None),
        exemptions=tuple(
            _exemption_outcome(_exemption_by_key(rules, key), status)
            for key, (status, _claimed, _void) in exemption_truths.items()
        ),
        obligations=obligations,
        needs_legal_review=review.items(),
        unanswered=tuple(q for q in rules.question_order if q in missing),
        roles=chosen,
        today=today,
        rules_as_of=rules.dates.as_of,
    )


def _exemptions_claimed(
    rules: Rules, answers: Mapping[str, object], fired_routes: set[str], undecided_routes: set[str]
) -> tuple[dict[str, tuple[str, _Truth, _Truth]], list[_Truth]]:
    """Each exemption's status with the truths behind it; and the claims not answered yet.

    An exemption is looked at where its route has a listed use that holds. Where a listed use only
    might hold, a claim made anyway is still reported (every claimed exemption goes to legal
    review), but its questions, hidden until a listed use is known, are not asked for.
    """
    outcomes: dict[str, tuple[str, _Truth, _Truth]] = {}
    not_answered: list[_Truth] = []
    for exemption in rules.exemptions:
        if exemption.route not in fired_routes | undecided_routes:
            continue
        claimed = _evaluate(exemption.claimed, answers, None)
        void = _evaluate(exemption.void_if, answers, None)
        status = _exemption_status(claimed, void)
        if status is None or (exemption.route not in fired_routes and claimed.value is not True):
            continue
        if status == UNCLEAR and not claimed.dont_know:
            # Not answered yet, rather than not known: listed as unanswered, not as an outcome.
            not_answered.append(claimed)
            continue
        outcomes[exemption.key] = (status, claimed, void)
    return outcomes, not_answered


def _exemption_by_key(rules: Rules, key: str) -> Exemption:
    return next(e for e in rules.exemptions if e.key == key)


def _exemption_status(claimed: _Truth, void: _Truth) -> str | None:
    if claimed.value is False:
        return None
    if claimed.value is None:
        # Not claimed for sure: the listed use keeps its tier. An exemption is something the
        # provider must establish and document (Article 6(4)), so an unknown one is not relied on.
        return UNCLEAR
    if void.value is True:
        return REFUSED
    # Profiling unknown: the exemption is relied on for now, because a "don't know" must not make
    # the system high-risk by itself; the profiling question goes to legal review as able to raise
    # the tier.
    return ACCEPTED if void.value is False else ACCEPTED_PENDING


def _exemption_outcome(exemption: Exemption, status: str) -> ExemptionOutcome:
    return ExemptionOutcome(
        exemption=exemption.key,
        label=exemption.label,
        citation=exemption.void_citation if status == REFUSED else exemption.citation,
        status=status,
        explanation=exemption.explain[status],
        methodology=exemption.methodology,
    )


def _finding(rules: Rules, rule: Rule, answers: Mapping[str, object], facts: _Facts, today: dt.date) -> Finding:
    entry = _date(rule.applies_from, rules, answers, facts)
    applies_from = entry.date
    return Finding(
        rule=rule.key,
        route=rule.route,
        tier=rules.route(rule.route).tier,
        label=rule.label,
        reason=rule.reason,
        citation=rule.citation,
        applies_from=applies_from,
        in_effect=applies_from <= today,
        methodology=rule.methodology,
        applies_from_source=entry.source,
    )


def _obligations(
    rules: Rules, answers: Mapping[str, object], facts: _Facts, today: dt.date
) -> tuple[tuple[ObligationItem, ...], dict[str, _Truth]]:
    items: list[ObligationItem] = []
    undecided: dict[str, _Truth] = {}
    for obligation in rules.obligations:
        truth = _evaluate(obligation.condition, answers, facts)
        if truth.value is False:
            continue
        if truth.value is None:
            undecided[obligation.key] = truth
        entry = _date(obligation.applies_from, rules, answers, facts)
        applies_from = entry.date
        items.append(
            ObligationItem(
                key=obligation.key,
                label=obligation.label,
                citation=obligation.citation,
                roles=obligation.roles,
                applies_from=applies_from,
                applies_now=applies_from <= today,
                constrains=obligation.constrains,
                certain=truth.value is True,
                depends_on=tuple(q for q in rules.question_order if q in truth.dont_know | truth.unanswered),
                note=obligation.note,
                methodology=obligation.methodology,
                applies_from_source=entry.source,
                applies_from_label=entry.label,
            )
        )
    return tuple(items), undecided


# --------------------------------------------------------------------------------------------
# Legal review


@dataclass
class _Draft:
    question: str
    kind: str
    could_raise_to: str | None
    rules: list[Rule] = field(default_factory=list)  # undecided rules behind it
    obligations: list[Obligation] = field(default_factory=list)  # undecided duties behind it
    texts: list[str] = field(default_factory=list)  # ready-made reasons (exemptions, rules)
    citations: list[str] = field(default_factory=list)


class _Review:
    """Collects review items, one per question, kind and tier reached, in the order found."""

    def __init__(self, rules: Rules, texts: Mapping[str, str]) -> None:
        self._rules = rules
        self._texts = texts
        self._drafts: dict[tuple[str, str, str | None], _Draft] = {}

    def draft(self, question: str, kind: str, could_raise_to: str | None) -> _Draft:
        key = (question, kind, could_raise_to)
        if key not in self._drafts:
            self._drafts[key] = _Draft(question, kind, could_raise_to)
        return self._drafts[key]

    def add(self, question: str, kind: str, could_raise_to: str | None, text: str, citations: tuple[str, ...]) -> None:
        draft = self.draft(question, kind, could_raise_to)
        if text not in draft.texts:
            draft.texts.append(text)
        draft.citations += [c for c in citations if c not in draft.citations]

    def items(self) -> tuple[LegalReviewItem, ...]:
        precedence = {t.key: i for i, t in enumerate(self._rules.tiers)}

        def order(draft: _Draft) -> tuple[int, int]:
            return REVIEW_KINDS.index(draft.kind), precedence.get(draft.could_raise_to or "", len(precedence))

        drafts = sorted(self._drafts.values(), key=order)  # stable: first found first within a kind
        return tuple(self._item(d) for d in drafts)

    def _item(self, draft: _Draft) -> LegalReviewItem:
        parts = list(draft.texts)
        citations = list(draft.citations)
        if draft.rules:
            tier = self._rules.tier(draft.could_raise_to).label.lower() if draft.could_raise_to else ""
            lead = (
                f"Depending on the answer, the tier could rise to {tier}"
                if draft.kind == REVIEW_TIER
                else "Depending on the answer, more duties could apply"
            )
            parts.insert(0, f"{lead}: {_rules_in_words(self._rules, draft.rules)}.")
            citations += [r.citation for r in draft.rules if r.citation not in citations]
        if draft.obligations:
            cited = [o.citation for o in draft.obligations]
            listed = "; ".join(cited) if len(cited) <= _LIST_AT_MOST else f"{len(cited)} duties in the checklist"
            parts.append(f"Whether these duties apply depends on the answer: {listed}.")
            citations += [c for c in cited if c not in citations]
        return LegalReviewItem(
            question=draft.question,
            question_text=self._texts.get(draft.question, ""),
            kind=draft.kind,
            could_raise_to=draft.could_raise_to,
            why=" ".join(parts),
            citations=tuple(citations),
        )


def _rules_in_words(rules: Rules, listed: list[Rule]) -> str:
    by_route: dict[str, list[Rule]] = {}
    for rule in listed:
        by_route.setdefault(rule.route, []).append(rule)
    words = []
    for route_key, route_rules in by_route.items():
        if len(route_rules) > _LIST_AT_MOST:
            route = rules.route(route_key)
            words.append(f"{_lower_first(route.label)} ({len(route_rules)} possible, {route.citation})")
        else:
            words += [f"{_lower_first(r.label)} ({r.citation})" for r in route_rules]
    return "; ".join(words)


def _lower_first(label: str) -> str:
    # "Recruitment and selection" reads as part of a sentence; "Annex III" keeps its capitals.
    return label[:1].lower() + label[1:]


def _review_rules(
    review: _Review, rules: Rules, truths: Mapping[str, _Truth], tier: str, exempted_routes: set[str]
) -> None:
    precedence = [t.key for t in rules.tiers]
    for rule in rules.rules:
        truth = truths[rule.key]
        if truth.value is not None or not truth.dont_know or rule.route in exempted_routes:
            continue
        route_tier = rules.route(rule.route).tier
        if route_tier is not None and precedence.index(route_tier) < precedence.index(tier):
            kind, raise_to = REVIEW_TIER, route_tier
        elif tier == precedence[0]:
            continue  # a prohibited system: nothing lower changes what to do
        else:
            kind, raise_to = REVIEW_OBLIGATION, None
        for question in truth.dont_know:
            draft = review.draft(question, kind, raise_to)
            if rule not in draft.rules:
                draft.rules.append(rule)


def _review_exemptions(
    review: _Review, rules: Rules, outcomes: Mapping[str, tuple[str, _Truth, _Truth]], fired_routes: set[str]
) -> None:
    for key, (status, claimed, void) in outcomes.items():
        exemption = _exemption_by_key(rules, key)
        text = exemption.explain[status]
        if status == UNCLEAR:
            # Only an honest "don't know" goes to a lawyer; a missing answer is listed as unanswered.
            for question in sorted(claimed.dont_know):
                review.add(question, REVIEW_EXEMPTION, None, text, (exemption.citation,))
            continue
        citations = (exemption.void_citation,) if status == REFUSED else (exemption.citation, "Article 6(4)")
        review.add(_first_question(exemption.claimed), REVIEW_EXEMPTION, None, text, citations)
        if status == ACCEPTED_PENDING and exemption.route in fired_routes:
            raise_to = rules.route(exemption.route).tier
            falls = (
                f"Depending on the answer, the exemption claimed ({exemption.citation}) falls and the tier "
                f"rises to {rules.tier(raise_to).label.lower()}."
            )
            for question in sorted(void.dont_know):
                review.add(question, REVIEW_TIER, raise_to, falls, (exemption.void_citation,))


def _review_obligations(review: _Review, rules: Rules, undecided: Mapping[str, _Truth]) -> None:
    by_key = {o.key: o for o in rules.obligations}
    for key, truth in undecided.items():
        for question in sorted(truth.dont_know):
            draft = review.draft(question, REVIEW_OBLIGATION, None)
            draft.obligations.append(by_key[key])


def _first_question(condition: Condition) -> str:
    return next(_asks(condition)).question


# --------------------------------------------------------------------------------------------
# Loader


def rules_from_file(path: str | Path = RULES_PATH) -> Rules:
    with open(path, encoding="utf-8") as fh:
        return load_rules(yaml.safe_load(fh))


def load_rules(data: Mapping[str, Any]) -> Rules:
    """Build the rules from a parsed YAML mapping, or raise ValueError naming the bad key."""
    where = "rules file"
    check_keys(
        data,
        where,
        required={
            "key",
            "title",
            "version",
            "regulation",
            "questionnaire",
            "methodology",
            "roles",
            "tiers",
            "routes",
            "dates",
            "rules",
            "exemptions",
            "obligations",
        },
    )
    role_question, roles = _roles(data["roles"])
    tiers = _tiers(data["tiers"])
    routes = _routes(data["routes"], {t.key for t in tiers})
    dates = _dates(data["dates"])
    rules = _rule_list(data["rules"], {r.key for r in routes}, dates)
    known = {
        "tier": {t.key for t in tiers},
        "route": {r.key for r in routes},
        "rule": {r.key for r in rules},
    }
    exemptions = _exemptions(data["exemptions"], known["route"])
    known["exemption"] = {e.key for e in exemptions}
    obligations = _obligations_list(data["obligations"], role_question, {r.value for r in roles}, known, dates)
    return Rules(
        key=as_text(data["key"], f"{where}.key"),
        title=as_text(data["title"], f"{where}.title"),
        version=as_version(data["version"], where),
        regulation=as_text(data["regulation"], f"{where}.regulation"),
        questionnaire=as_text(data["questionnaire"], f"{where}.questionnaire"),
        methodology=_methodology(data["methodology"], f"{where}.methodology"),
        role_question=role_question,
        roles=roles,
        tiers=tiers,
        routes=routes,
        dates=dates,
        rules=rules,
        exemptions=exemptions,
        obligations=obligations,
    )


def _roles(raw: Any) -> tuple[str, tuple[Role, ...]]:
    where = "roles"
    check_keys(raw, where, required={"question", "values"})
    roles: list[Role] = []
    for i, item in enumerate(as_list(raw["values"], f"{where}.values", nonempty=True)):
        at = f"{where}.values[{i}]"
        check_keys(item, at, required={"value", "label", "citation"})
        role = Role(
            value=_key(item["value"], f"{at}.value"),
            label=as_text(item["label"], f"{at}.label"),
            citation=as_text(item["citation"], f"{at}.citation"),
        )
        if role.value == ANY_ROLE or any(r.value == role.value for r in roles):
            raise ValueError(f"{at}.value: {role.value!r} is reserved or used twice")
        roles.append(role)
    return _key(raw["question"], f"{where}.question"), tuple(roles)


def _tiers(raw: Any) -> tuple[Tier, ...]:
    tiers: list[Tier] = []
    for i, item in enumerate(as_list(raw, "tiers", nonempty=True)):
        at = f"tiers[{i}]"
        check_keys(item, at, required={"key", "label", "summary", "methodology"})
        tiers.append(
            Tier(
                key=_key(item["key"], f"{at}.key"),
                label=as_text(item["label"], f"{at}.label"),
                summary=as_text(item["summary"], f"{at}.summary"),
                methodology=_methodology(item["methodology"], f"{at}.methodology"),
            )
        )
    if tuple(t.key for t in tiers) != TIERS:
        raise ValueError(f"tiers: must be {', '.join(TIERS)}, in this order of precedence")
    return tuple(tiers)


def _routes(raw: Any, tiers: set[str]) -> tuple[Route, ...]:
    routes: list[Route] = []
    for i, item in enumerate(as_list(raw, "routes", nonempty=True)):
        at = f"routes[{i}]"
        check_keys(item, at, required={"key", "label", "citation", "methodology"}, optional={"tier"})
        route = Route(
            key=_unique(item["key"], f"{at}.key", {r.key for r in routes}),
            tier=_ref(item["tier"], f"{at}.tier", tiers) if "tier" in item else None,
            label=as_text(item["label"], f"{at}.label"),
            citation=as_text(item["citation"], f"{at}.citation"),
            methodology=_methodology(item["methodology"], f"{at}.methodology"),
        )
        if route.tier == TIERS[-1]:
            raise ValueError(f"{at}.tier: '{TIERS[-1]}' is what remains when no route holds; no route leads to it")
        routes.append(route)
    return tuple(routes)


def _dates(raw: Any) -> Dates:
    where = "dates"
    check_keys(raw, where, required={"as_of", "amending_act", "base_act_sources", "entries"})
    act = raw["amending_act"]
    at = f"{where}.amending_act"
    check_keys(
        act,
        at,
        required={
            "name",
            "description",
            "european_parliament_adopted",
            "council_adopted",
            "official_journal",
            "official_journal_confirmed",
            "sources",
        },
        optional={"to_check"},
    )
    if not isinstance(act["official_journal_confirmed"], bool):
        raise ValueError(f"{at}.official_journal_confirmed: expected true or false")
    entries: dict[str, DatedEntry] = {}
    for i, item in enumerate(as_list(raw["entries"], f"{where}.entries", nonempty=True)):
        at_entry = f"{where}.entries[{i}]"
        check_keys(
            item,
            at_entry,
            required={"key", "date", "label", "source", "methodology"},
            optional={"amended_by", "previously"},
        )
        key = _unique(item["key"], f"{at_entry}.key", set(entries))
        entries[key] = DatedEntry(
            key=key,
            date=_day(item["date"], f"{at_entry}.date"),
            label=as_text(item["label"], f"{at_entry}.label"),
            source=as_text(item["source"], f"{at_entry}.source"),
            methodology=_methodology(item["methodology"], f"{at_entry}.methodology"),
            amended_by=as_text(item["amended_by"], f"{at_entry}.amended_by") if "amended_by" in item else "",
            previously=_day(item["previously"], f"{at_entry}.previously") if "previously" in item else None,
        )
    return Dates(
        as_of=_day(raw["as_of"], f"{where}.as_of"),
        amending_act=AmendingAct(
            name=as_text(act["name"], f"{at}.name"),
            description=as_text(act["description"], f"{at}.description"),
            european_parliament_adopted=_day(act["european_parliament_adopted"], f"{at}.european_parliament_adopted"),
            council_adopted=_day(act["council_adopted"], f"{at}.council_adopted"),
            official_journal=as_text(act["official_journal"], f"{at}.official_journal"),
            official_journal_confirmed=act["official_journal_confirmed"],
            sources=_sources(act["sources"], f"{at}.sources"),
            to_check=_sources(act.get("to_check", []), f"{at}.to_check"),
        ),
        base_act_sources=_sources(raw["base_act_sources"], f"{where}.base_act_sources"),
        entries=entries,
    )


def _sources(raw: Any, where: str) -> tuple[Source, ...]:
    sources = []
    for i, item in enumerate(as_list(raw, where)):
        at = f"{where}[{i}]"
        check_keys(item, at, required={"url", "what"})
        url = as_text(item["url"], f"{at}.url")
        if not url.startswith("https://"):
            raise ValueError(f"{at}.url: expected an https:// address")
        sources.append(Source(url=url, what=as_text(item["what"], f"{at}.what")))
    return tuple(sources)


def _rule_list(raw: Any, routes: set[str], dates: Dates) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for i, item in enumerate(as_list(raw, "rules", nonempty=True)):
        at = f"rules[{i}]"
        check_keys(
            item,
            at,
            required={"key", "route", "label", "reason", "citation", "when", "applies_from", "methodology"},
            optional={"review"},
        )
        key = _unique(item["key"], f"{at}.key", {r.key for r in rules})
        at = f"rule '{key}'"
        rules.append(
            Rule(
                key=key,
                route=_ref(item["route"], f"{at}.route", routes),
                label=as_text(item["label"], f"{at}.label"),
                reason=as_text(item["reason"], f"{at}.reason"),
                citation=as_text(item["citation"], f"{at}.citation"),
                # Rules decide the facts, so they may read only answers.
                when=_condition(item["when"], f"{at}.when", known=None),
                applies_from=_date_choices(item["applies_from"], f"{at}.applies_from", dates, known=None),
                methodology=_methodology(item["methodology"], f"{at}.methodology"),
                review=as_text(item["review"], f"{at}.review") if "review" in item else "",
            )
        )
    return tuple(rules)


def _exemptions(raw: Any, routes: set[str]) -> tuple[Exemption, ...]:
    exemptions: list[Exemption] = []
    for i, item in enumerate(as_list(raw, "exemptions")):
        at = f"exemptions[{i}]"
        check_keys(
            item,
            at,
            required={
                "key",
                "route",
                "label",
                "citation",
                "claimed",
                "void_if",
                "void_citation",
                "explain",
                "methodology",
            },
        )
        key = _unique(item["key"], f"{at}.key", {e.key for e in exemptions})
        at = f"exemption '{key}'"
        explain = item["explain"]
        check_keys(explain, f"{at}.explain", required=set(EXEMPTION_STATUSES))
        exemptions.append(
            Exemption(
                key=key,
                route=_ref(item["route"], f"{at}.route", routes),
                label=as_text(item["label"], f"{at}.label"),
                citation=as_text(item["citation"], f"{at}.citation"),
                claimed=_condition(item["claimed"], f"{at}.claimed", known=None),
                void_if=_condition(item["void_if"], f"{at}.void_if", known=None),
                void_citation=as_text(item["void_citation"], f"{at}.void_citation"),
                explain={s: as_text(explain[s], f"{at}.explain.{s}") for s in EXEMPTION_STATUSES},
                methodology=_methodology(item["methodology"], f"{at}.methodology"),
            )
        )
    return tuple(exemptions)


def _obligations_list(
    raw: Any, role_question: str, roles: set[str], known: Mapping[str, set[str]], dates: Dates
) -> tuple[Obligation, ...]:
    obligations: list[Obligation] = []
    for i, item in enumerate(as_list(raw, "obligations", nonempty=True)):
        at = f"obligations[{i}]"
        check_keys(
            item,
            at,
            required={"key", "label", "citation", "roles", "applies_from", "methodology"},
            optional={"if", "constrains", "note"},
        )
        key = _unique(item["key"], f"{at}.key", {o.key for o in obligations})
        at = f"obligation '{key}'"
        if item["roles"] == ANY_ROLE:
            who: tuple[str, ...] = ()
        else:
            who = tuple(_ref(r, f"{at}.roles", roles) for r in as_list(item["roles"], f"{at}.roles", nonempty=True))
        parts: list[Condition] = []
        if who:
            # The role question is a multiple choice: the duty is the organisation's if any of its
            # roles is ticked; "don't know" leaves it undecided ("may apply").
            parts.append(AnyOf(tuple(Ask(role_question, "contains", (r,)) for r in who)))
        if "if" in item:
            parts.append(_condition(item["if"], f"{at}.if", known=known))
        constrains = item.get("constrains")
        if constrains is not None and constrains not in CONSTRAINTS:
            raise ValueError(f"{at}.constrains: must be one of {', '.join(CONSTRAINTS)}, not {constrains!r}")
        obligations.append(
            Obligation(
                key=key,
                label=as_text(item["label"], f"{at}.label"),
                citation=as_text(item["citation"], f"{at}.citation"),
                roles=who,
                condition=AllOf(tuple(parts)),
                applies_from=_date_choices(item["applies_from"], f"{at}.applies_from", dates, known=known),
                methodology=_methodology(item["methodology"], f"{at}.methodology"),
                constrains=constrains,
                note=as_text(item["note"], f"{at}.note") if "note" in item else "",
            )
        )
    return tuple(obligations)


def _date_choices(
    raw: Any, where: str, dates: Dates, *, known: Mapping[str, set[str]] | None
) -> tuple[DateChoice, ...]:
    if isinstance(raw, str):
        return (DateChoice(date=_ref(raw, where, set(dates.entries))),)
    items = as_list(raw, where, nonempty=True)
    choices = []
    for i, item in enumerate(items):
        at = f"{where}[{i}]"
        last = i == len(items) - 1
        check_keys(item, at, required={"date"} if last else {"date", "if"})
        choices.append(
            DateChoice(
                date=_ref(item["date"], f"{at}.date", set(dates.entries)),
                when=None if last else _condition(item["if"], f"{at}.if", known=known),
            )
        )
    return tuple(choices)


def _condition(raw: Any, where: str, *, known: Mapping[str, set[str]] | None) -> Condition:
    """A condition; ``known`` names the facts it may read (None: answers only)."""
    node = as_mapping(raw, where)
    for group, build in (("all", AllOf), ("any", AnyOf)):
        if group in node:
            check_keys(node, where, required={group})
            items = as_list(node[group], f"{where}.{group}", nonempty=True)
            return build(tuple(_condition(c, f"{where}.{group}[{i}]", known=known) for i, c in enumerate(items)))
    if "not" in node:
        check_keys(node, where, required={"not"})
        return Not(_condition(node["not"], f"{where}.not", known=known))
    facts = [kind for kind in FACTS if kind in node]
    if facts:
        kind = facts[0]
        check_keys(node, where, required={kind})
        if known is None:
            raise ValueError(f"{where}: '{kind}' can only be read by obligations, after the tier is decided")
        return Fact(kind, _ref(node[kind], f"{where}.{kind}", known[kind]))
    check_keys(node, where, required={"question", "op", "value"})
    op = node["op"]
    if op not in OPS:
        raise ValueError(f"{where}.op: must be one of {', '.join(OPS)}, not {op!r}")
    if op in ("in", "not_in"):
        values = tuple(_value(v, f"{where}.value") for v in as_list(node["value"], f"{where}.value", nonempty=True))
    else:
        values = (_value(node["value"], f"{where}.value"),)
    if op == "contains" and UNKNOWN in values:
        raise ValueError(f"{where}.value: 'contains' compares with an option; compare 'unknown' with 'equals'")
    return Ask(_key(node["question"], f"{where}.question"), op, values)


def _value(raw: Any, where: str) -> str:
    # PyYAML reads a bare yes/no as a boolean; the questionnaire stores the strings.
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    return as_text(raw, where)


def _key(raw: Any, where: str) -> str:
    text = as_text(raw, where)
    if not re.fullmatch(r"[a-z0-9_]+", text):
        raise ValueError(f"{where}: {text!r} is not a key (lower case, digits and underscores)")
    return text


def _unique(raw: Any, where: str, used: set[str]) -> str:
    key = _key(raw, where)
    if key in used:
        raise ValueError(f"{where}: duplicate key {key!r}")
    return key


def _ref(raw: Any, where: str, known: set[str]) -> str:
    key = _key(raw, where)
    if key not in known:
        raise ValueError(f"{where}: unknown key {key!r}")
    return key


def _day(raw: Any, where: str) -> dt.date:
    # YAML reads 2026-12-04 as a date; a definition that went through JSON holds the string.
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise ValueError(f"{where}: expected a date such as 2026-12-04")


def _methodology(raw: Any, where: str) -> str:
    text = as_text(raw, where)
    if not _METHODOLOGY.match(text):
        raise ValueError(f"{where}: expected a citation such as 'docs/methodology.md §12.2', not {text!r}")
    return text
