"""The approachset model moves here from the assessments app (issue 16) with its table, which
keeps its name: only Django's idea of where the model lives changes, no row is touched."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_types_follow(app_label: str, model: str):
    """Point the model's content type (and with it its permissions and admin log entries) at
    its new app, instead of leaving them behind and creating new ones."""

    def forwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label="assessments", model=model).update(app_label=app_label)

    def backwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label=app_label, model=model).update(app_label="assessments")

    return migrations.RunPython(forwards, backwards)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("assessments", "0009_backfill_proposal_decision_summaries"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApproachSet",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("version", models.PositiveIntegerField(unique=True)),
                        ("definition", models.JSONField()),
                        ("content_hash", models.CharField(max_length=64)),
                        (
                            "notes",
                            models.TextField(
                                blank=True, help_text="What changed in this version, and on what evidence."
                            ),
                        ),
                        ("published_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "published_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assessments_approachset",
                        "ordering": ["-version"],
                    },
                ),
            ],
            database_operations=[],
        ),
        content_types_follow("approaches", "approachset"),
    ]
