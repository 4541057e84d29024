"""The audit entry model moves here from the projects app (issue 16) with its table, which keeps
its name: only Django's idea of where the model lives changes, no row is touched."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_types_follow(app_label: str, model: str):
    """Point the model's content type (and with it its permissions and admin log entries) at
    its new app, instead of leaving them behind and creating new ones."""

    def forwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label="projects", model=model).update(app_label=app_label)

    def backwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label=app_label, model=model).update(app_label="projects")

    return migrations.RunPython(forwards, backwards)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("projects", "0014_comment_depth_submission_key"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0004_throttlecount"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("actor_label", models.CharField(blank=True, max_length=200)),
                        ("action", models.CharField(max_length=60)),
                        ("object_type", models.CharField(max_length=40)),
                        ("object_id", models.CharField(blank=True, max_length=40)),
                        ("object_label", models.CharField(blank=True, max_length=300)),
                        ("before", models.JSONField(blank=True, null=True)),
                        ("after", models.JSONField(blank=True, null=True)),
                        ("reason", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="accounts.organisation",
                            ),
                        ),
                        (
                            "proposal",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="audit",
                                to="projects.proposal",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "projects_auditentry",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["proposal", "-created_at"], name="audit_proposal_idx"),
                            models.Index(fields=["organisation", "-created_at"], name="audit_org_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        content_types_follow("audit", "auditentry"),
    ]
