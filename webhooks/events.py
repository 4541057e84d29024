"""The events, as the apps above emit them: one call where the thing happens, inside its transaction.

Each function takes the app's own objects (a report, sign-offs, a conflict, an assessment) without
importing their classes (this app sits below those that own them), builds the small payload an
integrator needs (ids, titles, the decision, links to the API) and hands it to `webhook_emit`.
Payloads carry no secret: no token, no link that acts as a credential, no email address.
docs/webhooks.md shows each one.
"""

from typing import Any

from django.conf import settings

from webhooks.models import Delivery, Event
from webhooks.services import webhook_emit


def _absolute(path: str) -> str:
    return settings.MLFIT_BASE_URL.rstrip("/") + path


def _proposal(proposal: Any) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "status": proposal.status,
        "url": _absolute(f"/proposals/{proposal.pk}/"),
        "api_url": _absolute(f"/api/proposals/{proposal.pk}"),
    }


def _when(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def emit_report_finished(*, report: Any) -> list[Delivery]:
    """A report's job wrote its results (reports.services); `report.proposal.organisation` loaded."""
    proposal = report.proposal
    api = f"/api/proposals/{proposal.pk}/reports/{report.pk}"
    data = {
        "report": {
            "id": report.pk,
            "status": report.status,
            "headline": report.headline,
            "finished_at": _when(report.finished_at),
            "api_url": _absolute(api),
            "document_url": _absolute(f"{api}/report.json"),
            "pdf_url": _absolute(f"{api}/report.pdf"),
        },
        "proposal": _proposal(proposal),
    }
    return webhook_emit(organisation=proposal.organisation, event=Event.REPORT_FINISHED, data=data)


def emit_review_decided(*, proposal: Any, signoffs: list[Any], status: str) -> list[Delivery]:
    """A reviewer's decision (for each stakeholder they sign for) or an admin's override
    (stakeholders.review); `status` is the proposal's state after it."""
    first = signoffs[0]
    data = {
        "proposal": {**_proposal(proposal), "status": status},
        "decision": first.decision,
        "override": bool(first.is_override),
        "round": first.round,
        "roles": [s.role_label for s in signoffs],
        "rationale": first.rationale,
        # The name as the person gave it (never the email address, which get_short_name falls back to).
        "decided_by": {"id": first.user_id, "name": first.user.name},
        "report_id": first.report_id,
        "decided_at": _when(first.created_at),
    }
    return webhook_emit(organisation=proposal.organisation, event=Event.REVIEW_DECIDED, data=data)


def emit_conflict_detected(*, conflict: Any) -> list[Delivery]:
    """A conflict the detector found for the first time (stakeholders.services.conflicts_refresh)."""
    proposal = conflict.proposal
    data = {
        "conflict": {
            "id": conflict.pk,
            "kind": conflict.kind,
            "severity": conflict.severity,
            "title": conflict.title,
            "stakeholder_ids": list(conflict.stakeholder_ids),
            "api_url": _absolute(f"/api/proposals/{proposal.pk}/conflicts"),
        },
        "proposal": _proposal(proposal),
    }
    return webhook_emit(organisation=proposal.organisation, event=Event.CONFLICT_DETECTED, data=data)


def emit_assessment_completed(*, assessment: Any) -> list[Delivery]:
    """A suitability assessment completed (suitability.services.assessment_complete)."""
    proposal = assessment.proposal
    data = {
        "assessment": {
            "id": assessment.pk,
            "verdict": assessment.verdict or None,
            "score": assessment.score,
            "max_score": assessment.max_score,
            "completed_at": _when(assessment.completed_at),
            "api_url": _absolute(f"/api/proposals/{proposal.pk}/assessment"),
        },
        "proposal": _proposal(proposal),
    }
    return webhook_emit(organisation=proposal.organisation, event=Event.ASSESSMENT_COMPLETED, data=data)
