"""AuditEntry moves to the audit app (issue 16): its table stays, only Django's state forgets it here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("projects", "0014_comment_depth_submission_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="auditentry",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="auditentry",
                    name="organisation",
                ),
                migrations.RemoveField(
                    model_name="auditentry",
                    name="proposal",
                ),
                migrations.DeleteModel(
                    name="AuditEntry",
                ),
            ],
            database_operations=[],
        ),
    ]
