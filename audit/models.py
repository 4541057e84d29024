from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One recorded change: who, when, what, the values before and after. Append-only.

    Written only through audit.services.audit_record; the app has no page or API that edits or
    deletes one, the admin shows them read-only, and save() refuses to update an existing row.
    """

    # By name, not by import: the audit trail sits below every app whose changes it records.
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(
        "projects.Proposal", on_delete=models.CASCADE, null=True, blank=True, related_name="audit"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who acted when there is no member to name (an outside stakeholder's link, a job).
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        # Moved from the projects app (issue 16) with its table.
        db_table = "projects_auditentry"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The proposal's history tab and its export: one proposal, newest first.
            models.Index(fields=["proposal", "-created_at"], name="audit_proposal_idx"),
            # The organisation-wide export.
            models.Index(fields=["organisation", "-created_at"], name="audit_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("Audit entries cannot be changed once written.")
        super().save(*args, **kwargs)
