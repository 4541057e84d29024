"""An organisation's proposals written out as a `mlfit.proposals` document (docs/import-format.md,
"What the export adds"): every field the import reads, and for whoever reads the file, what the
import recomputes and ignores (a proposal's state, a completed assessment's result, the conflicts).
An export imports again, into the same organisation or another one.
"""

import json
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import Organisation
from projects.models import EDITABLE_FIELDS, Proposal
from questionnaires.models import Answer, Assessment, AssessmentStatus
from questionnaires.versions import SUITABILITY_KEY
from stakeholders.models import Conflict, ConflictKind, Objective, Requirement, Severity, Stakeholder
from transfer.document import FORMAT, FORMAT_VERSION, portable_fingerprint, portable_refs


def export_organisation(*, organisation: Organisation) -> dict[str, Any]:
    """Every proposal of the organisation with its latest assessment, its stakeholders and their
    conflicts, in the import format.

    Seven queries whatever the number of proposals (a test holds this): the proposals with their
    team and owner, their assessments, those assessments' answers, the stakeholders with their
    role, their requirements, their objectives, and the conflicts.
    """
    # The same choice as suitability.services.assessment_latest (newest that is not superseded),
    # made once for all proposals; a proposal with several completed rounds fetches them all and
    # keeps the first, which is cheaper than one query per proposal.
    newest_first = (
        Assessment.objects.filter(stakeholder__isnull=True, questionnaire__key=SUITABILITY_KEY)
        .exclude(status=AssessmentStatus.SUPERSEDED)
        .select_related("questionnaire")
        .defer("questionnaire__definition")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by("question_key")))
        .order_by("-created_at", "-pk")
    )
    # Creation order, which an import keeps: a round trip gives the same lists in the same order.
    stakeholders = (
        Stakeholder.objects.select_related("role")
        .prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.order_by("dimension")),
            Prefetch("objectives", queryset=Objective.objects.order_by("pk")),
        )
        .order_by("pk")
    )
    proposals = (
        Proposal.objects.filter(organisation=organisation)
        .select_related("team", "owner")
        .prefetch_related(
            Prefetch("assessments", queryset=newest_first, to_attr="newest_first"),
            Prefetch("stakeholders", queryset=stakeholders, to_attr="stakeholders_out"),
            Prefetch("conflicts", queryset=Conflict.objects.order_by(), to_attr="conflicts_out"),
        )
        .order_by("created_at", "pk")
    )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "organisation": organisation.slug,
        "exported_at": timezone.now().isoformat(),
        "proposals": [_proposal_out(proposal) for proposal in proposals],
    }


def _proposal_out(proposal: Proposal) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(proposal, name) for name in EDITABLE_FIELDS}
    out["deadline"] = proposal.deadline.isoformat() if proposal.deadline else None
    out["team"] = proposal.team.name if proposal.team else None
    out["owner"] = proposal.owner.email
    out["status"] = proposal.status
    latest = proposal.newest_first[0] if proposal.newest_first else None
    out["assessment"] = _assessment_out(latest) if latest is not None else None
    stakeholders = proposal.stakeholders_out
    out["stakeholders"] = [_stakeholder_out(stakeholder) for stakeholder in stakeholders]
    emails = {stakeholder.pk: stakeholder.email for stakeholder in stakeholders}
    refs = portable_refs(
        requirements=[requirement for s in stakeholders for requirement in s.requirements.all()],
        objectives=[objective for s in stakeholders for objective in s.objectives.all()],
        emails=emails,
    )
    conflicts = [_conflict_out(conflict, refs, emails) for conflict in proposal.conflicts_out]
    # In an order every database shares: the rows' order follows ids, which an import renumbers.
    out["conflicts"] = sorted(
        conflicts,
        key=lambda c: (Severity.values.index(c["severity"]), ConflictKind.values.index(c["kind"]), c["fingerprint"]),
    )
    return out


