"""Decision quality: how the verdicts compare with a library of public cases (docs/methodology.md §10).

Each case of the library (``docs/cases/*.json``) is a proposal a careful reader entered from a
public source, with the verdict that source supports and the criteria, gates or blockers that
decide it. This module holds the arithmetic and the words; it imports nothing from Django, so the
management command (``evaluate_cases``), the test suite and ``make bench`` share it.

- **Confusion matrix**: one row per expected verdict, one column per verdict given.
- **Recall** of a verdict: of the cases that expect it, the share that got it.
- **Explained**: every deciding key of the case is named in the result: a blocker that fired, an
  open gate, a heavy criterion holding the verdict back, a criterion a caveat qualifies (for a
  verdict short of a good fit), or a criterion whose finding agrees with the verdict (met or
  partly met for a good fit; not met, partly met or unknown otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.vocabulary import VERDICT_LABELS, VERDICTS

RECALL_GOAL = 0.9
CASE_KEYS = ("id", "title", "source", "tags", "expected_verdict", "deciding", "why")
CASE_OPTIONAL_KEYS = ("judgement_calls",)


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    reference: str
    url: str
    tags: tuple[str, ...]
    expected: str
    deciding: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    verdict: str  # "" when the case could not be imported
    named: tuple[str, ...]  # every key the result names (blockers, gates, held back, findings)
    unexplained: tuple[str, ...]  # deciding keys the result does not name
    error: str = ""

    @property
    def hit(self) -> bool:
        return self.verdict == self.case.expected


@dataclass(frozen=True)
class Evaluation:
    outcomes: list[Outcome]
    matrix: dict[str, dict[str, int]] = field(init=False)
    recall: dict[str, float | None] = field(init=False)

    def __post_init__(self) -> None:
        matrix = {expected: {given: 0 for given in (*VERDICTS, "")} for expected in VERDICTS}
        for outcome in self.outcomes:
            matrix[outcome.case.expected][outcome.verdict] += 1
        recall: dict[str, float | None] = {}
        for verdict in VERDICTS:
            total = sum(matrix[verdict].values())
            recall[verdict] = matrix[verdict][verdict] / total if total else None
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "recall", recall)

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.hit]

    @property
    def unexplained(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.hit and o.unexplained]

    @property
    def meets_goal(self) -> bool:
        return all(r is not None and r >= RECALL_GOAL for r in self.recall.values()) and not self.unexplained


def parse_case(raw: object, where: str) -> Case:
    """The ``case`` part of a library file; raise ValueError naming what is wrong."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: 'case' must be an object")
    missing = [k for k in CASE_KEYS if k not in raw]
    unknown = [k for k in raw if k not in CASE_KEYS + CASE_OPTIONAL_KEYS]
    if missing or unknown:
        raise ValueError(f"{where}: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}")
    if raw["expected_verdict"] not in VERDICTS:
        raise ValueError(f"{where}: expected_verdict must be one of {', '.join(VERDICTS)}")
    source = raw["source"]
    if not isinstance(source, Mapping) or not str(source.get("reference", "")).strip():
        raise ValueError(f"{where}: source needs a reference")
    deciding = raw["deciding"]
    if not isinstance(deciding, list) or not deciding or not all(isinstance(k, str) for k in deciding):
        raise ValueError(f"{where}: deciding must be a non-empty list of keys")
    return Case(
        id=str(raw["id"]),
        title=str(raw["title"]),
        reference=str(source["reference"]),
        url=str(source.get("url", "")),
        tags=tuple(raw["tags"]),
        expected=raw["expected_verdict"],
        deciding=tuple(deciding),
        why=str(raw["why"]),
    )


def named_keys(result: Mapping[str, Any]) -> set[str]:
    """Every blocker, gate or criterion the result names in support of its verdict."""
    verdict = result["verdict"]
    named = {b["key"] for b in result.get("blockers", [])}
    named |= {g["key"] for g in result.get("gates", [])}
    named |= set(result.get("held_back_by", []))
    if verdict != "good_fit":
        # A caveat that qualifies a criterion names it as a reason for caution.
        named |= set(result.get("caveats_about", []))
    # A criterion met supports a good fit; for a good fit a partly met one still adds points.
    agreeing = {"met", "partly_met"} if verdict == "good_fit" else {"not_met", "partly_met", "unknown"}
    named |= {f["criterion"] for f in result.get("findings", []) if f["status"] in agreeing}
    return named


def outcome(case: Case, result: Mapping[str, Any]) -> Outcome:
    named = named_keys(result)
    return Outcome(
        case=case,
        verdict=result["verdict"],
        named=tuple(sorted(named)),
        unexplained=tuple(k for k in case.deciding if k not in named),
    )


def failed(case: Case, error: str) -> Outcome:
    return Outcome(case=case, verdict="", named=(), unexplained=case.deciding, error=error)


