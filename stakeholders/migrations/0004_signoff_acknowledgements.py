"""A sign-off keeps the approval blockers its approver acknowledged, with their reasons."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0003_default_signoff_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="signoff",
            name="acknowledgements",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
