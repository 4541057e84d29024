from django.conf import settings
from django.db import models

from accounts.models import Organisation
from projects.models import Proposal


class QuestionnaireVersion(models.Model):
    """One published version of a questionnaire. Published versions never change.

    The definition is the questionnaire's YAML as JSON; the engine loads it
    (questionnaires.engine.schema.load_questionnaire). Editing it in the admin publishes a new
    version instead of changing this one (questionnaires.admin), so every assessment keeps the
    questions, weights and thresholds it was answered against.
    """

    key = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    definition = models.JSONField()
    content_hash = models.CharField(max_length=64)
    notes = models.TextField(blank=True, help_text="What changed in this version.")
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="questionnaire_key_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class AssessmentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    SUPERSEDED = "superseded", "Superseded by an upgrade"


class Assessment(models.Model):
    """A proposal's answers to one questionnaire version, and once completed, its result."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="assessments")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assessments")
    # Set for a stakeholder's requirements questionnaire; empty for the proposal's suitability one.
    # By name: the stakeholders app sits above this one and imports it (docs/architecture.md).
    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder", on_delete=models.CASCADE, null=True, blank=True, related_name="assessments"
    )
    questionnaire = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.IN_PROGRESS)
    # Where the person left off, so they resume there from any device.
    current_section = models.CharField(max_length=60, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The engine's result, frozen at completion (suitability.services.result_to_dict).
    result = models.JSONField(null=True, blank=True)
    verdict = models.CharField(max_length=20, blank=True)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(null=True, blank=True)
    upgraded_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="upgraded_to"
    )
    # What the upgrade changed: questions added, removed, reworded, answers dropped.
    upgrade_notes = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The proposal page and the wizard look up a proposal's latest assessment.
            models.Index(fields=["proposal", "-created_at"], name="assessment_proposal_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} for {self.proposal_id}"

    @property
    def is_completed(self) -> bool:
        return self.status == AssessmentStatus.COMPLETED

    @property
    def is_editable(self) -> bool:
        return self.status == AssessmentStatus.IN_PROGRESS


class Answer(models.Model):
    """One answer, saved as it is given. `value` is the engine's canonical form for the type."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question_key = models.CharField(max_length=80)
    value = models.JSONField()
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question_key"], name="answer_assessment_question_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.question_key} = {self.value!r}"