def deciding_of(result: Mapping[str, Any]) -> list[str]:
    """What decided a result, for the list of misses: blockers, then gates, then heavy criteria."""
    keys = [b["key"] for b in result.get("blockers", [])]
    keys += [g["key"] for g in result.get("gates", [])]
    keys += list(result.get("held_back_by", []))
    return keys


# Each verdict as the portfolio labels it, in running text; "" is a case that could not be imported.
_LABEL = {**{v: label.lower() for v, label in VERDICT_LABELS.items()}, "": "not imported"}


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def as_text(evaluation: Evaluation, *, details: Mapping[str, list[str]] | None = None) -> str:
    """The report the command prints: matrix, recall, misses with their deciding criteria."""
    details = details or {}
    width = max(len(v) for v in _LABEL.values())
    lines = [
        f"{len(evaluation.outcomes)} cases",
        "",
        "expected \\ given".ljust(width + 4) + "".join(_LABEL[v].rjust(width + 2) for v in (*VERDICTS, "")),
    ]
    for expected in VERDICTS:
        row = evaluation.matrix[expected]
        lines.append(_LABEL[expected].ljust(width + 4) + "".join(str(row[v]).rjust(width + 2) for v in (*VERDICTS, "")))
    lines.append("")
    for verdict in VERDICTS:
        total = sum(evaluation.matrix[verdict].values())
        lines.append(
            f"recall {_LABEL[verdict]:<{width}} {_percent(evaluation.recall[verdict]):>5}"
            f"  ({evaluation.matrix[verdict][verdict]} of {total}; goal {RECALL_GOAL:.0%})"
        )
    lines.append("")
    lines.append(f"misses: {len(evaluation.misses)}")
    for o in evaluation.misses:
        given = _LABEL[o.verdict]
        lines.append(f"  {o.case.id}: expected {_LABEL[o.case.expected]}, given {given}")
        lines.append(f"    deciding (case): {', '.join(o.case.deciding)}")
        if o.error:
            lines.append(f"    error: {o.error}")
        else:
            lines.append(f"    deciding (result): {', '.join(details.get(o.case.id, [])) or 'the score alone'}")
    lines.append(f"verdicts right but deciding keys not named: {len(evaluation.unexplained)}")
    for o in evaluation.unexplained:
        lines.append(f"  {o.case.id}: {', '.join(o.unexplained)} not named")
    lines.append("")
    lines.append("goal met" if evaluation.meets_goal else "goal NOT met")
    return "\n".join(lines)


def as_markdown(evaluation: Evaluation, *, details: Mapping[str, list[str]], command: str) -> str:
    """docs/decision-quality.md: the same figures, with every case listed and its source."""
    head = "| expected \\ given | " + " | ".join(_LABEL[v] for v in VERDICTS) + " | not imported |"
    lines = [
        "# Decision quality on the public case library",
        "",
        f"Written by `{command}` (part of `make bench`); the method is in",
        "[methodology.md §10](methodology.md#10-the-public-case-library). Each case is a public source",
        "entered as a proposal (`docs/cases/`), with the verdict the source supports, written before the",
        "engine's production gates were built.",
        "",
        f"{len(evaluation.outcomes)} cases. Goal: every verdict's recall at least {RECALL_GOAL:.0%}, and the",
        "deciding criteria named in the explanation of every case.",
        "",
        head,
        "|---|---|---|---|---|",
    ]
    for expected in VERDICTS:
        row = evaluation.matrix[expected]
        lines.append(f"| **{_LABEL[expected]}** | " + " | ".join(str(row[v]) for v in (*VERDICTS, "")) + " |")
    lines += ["", "| verdict | recall | goal |", "|---|---|---|"]
    for verdict in VERDICTS:
        total = sum(evaluation.matrix[verdict].values())
        lines.append(
            f"| {_LABEL[verdict]} | {_percent(evaluation.recall[verdict])} "
            f"({evaluation.matrix[verdict][verdict]} of {total}) | {RECALL_GOAL:.0%} |"
        )
    lines += ["", f"Cases whose deciding criteria the explanation does not name: {len(evaluation.unexplained)}.", ""]
    lines += ["## Every case", "", "| case | expected | given | decided by | source |", "|---|---|---|---|---|"]
    for o in sorted(evaluation.outcomes, key=lambda o: (VERDICTS.index(o.case.expected), o.case.id)):
        mark = "" if o.hit else " (miss)"
        decided = ", ".join(details.get(o.case.id, [])) or "the score"
        source = f"[{_cell(o.case.reference)}]({o.case.url})" if o.case.url else _cell(o.case.reference)
        lines.append(
            f"| {_cell(o.case.title)} | {_LABEL[o.case.expected]} | {_LABEL[o.verdict]}{mark} | {decided} | {source} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def evaluate(pairs: Iterable[tuple[Case, Mapping[str, Any] | str]]) -> Evaluation:
    """Each case with its result dict, or with the error that kept it from being imported."""
    return Evaluation([failed(case, r) if isinstance(r, str) else outcome(case, r) for case, r in pairs])
