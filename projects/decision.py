"""The decision in one sentence: the verdict, the gates and the latest report, joined.

The proposal page, the report and the PDF cover all lead with this sentence, so they can never
say two things that read as contradicting each other (a "good fit" beside a report that finds
no approach meeting the must-haves, say). Plain Python, no Django, here in projects so that the
proposal page (projects) and the reports (assessments) share it: see docs/methodology.md §5.2
for the verdict and §7.2 for the must-have filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


@dataclass(frozen=True)
class ReportGist:
    """What a trade-off report concluded, as far as the one sentence needs it."""

    lead: str | None  # the label of the approach ranked first; None when none meets every must-have
    lead_is_ml: bool = True
    relax: Sequence[str] = ()  # the must-haves to relax when none is left, in the report's words
    out_of_date: bool = False


def _count(n: int, word: str) -> str:
    return f"{_NUMBERS.get(n, str(n))} {word}{'' if n == 1 else 's'}"


def _join(items: Sequence[str]) -> str:
    items = [item[0].lower() + item[1:] if item[:2] != item[:2].upper() else item for item in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


PROHIBITED = "prohibited"  # the EU AI Act triage's tier for a banned practice (regulation/engine.py)


def effective_verdict(verdict: str | None, ai_act_tier: str | None) -> str | None:
    """The verdict the decision goes by: "not_a_fit" when the EU AI Act triage finds the use
    prohibited, whatever ML could do; the suitability verdict otherwise (docs/methodology.md §12.11).

    The suitability result itself stays what the engine said of ML: the triage can change after the
    assessment was completed, and back again, so the two are joined here rather than frozen there.
    """
    return "not_a_fit" if ai_act_tier == PROHIBITED else verdict


def verdict_clause(
    verdict: str | None,
    *,
    gates: Sequence[str] = (),
    blockers: Sequence[str] = (),
    held_back: Sequence[str] = (),
    prohibited_by: str = "",
) -> str:
    """The suitability half: 'ML fits, with two caveats (costly mistakes and personal data)'.

    `prohibited_by`: the articles, when the EU AI Act triage finds the use prohibited; it decides
    the clause whatever the verdict (docs/methodology.md §12.11).
    """
    if prohibited_by:
        return f"not a fit: the EU AI Act triage finds this use prohibited ({prohibited_by})"
    if not verdict:
        return "ML suitability is not assessed yet"
    if verdict == "not_a_fit":
        if blockers:
            return f"ML is not the tool here yet ({_join(blockers)})"
        return "ML is not a good fit here yet: the answers score too low"
    if verdict == "fit_with_caveats":
        reasons = [*gates, *held_back]
        if reasons:
            return f"ML fits, with {_count(len(reasons), 'caveat')} ({_join(reasons)})"
        return "ML fits, with caveats"
    return "ML is a good fit"


def report_clause(report: ReportGist | None) -> str:
    if report is None:
        return "no trade-off report yet"
    if report.lead is None:
        text = "no approach meets every must-have"
        if report.relax:
            # Each names a stakeholder first ("Dana's p95 latency <= 50 ms"): kept as written.
            text += f": relax {' or '.join(r.rstrip('.') for r in report.relax[:2])}"
    elif report.lead_is_ml or "no ml" in report.lead.lower():
        text = f"{report.lead} leads the trade-off report"
    else:
        text = f"{report.lead}, without ML, leads the trade-off report"
    if report.out_of_date:
        text += " (out of date: the inputs changed since)"
    return text


def decision_sentence(
    verdict: str | None,
    *,
    gates: Sequence[str] = (),
    blockers: Sequence[str] = (),
    held_back: Sequence[str] = (),
    report: ReportGist | None = None,
    prohibited_by: str = "",
) -> str:
    """One sentence: the verdict and what holds it back, then what the report found."""
    clause = verdict_clause(verdict, gates=gates, blockers=blockers, held_back=held_back, prohibited_by=prohibited_by)
    clause = clause[:1].upper() + clause[1:]
    return f"{clause}; {report_clause(report)}."
