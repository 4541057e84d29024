"""The EU AI Act triage in the product: the screening, its result, and the checklist of duties.

The screening is an assessment of the `eu_ai_act` questionnaire on the proposal (no stakeholder),
answered with questionnaires.services like any other. Its result is never frozen: the triage is
recomputed from the answers that count whenever it is read, because "applies now" moves with the
date and the rules file is data (docs/methodology.md §12). What the rest of the product needs (the
tier, the deciding articles, the duties still open) is written onto the proposal through
projects.services.proposal_set_ai_act each time an answer or a tick changes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.inputs import InputRefused, clean_text
from accounts.models import User
from audit.services import audit_record
from projects.models import Proposal
from projects.services import proposal_set_ai_act
from questionnaires.engine import Questionnaire, effective_answers, missing_required
from questionnaires.models import Assessment
from questionnaires.services import AssessmentError, SaveOutcome, answers_of, answers_save, proposal_assessment_latest
from questionnaires.versions import engine_questionnaire, latest_version
from regulation import engine
from regulation.models import ObligationCheck

QUESTIONNAIRE_KEY = "eu_ai_act"
EVIDENCE_MAX = ObligationCheck._meta.get_field("evidence").max_length


@lru_cache(maxsize=1)
def rules() -> engine.Rules:
    """The rules file, loaded and checked once per process (it is part of the deployed code)."""
    return engine.rules_from_file()


def screening_latest(*, proposal: Proposal) -> Assessment | None:
    """The proposal's triage screening: its newest assessment of the `eu_ai_act` questionnaire."""
    return proposal_assessment_latest(proposal=proposal, key=QUESTIONNAIRE_KEY)


@transaction.atomic
def screening_start(*, proposal: Proposal, by: User) -> Assessment:
    """Start the screening on the latest questionnaire version, or return the one there is."""
    # Lock the proposal so two starts at the same moment make one screening, not two.
    Proposal.objects.select_for_update().filter(pk=proposal.pk).first()
    current = screening_latest(proposal=proposal)
    if current is not None:
        return current
    version = latest_version(QUESTIONNAIRE_KEY)
    if version is None:
        raise AssessmentError(
            "The EU AI Act questionnaire is not published yet. An admin runs `manage.py load_questionnaires`."
        )
    questionnaire = engine_questionnaire(version)
    assessment = Assessment.objects.create(
        organisation=proposal.organisation,
        proposal=proposal,
        questionnaire=version,
        started_by=by,
        current_section=questionnaire.sections[0].key,
    )
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=assessment,
        object_type="EU AI Act triage",
        action="ai_act.started",
        actor=by,
        after={"questionnaire_version": version.version},
        only_changes=False,
    )
    return assessment


@dataclass(frozen=True)
class Screening:
    """A screening as the pages read it: the questionnaire, the answers that count, what is still
    to answer, and the triage of those answers."""

    assessment: Assessment
    questionnaire: Questionnaire
    answers: dict[str, Any]  # the answers that count (none to a hidden question)
    missing: tuple[str, ...]  # shown required questions without an answer
    triage: engine.Triage

    @property
    def finished(self) -> bool:
        """Every shown required question is answered: the tier counts on the proposal."""
        return not self.missing


def screening_of(assessment: Assessment, *, today: dt.date | None = None) -> Screening:
    """The triage of a screening's answers as of `today` (default: today)."""
    questionnaire = engine_questionnaire(assessment.questionnaire)
    answers = effective_answers(questionnaire, answers_of(assessment))
    texts = {q.key: q.text for q in questionnaire.questions}
    result = engine.triage(rules(), answers, today=today or timezone.localdate(), question_texts=texts)
    missing = tuple(q.key for q in missing_required(questionnaire, answers))
    return Screening(assessment, questionnaire, answers, missing, result)


def deciding_articles(result: engine.Triage) -> str:
    """The citations of the rules that decided the tier, each once: "Article 5(1)(c)"."""
    return "; ".join(dict.fromkeys(f.citation for f in result.deciding))


def checks_of(*, proposal: Proposal) -> dict[str, ObligationCheck]:
    return {c.key: c for c in ObligationCheck.objects.filter(proposal=proposal).select_related("by")}


def open_obligations(result: engine.Triage, checks: dict[str, ObligationCheck]) -> int:
    """The checklist's duties not ticked done. Those that only may apply count too: until a lawyer
    settles the answer behind them, they are open (docs/methodology.md §12.8, §12.10)."""
    return sum(1 for item in result.obligations if not (item.key in checks and checks[item.key].done))


