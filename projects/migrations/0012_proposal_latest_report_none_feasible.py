"""Proposals record whether their newest report found no candidate approach meeting every
must-have, so the review (stakeholders) can ask an approver to acknowledge it without reaching
into the assessments app. Assessments 0008 fills it in for the reports finished before."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0011_proposal_suitability_blocked"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="latest_report_none_feasible",
            field=models.BooleanField(default=False),
        ),
    ]
