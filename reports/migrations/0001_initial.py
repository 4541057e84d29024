"""The report model moves here from the assessments app (issue 16) with its table, which
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
        ("accounts", "0004_throttlecount"),
        ("projects", "0014_comment_depth_submission_key"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Report",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("progress", models.PositiveSmallIntegerField(default=0)),
                        ("progress_note", models.CharField(blank=True, max_length=200)),
                        ("inputs", models.JSONField()),
                        ("inputs_hash", models.CharField(max_length=64)),
                        ("engine_version", models.CharField(max_length=20)),
                        ("results", models.JSONField(blank=True, null=True)),
                        ("headline", models.CharField(blank=True, max_length=300)),
                        ("error", models.TextField(blank=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "pdf_status",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("pdf", models.BinaryField(blank=True, null=True)),
                        ("pdf_error", models.TextField(blank=True)),
                        ("pdf_review_mark", models.CharField(blank=True, max_length=60)),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reports",
                                to="accounts.organisation",
                            ),
                        ),
                        (
                            "proposal",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reports",
                                to="projects.proposal",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assessments_report",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(fields=["proposal", "-created_at"], name="report_proposal_latest_idx"),
                            models.Index(fields=["status", "heartbeat_at"], name="report_status_heartbeat_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        content_types_follow("reports", "report"),
    ]
