from django.conf import settings
from django.db import models


class ApproachSet(models.Model):
    """One published version of the candidate approaches and their profiles. Never changed.

    The definition is approaches/definitions/approaches.yaml as JSON (loaded by
    domain.approaches.load_approaches). Editing it in the admin publishes the next version;
    every report freezes the version it was computed with into its inputs, and the conflict
    detector reads the latest.
    """

    version = models.PositiveIntegerField(unique=True)
    definition = models.JSONField()
    content_hash = models.CharField(max_length=64)
    notes = models.TextField(blank=True, help_text="What changed in this version, and on what evidence.")
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        # Moved from the assessments app (issue 16) with its table.
        db_table = "assessments_approachset"
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Candidate approaches v{self.version}"