def screening_record(*, screening: Screening, by: User | None) -> bool:
    """Write the screening's tier, deciding articles and open duties onto the proposal; an
    unfinished screening records no tier. Audited when the tier or its articles change."""
    assessment = screening.assessment
    proposal = assessment.proposal
    before = {"tier": proposal.ai_act_tier, "articles": proposal.ai_act_articles}
    if screening.finished:
        tier, articles = screening.triage.tier, deciding_articles(screening.triage)
        count = open_obligations(screening.triage, checks_of(proposal=proposal))
    else:
        tier, articles, count = "", "", 0
    changed = proposal_set_ai_act(proposal=proposal, tier=tier, articles=articles, open_obligations=count)
    if changed:
        audit_record(
            organisation=proposal.organisation,
            proposal=proposal,
            obj=assessment,
            object_type="EU AI Act triage",
            action="ai_act.triaged",
            actor=by,
            before=before,
            after={"tier": tier, "articles": articles},
        )
    return changed


@transaction.atomic
def screening_save(*, assessment: Assessment, raw: dict[str, Any], by: User) -> tuple[SaveOutcome, Screening]:
    """Save the answers given (each on its own, as the wizards do) and record the new triage."""
    outcome = answers_save(
        assessment=assessment, questionnaire=engine_questionnaire(assessment.questionnaire), raw=raw, by=by
    )
    screening = screening_of(assessment)
    screening_record(screening=screening, by=by)
    return outcome, screening


class CheckRefused(Exception):
    """A tick the checklist does not allow; the message says why (a 400 on the page)."""

    def __init__(self, message: str, *, field: str = "evidence") -> None:
        super().__init__(message)
        self.field = field


@transaction.atomic
def obligation_tick(
    *, proposal: Proposal, screening: Screening, key: str, done: bool, evidence: str, by: User
) -> ObligationCheck:
    """Tick a duty of the checklist done, with the evidence, or open it again; audited.

    Ticking needs evidence (what was done, or where it is kept). Raises KeyError for a duty that is
    not on this screening's checklist, CheckRefused for evidence that is missing or refused.
    """
    if key not in {item.key for item in screening.triage.obligations}:
        raise KeyError(key)
    try:
        evidence = clean_text(evidence or "", field="Evidence", multiline=True).strip()
    except InputRefused as refused:
        raise CheckRefused(str(refused)) from refused
    if len(evidence) > EVIDENCE_MAX:
        raise CheckRefused(f"Keep the evidence to at most {EVIDENCE_MAX:,} characters.")
    if done and not evidence:
        raise CheckRefused("Say what was done, or where the evidence is kept, to tick this duty done.")
    # Lock the proposal: two ticks at once both count in the open duties recorded after them.
    Proposal.objects.select_for_update().filter(pk=proposal.pk).first()
    check = ObligationCheck.objects.filter(proposal=proposal, key=key).first()
    before = {"done": check.done, "evidence": check.evidence} if check else {"done": False, "evidence": ""}
    if check is None:
        check = ObligationCheck(organisation=proposal.organisation, proposal=proposal, key=key)
    check.done, check.evidence, check.by, check.at = done, evidence, by, timezone.now()
    check.save()
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=check,
        object_type="EU AI Act duty",
        action="ai_act.duty_ticked" if done else "ai_act.duty_reopened",
        actor=by,
        before={"duty": key, **before},
        after={"duty": key, "done": done, "evidence": evidence},
    )
    screening_record(screening=screening, by=by)
    return check


def report_inputs(*, proposal: Proposal) -> dict[str, Any] | None:
    """What a trade-off report freezes of the triage (reports.services.report_inputs), or None when
    the proposal has no finished triage (the report's inputs then stay as before, hash and all).

    The tier, the articles that decided it, and the duties that certainly apply and constrain how
    the system is built (human oversight, logging, explanations, accuracy and robustness), grouped
    by constraint: the report turns each into a production gate, and explanations into a
    requirement the comparison weighs (docs/methodology.md §12.13). Dates are frozen, "applies now"
    is not: it moves with the day, and a report's inputs must not.
    """
    if not proposal.ai_act_tier:
        return None
    assessment = screening_latest(proposal=proposal)
    if assessment is None:
        return None
    assessment.proposal = proposal
    result = screening_of(assessment).triage
    constraints: dict[str, list[dict[str, str]]] = {}
    for item in result.obligations:
        if item.certain and item.constrains:
            duty = {"key": item.key, "label": item.label, "citation": item.citation}
            constraints.setdefault(item.constrains, []).append({**duty, "applies_from": str(item.applies_from)})
    return {
        "tier": result.tier,
        "tier_label": result.tier_label,
        "articles": deciding_articles(result),
        "constraints": {key: constraints[key] for key in engine.CONSTRAINTS if key in constraints},
        "rules_as_of": str(result.rules_as_of),
        "disclaimer": result.disclaimer,
    }
