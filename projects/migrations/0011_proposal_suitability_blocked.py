"""Proposals record whether a blocker decided their verdict. The portfolio summary reads it (a
blocked proposal is counted, not plotted), so the covering index carries it too and the summary
stays an index-only scan. Assessments 0007 fills it in for proposals already assessed."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0010_proposal_latest_report_headline"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="suitability_blocked",
            field=models.BooleanField(default=False),
        ),
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
