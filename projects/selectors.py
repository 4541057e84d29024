from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

from accounts.models import Organisation
from projects.models import Proposal, ProposalStatus

SORTS = {
    "updated": ("-updated_at", "Recently updated"),
    "created": ("-created_at", "Newest"),
    "title": ("title", "Title A–Z"),
    "deadline": ("deadline", "Deadline"),
    "status": ("status", "Status"),
}


@dataclass(frozen=True)
class ProposalFilters:
    q: str = ""
    status: str = ""
    team: int | None = None
    owner: int | None = None
    sort: str = "updated"


def proposal_search(queryset: QuerySet[Proposal], q: str) -> QuerySet[Proposal]:
    """Full-text search over title and problem: PostgreSQL's, or a substring match on SQLite."""
    q = q.strip()
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "problem", weight="B", config="english"
        )
        query = SearchQuery(q, config="english", search_type="websearch")
        return queryset.annotate(search=vector).filter(search=query)
    words = q.split()
    for word in words:
        queryset = queryset.filter(Q(title__icontains=word) | Q(problem__icontains=word))
    return queryset


def proposal_list(*, organisation: Organisation, filters: ProposalFilters) -> QuerySet[Proposal]:
    queryset = organisation.proposals.select_related("owner", "team")
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    else:
        # Archived proposals leave the default list; filtering by "archived" brings them back.
        queryset = queryset.exclude(status=ProposalStatus.ARCHIVED)
    if filters.team:
        queryset = queryset.filter(team_id=filters.team)
    if filters.owner:
        queryset = queryset.filter(owner_id=filters.owner)
    queryset = proposal_search(queryset, filters.q)
    order = SORTS.get(filters.sort, SORTS["updated"])[0]
    return queryset.order_by(order, "-pk")
