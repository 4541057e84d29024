"""The audit trail, read-only: a proposal's history page and its export, and the organisation's export."""

import json

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.models import Role
from accounts.tenancy import member_required
from audit.models import AuditEntry
from projects.access import get_proposal_for_member
from projects.csv_export import csv_lines
from projects.history import KIND_ALIASES, KIND_LABELS, history_rows, people_of

# Entries per page; answers given in one sitting fold into one row, so a page shows fewer rows.
PAGE_SIZE = 100
EXPORT_FORMATS = ("csv", "json")
COLUMNS = [
    "id",
    "created_at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "before",
    "after",
    "reason",
]


def _row(entry: AuditEntry) -> dict:
    return {
        "id": entry.pk,
        "created_at": entry.created_at.isoformat(),
        "actor": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "proposal_id": entry.proposal_id,
    }


def _export(entries, fmt: str, filename: str) -> HttpResponse:
    """Stream the entries, oldest first, so a long history does not sit in memory."""
    entries = entries.order_by("created_at", "id").iterator(chunk_size=500)
    if fmt == "json":

        def lines():
            yield "[\n"
            for i, entry in enumerate(entries):
                yield ("," if i else "") + json.dumps(_row(entry), ensure_ascii=False) + "\n"
            yield "]\n"

        response = StreamingHttpResponse(lines(), content_type="application/json")
    else:
        columns = [*COLUMNS, "proposal_id"]
        rows = (
            [json.dumps(data[c], ensure_ascii=False) if c in ("before", "after") else data[c] for c in columns]
            for data in map(_row, entries)
        )

        response = StreamingHttpResponse(csv_lines(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@require_safe
@member_required()
def history_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    entries = AuditEntry.objects.filter(proposal=proposal).select_related(None)
    fmt = request.GET.get("format", "")
    if fmt:
        if fmt not in EXPORT_FORMATS:
            return HttpResponse("Export as format=csv or format=json.", status=400, content_type="text/plain")
        return _export(entries, fmt, f"proposal-{proposal.pk}-history")
    # The filters: what kind of change, and who made it. An unknown kind is ignored (all kinds);
    # an unknown person matches nothing. The names offered are one query over this proposal.
    kind = request.GET.get("kind", "")
    kind = kind if kind in KIND_LABELS else ""
    who = request.GET.get("who", "")[:200]
    people = people_of(list(entries.order_by().values_list("actor_label", flat=True).distinct()))
    shown = entries
    if kind:
        prefixes = [kind, *(alias for alias, target in KIND_ALIASES.items() if target == kind)]
        query = Q()
        for prefix in prefixes:
            query |= Q(action__startswith=f"{prefix}.")
        shown = shown.filter(query)
    if who:
        shown = shown.filter(actor_label=who)
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/history.html",
        {
            "proposal": proposal,
            "page": page,
            # Answers given in one sitting are one row; a sitting cut by a page break shows on both.
            "rows": history_rows(page.object_list),
            "kinds": list(KIND_LABELS.items()),
            "kind": kind,
            "people": people,
            "who": who,
            "filtered": bool(kind or who),
        },
    )


@require_safe
@member_required(Role.ADMIN)
def audit_export_view(request: HttpRequest) -> HttpResponse:
    """Every entry of the organisation, for admins (e.g. for an external audit)."""
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        return HttpResponse("Export as format=csv or format=json.", status=400, content_type="text/plain")
    return _export(AuditEntry.objects.filter(organisation=request.organisation), fmt, "audit-trail")
