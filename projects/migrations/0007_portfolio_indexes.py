"""Indexes for the portfolio (projects/portfolio.py) and for search, on PostgreSQL only.

They are created with SQL rather than Meta.indexes because two of them are PostgreSQL features
(INCLUDE columns, a GIN index on an expression) that SQLite, the zero-setup database, lacks; on
SQLite this migration does nothing. Who uses each one is said beside it.
"""

from django.db import migrations

INDEXES = [
    # The portfolio summary's one grouped query (portfolio_summary): state, verdict and chart cell of
    # every proposal of one organisation, with the stale counts. Every column it reads is in the
    # index, so it is an index-only scan instead of reading each proposal's whole row (title,
    # problem...); the visibility columns are there so a member's view (visible_to) stays one too.
    (
        "proposal_portfolio_idx",
        "CREATE INDEX IF NOT EXISTS proposal_portfolio_idx ON projects_proposal"
        " (organisation_id, status, suitability_verdict)"
        " INCLUDE (suitability_fraction, estimated_value, assessed_at, questionnaire_outdated,"
        " inputs_changed_at, latest_report_at, visibility, owner_id, team_id)",
    ),
    # The portfolio table sorted by value, highest first, unvalued last (PORTFOLIO_SORTS["value"]).
    (
        "proposal_org_value_idx",
        "CREATE INDEX IF NOT EXISTS proposal_org_value_idx ON projects_proposal"
        " (organisation_id, estimated_value DESC NULLS LAST, id DESC)",
    ),
    # The portfolio table sorted by suitability (PORTFOLIO_SORTS["suitability"]).
    (
        "proposal_org_fraction_idx",
        "CREATE INDEX IF NOT EXISTS proposal_org_fraction_idx ON projects_proposal"
        " (organisation_id, suitability_fraction DESC NULLS LAST, id DESC)",
    ),
    # Full-text search of the proposal list and the portfolio (projects.selectors.proposal_search):
    # the very expression Django's SearchVector("title", weight="A") + SearchVector("problem",
    # weight="B") produces, so PostgreSQL matches it; without it every search computes the vectors
    # of all the organisation's proposals (about a second at 100,000).
    (
        "proposal_search_idx",
        "CREATE INDEX IF NOT EXISTS proposal_search_idx ON projects_proposal USING gin"
        " ((setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')"
        " || setweight(to_tsvector('english'::regconfig, COALESCE(problem, '')), 'B')))",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_proposal_assessed_at_proposal_awaiting_review_by_and_more"),
    ]

    operations = [migrations.RunPython(create, drop)]
