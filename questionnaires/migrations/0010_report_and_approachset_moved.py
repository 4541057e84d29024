"""Report and ApproachSet move to the reports and approaches apps (issue 16): their tables stay,
only Django's state forgets them here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("approaches", "0001_initial"),
        ("reports", "0001_initial"),
        ("assessments", "0009_backfill_proposal_decision_summaries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="report",
                    name="organisation",
                ),
                migrations.RemoveField(
                    model_name="report",
                    name="proposal",
                ),
                migrations.RemoveField(
                    model_name="report",
                    name="requested_by",
                ),
                migrations.DeleteModel(
                    name="ApproachSet",
                ),
                migrations.DeleteModel(
                    name="Report",
                ),
            ],
            database_operations=[],
        ),
    ]