def _assessment_out(assessment: Assessment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "questionnaire": assessment.questionnaire.key,
        "questionnaire_version": assessment.questionnaire.version,
        "status": assessment.status,
        "answers": {answer.question_key: answer.value for answer in assessment.answers.all()},
    }
    if assessment.is_completed and assessment.result is not None:
        out["completed_at"] = assessment.completed_at.isoformat() if assessment.completed_at else None
        out["result"] = _result_out(assessment.result)
    return out


def _result_out(result: dict[str, Any]) -> dict[str, Any]:
    """The frozen result, without the what-if list (advice for the wizard, not a finding)."""
    return {
        "verdict": result["verdict"],
        "verdict_label": result["verdict_label"],
        "score": result["score"],
        "max_score": result["max_score"],
        "fraction": result["fraction"],
        "findings": [
            {
                "criterion": finding["criterion"],
                "label": finding["label"],
                "status": finding["status"],
                "weight": finding["weight"],
                "earned": finding["earned"],
                "fraction": finding["fraction"],
                "reason": finding["reason"],
                "drivers": [
                    {
                        "question_key": driver["question_key"],
                        "answer_display": driver["answer_display"],
                        "points": driver["points"],
                    }
                    for driver in finding["drivers"]
                ],
            }
            for finding in result["findings"]
        ],
        "blockers": [
            {key: blocker[key] for key in ("key", "label", "reason", "next_step")} for blocker in result["blockers"]
        ],
        "next_steps": result.get("next_steps", []),
        "caveats": result.get("caveats", []),
        # What holds the verdict back (docs/methodology.md §5.2): heavy criteria not met or not
        # known, and open production gates. A result from before gates existed has none.
        "held_back_by": result.get("held_back_by", []),
        "gates": [
            {key: gate[key] for key in ("key", "label", "caveat", "must_be_true", "owner")}
            for gate in result.get("gates", [])
        ],
    }


def _stakeholder_out(stakeholder: Stakeholder) -> dict[str, Any]:
    return {
        "name": stakeholder.name,
        "email": stakeholder.email,
        "role": stakeholder.role.key,
        "member": stakeholder.user_id is not None,
        "requirements": [
            {
                "dimension": requirement.dimension,
                "op": requirement.op,
                "value": requirement.value,
                "unit": requirement.unit,
                "metric": requirement.metric,
                "must_have": requirement.must_have,
                "weight": requirement.weight,
            }
            for requirement in stakeholder.requirements.all()
        ],
        "objectives": [
            {"name": objective.name, "direction": objective.direction, "weight": objective.weight}
            for objective in stakeholder.objectives.all()
        ],
    }


def _conflict_out(conflict: Conflict, refs: dict[str, str], emails: dict[int, str]) -> dict[str, Any]:
    return {
        "kind": conflict.kind,
        "severity": conflict.severity,
        "title": conflict.title,
        "explanation": conflict.explanation,
        "resolutions": list(conflict.resolutions),
        "status": conflict.status,
        "decision": conflict.decision,
        "rationale": conflict.rationale,
        # A conflict may still name a stakeholder removed since; an email is all a file can carry.
        "stakeholders": sorted(emails[pk] for pk in conflict.stakeholder_ids if pk in emails),
        "involves": _involves(conflict, refs),
        "fingerprint": portable_fingerprint(conflict, refs),
    }


def _involves(conflict: Conflict, refs: dict[str, str]) -> list[dict[str, str]]:
    """Each requirement and objective in conflict, by stakeholder and dimension (or objective name).

    A suitability conflict also involves answers, which its title and explanation name; an item
    removed since the detection has no stakeholder left to name and is left out.
    """
    involved = []
    for item in conflict.requirement_ids:
        ref = refs.get(str(item))
        if ref is None:
            continue
        kind, email, name = json.loads(ref)
        key = "dimension" if kind == "requirement" else "objective"
        involved.append({"kind": kind, "stakeholder": email, key: name})
    # In an order every database shares: the ids' order is the order rows were written in.
    return sorted(involved, key=lambda item: tuple(item.values()))
