from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Organisation, Team


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ARCHIVED = "archived", "Archived"


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private: the owner, its stakeholders and the admins"
    TEAM = "team", "Shared with its team"
    ORGANISATION = "organisation", "Shared with the whole organisation"


class VolumePeriod(models.TextChoices):
    SECOND = "second", "per second"
    DAY = "day", "per day"
    MONTH = "month", "per month"
    YEAR = "year", "per year"


# The intake fields a person edits; the version check and revision history compare exactly these.
EDITABLE_FIELDS = [
    "title",
    "problem",
    "decision",
    "business_objective",
    "success_metric",
    "success_target",
    "baseline_description",
    "baseline_performance",
    "intended_users",
    "data_sources",
    "expected_volume",
    "volume_period",
    "deadline",
    "team",
    "owner",
    "visibility",
]


class Proposal(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(max_length=200)
    problem = models.TextField(max_length=5000, help_text="What goes wrong today, for whom, and how often.")
    decision = models.TextField(
        max_length=2000,
        blank=True,
        help_text="The decision or action a prediction would drive. A prediction nobody acts on is not worth having.",
    )
    business_objective = models.TextField(max_length=2000, blank=True)
    success_metric = models.CharField(max_length=200, blank=True, help_text="e.g. share of tickets routed correctly")
    success_target = models.CharField(max_length=200, blank=True, help_text="e.g. at least 90% within six months")
    baseline_description = models.TextField(
        "how it is done today", max_length=3000, blank=True, help_text="The non-ML baseline: rules, people, nothing."
    )
    baseline_performance = models.CharField(
        "how well that works", max_length=300, blank=True, help_text="e.g. 70% routed correctly, 2 days per ticket"
    )
    intended_users = models.TextField(max_length=2000, blank=True)
    data_sources = models.TextField(max_length=3000, blank=True)
    expected_volume = models.PositiveBigIntegerField(
        "expected prediction volume",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10**15)],
    )
    volume_period = models.CharField(max_length=8, choices=VolumePeriod.choices, default=VolumePeriod.DAY)
    deadline = models.DateField(null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_proposals")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    # Who may see the proposal and its reports (projects.selectors.visible_to); admins see all.
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.ORGANISATION)
    # Members given access to a private or team proposal: its stakeholders who are members,
    # added by the stakeholders app through projects.services.proposal_grant_access.
    readers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="readable_proposals", blank=True)
    # Optimistic locking: every save must name the version it started from (projects.services).
    version = models.PositiveIntegerField(default=1)
    # A summary of the latest completed suitability assessment, written by the assessments app
    # through projects.services.proposal_set_suitability so lists need no join to it.
    suitability_verdict = models.CharField(max_length=20, blank=True)
    suitability_score = models.FloatField(null=True, blank=True)
    suitability_fraction = models.FloatField(null=True, blank=True)
    # A few suitability answers the conflict detector weighs (labels, pattern change...), also
    # written by the assessments app, so the stakeholders app need not import it.
    suitability_facts = models.JSONField(default=dict, blank=True)
    # Open conflicts between stakeholders' requirements, summarised by the stakeholders app.
    open_conflicts = models.PositiveIntegerField(default=0)
    open_conflicts_severity = models.CharField(max_length=8, blank=True)
    # When anything a trade-off report reads last changed (intake, answers, requirements); a report
    # older than this is out of date. Set through projects.services.proposal_inputs_changed.
    inputs_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            # The proposal list: one organisation, newest first (the default sort).
            models.Index(fields=["organisation", "-updated_at"], name="proposal_org_updated_idx"),
            # The list's status filter.
            models.Index(fields=["organisation", "status", "-updated_at"], name="proposal_org_status_idx"),
            # Sorting by title within an organisation.
            models.Index(fields=["organisation", "title"], name="proposal_org_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    SUITABILITY_LABELS = {
        "good_fit": "A good fit for ML",
        "fit_with_caveats": "A fit for ML, with caveats",
        "not_a_fit": "Not a fit for ML (yet)",
    }

    @property
    def suitability_label(self) -> str:
        return self.SUITABILITY_LABELS.get(self.suitability_verdict, "Not assessed")

    @property
    def is_archived(self) -> bool:
        return self.status == ProposalStatus.ARCHIVED

    def snapshot(self) -> dict:
        """The editable fields as JSON-ready values (foreign keys by id)."""
        data = {}
        for name in EDITABLE_FIELDS:
            field = self._meta.get_field(name)
            value = getattr(self, field.attname)
            data[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return data


class ProposalRevision(models.Model):
    """The editable fields as they were at each version, so a refused save can show what changed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    data = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "version"], name="revision_proposal_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} v{self.version}"


class ProposalDraft(models.Model):
    """What a person typed but has not saved yet, kept as they type (autosave).

    The draft is raw form data: it is never validated, so nothing typed is ever lost, and it is
    deleted once a save goes through. `proposal` is null for a proposal not yet created.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_drafts")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="drafts")
    data = models.JSONField(default=dict)
    base_version = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "proposal"], name="draft_one_per_proposal_and_user"
            ),
            # A person has one draft of a not-yet-created proposal per organisation.
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=models.Q(proposal__isnull=True),
                name="draft_one_new_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"Draft by {self.user_id} of {self.proposal_id or 'a new proposal'}"
