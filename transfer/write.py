"""Writing a checked `mlfit.proposals` document: proposals, assessments, stakeholders, decisions.

import_proposals checks the whole document first (transfer.check) and writes it only if it has no
error, in one transaction, so a file goes in whole or not at all. Imported results are never
trusted: an assessment marked completed is completed again here, which recomputes its verdict from
the answers, and conflicts are detected again from the imported requirements; only the decisions
recorded on conflicts found again are carried over (docs/import-format.md, "Conflicts").
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from projects.models import Proposal
from projects.services import proposal_create, proposal_grant_access
from questionnaires.models import Answer, Assessment
from questionnaires.services import AssessmentError
from questionnaires.versions import engine_questionnaire
from stakeholders.models import ConflictStatus, Objective, Requirement, Stakeholder
from stakeholders.services import conflict_resolve, conflicts_refresh
from suitability.services import assessment_complete, assessment_start
from transfer.check import AssessmentPlan, DecisionPlan, ProposalPlan, StakeholderPlan, check_document
from transfer.document import ImportRejected, portable_fingerprint, portable_refs


def import_proposals(*, organisation: Organisation, data: object, by: User) -> list[Proposal]:
    """Create every proposal of the document with its assessment and stakeholders, or none (see the
    module docstring)."""
    plans = check_document(organisation=organisation, data=data)
    with transaction.atomic():
        return [
            _import_one(organisation=organisation, plan=plan, by=by, where=f"proposals[{i}]")
            for i, plan in enumerate(plans)
        ]


def _import_one(*, organisation: Organisation, plan: ProposalPlan, by: User, where: str) -> Proposal:
    """Write one checked proposal; an ImportRejected raised here rolls the whole file back."""
    proposal = proposal_create(organisation=organisation, data=plan.data, by=by)
    # Stakeholders first: completing the assessment runs the conflict detector, which then sees
    # the requirements and the suitability answers together, once.
    _add_stakeholders(proposal=proposal, planned=plan.stakeholders, by=by)
    detected = False
    if plan.assessment is not None:
        detected = _add_assessment(proposal=proposal, planned=plan.assessment, by=by, where=where)
    if plan.stakeholders and not detected:
        conflicts_refresh(proposal=proposal, by=by)
    if plan.decisions:
        _restore_decisions(proposal=proposal, decisions=plan.decisions, by=by)
    return proposal


def _add_assessment(*, proposal: Proposal, planned: AssessmentPlan, by: User, where: str) -> bool:
    """Start the assessment with its answers and complete it if the file says so (True then)."""
    assessment = _start_on(proposal=proposal, planned=planned, by=by)
    if assessment.questionnaire_id != planned.version.pk:
        raise ImportRejected(
            [f"{where}.assessment: a questionnaire version was published during the import; import the file again"]
        )
    # One INSERT for all the answers rather than answers_save's update_or_create per answer: with
    # that, a 5,000-proposal file held one PostgreSQL transaction open for some 20 minutes (about 5
    # this way). Safe because the assessment was just started, so there is nothing to update or
    # clear, and answers_check validated every answer against this very version.
    Answer.objects.bulk_create(
        Answer(assessment=assessment, question_key=key, value=value, answered_by=by)
        for key, value in planned.answers.items()
    )
    if not planned.complete:
        return False
    try:
        assessment_complete(assessment=assessment, by=by)
    except AssessmentError as exc:
        raise ImportRejected([f"{where}.assessment: {exc}"]) from exc
    return True


def _start_on(*, proposal: Proposal, planned: AssessmentPlan, by: User) -> Assessment:
    """Start the proposal's assessment on the version the file's answers were checked against.

    assessment_start always takes the latest version. A file naming an older one keeps it, so the
    recomputed verdict is the one those answers earned; the wizard then offers the upgrade.
    """
    if planned.is_latest:
        return assessment_start(proposal=proposal, by=by)
    return Assessment.objects.create(
        organisation=proposal.organisation,
        proposal=proposal,
        questionnaire=planned.version,
        started_by=by,
        current_section=engine_questionnaire(planned.version).sections[0].key,
    )


def _add_stakeholders(*, proposal: Proposal, planned: list[StakeholderPlan], by: User) -> None:
    """Write the stakeholders with their requirements and objectives; nobody is emailed.

    Not stakeholder_add and requirements_replace: the first emails an invitation, which an import
    must not send (the owner sends links from the stakeholder's page), and the second runs the
    detector once a stakeholder, leaving conflicts that only half the stakeholders had, marked
    gone, in a proposal that never had them. Three INSERTs a proposal instead, and one detection.
    """
    if not planned:
        return
    now = timezone.now()
    stakeholders = Stakeholder.objects.bulk_create(
        Stakeholder(
            organisation=proposal.organisation,
            proposal=proposal,
            user=item.user,
            name=item.name,
            email=item.email,
            role=item.role,
            # Their requirements are in the file: the matrix should not say it is waiting for them.
            responded_at=now if item.requirements or item.objectives else None,
        )
        for item in planned
    )
    Requirement.objects.bulk_create(
        Requirement(organisation=proposal.organisation, stakeholder=stakeholder, updated_by=by, **spec)
        for stakeholder, item in zip(stakeholders, planned, strict=True)
        for spec in item.requirements
    )
    Objective.objects.bulk_create(
        Objective(organisation=proposal.organisation, stakeholder=stakeholder, **spec)
        for stakeholder, item in zip(stakeholders, planned, strict=True)
        for spec in item.objectives
    )
    for item in planned:
        if item.user is not None:
            # As stakeholder_add does: a member who is a stakeholder sees the proposal even when private.
            proposal_grant_access(proposal=proposal, user=item.user)


def _restore_decisions(*, proposal: Proposal, decisions: list[DecisionPlan], by: User) -> None:
    """Resolve again, with the file's decision and rationale, each conflict detected again.

    A decision on a conflict the detector no longer finds is dropped: there is nothing to attach
    it to. The history records the resolution as made by the importing member, at import.
    """
    stakeholders = list(proposal.stakeholders.all())
    refs = portable_refs(
        requirements=list(Requirement.objects.filter(stakeholder__proposal=proposal)),
        objectives=list(Objective.objects.filter(stakeholder__proposal=proposal)),
        emails={stakeholder.pk: stakeholder.email for stakeholder in stakeholders},
    )
    detected = {
        portable_fingerprint(conflict, refs): conflict
        for conflict in proposal.conflicts.exclude(status=ConflictStatus.GONE)
    }
    for decision in decisions:
        conflict = detected.get(decision.fingerprint)
        if conflict is not None:
            conflict_resolve(conflict=conflict, decision=decision.decision, rationale=decision.rationale, by=by)
