"""The portfolio summary now reads suitability_blocked (a blocked proposal is not plotted), so the
covering index carries it too and the summary stays an index-only scan."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_organisation_assessment_max_age_days_and_more"),
        ("projects", "0011_proposal_suitability_blocked"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="proposal",
            name="proposal_portfolio_cover_idx",
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(
                fields=["organisation", "status"],
                include=(
                    "suitability_verdict",
                    "suitability_fraction",
                    "suitability_blocked",
                    "estimated_value",
                    "assessed_at",
                    "questionnaire_outdated",
                    "inputs_changed_at",
                    "latest_report_at",
                ),
                name="proposal_portfolio_cover_idx",
            ),
        ),
    ]
