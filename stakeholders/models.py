from django.conf import settings
from django.db import models

from accounts.models import Organisation
from domain import vocabulary
from projects.models import Proposal

# The stake roles every organisation starts with (docs/methodology.md §6); each organisation edits its list.
DEFAULT_STAKE_ROLES = [
    ("ml_engineering", "ML engineering"),
    ("product", "Product"),
    ("sales", "Sales or business"),
    ("ml_platform", "ML platform or infrastructure"),
    ("leadership", "Leadership"),
    ("legal", "Legal, compliance or risk"),
    ("data_owner", "Data owner"),
    ("end_users", "End users or support"),
]
# Who must sign off until an admin changes the review policy: the people who answer for the
# product, for whether the model can be built and run, and for the risk.
DEFAULT_SIGNOFF_ROLES = {"product", "ml_engineering", "legal"}
# Who must sign off by the EU AI Act triage's tier (regulation app), whatever else the policy says:
# legal for a use the triage finds prohibited or high-risk (docs/methodology.md §12.12). An admin
# may tick other roles, or other tiers, on the review policy page.
DEFAULT_TIER_SIGNOFFS = {"legal": ["prohibited", "high_risk"]}


class StakeRole(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="stake_roles")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    # The organisation's review policy: a proposal is approved only once every one of its
    # stakeholders in a role marked here has approved it.
    signoff_required = models.BooleanField("must sign off", default=False)
    # The same, for proposals whose EU AI Act tier (Proposal.ai_act_tier) is one of these: a
    # list of tier keys (regulation.engine.TIERS). Read in Python, not in SQL: a role list is short.
    signoff_tiers = models.JSONField("must sign off for these EU AI Act tiers", default=list, blank=True)

    class Meta:
        ordering = ["position", "label"]
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="stakerole_org_key_unique")]

    def __str__(self) -> str:
        return self.label

    def required_for(self, tier: str) -> bool:
        """Whether this role must sign off a proposal in this EU AI Act tier ("" when not triaged)."""
        return self.signoff_required or (bool(tier) and tier in (self.signoff_tiers or []))


class Stakeholder(models.Model):
    """Someone a proposal answers to: a member of the organisation or a named outside person."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="stakeholders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="stakes"
    )
    name = models.CharField(max_length=150)
    email = models.EmailField()
    role = models.ForeignKey(StakeRole, on_delete=models.PROTECT, related_name="stakeholders")
    # Only a hash of the invitation token is kept; the link works until requirements are submitted.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    invited_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role__position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "email"], name="stakeholder_proposal_email_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


# The requirement dimensions as choices, from their one definition (domain.vocabulary): the
# same keys, in the same order, with the labels every page shows.
Dimension = models.TextChoices("Dimension", [(d.key.upper(), (d.key, d.label)) for d in vocabulary.DIMENSION_SPECS])


class Requirement(models.Model):
    """One stakeholder's target on one dimension, in the dimension's canonical unit."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="requirements")
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    op = models.CharField(max_length=2, choices=[("<=", "at most"), (">=", "at least"), ("==", "exactly")])
    value = models.JSONField()
    unit = models.CharField(max_length=20, blank=True)
    metric = models.CharField(max_length=40, blank=True, help_text="For quality: precision, recall, accuracy…")
    must_have = models.BooleanField(default=False)
    weight = models.PositiveSmallIntegerField(default=3)
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["stakeholder_id", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["stakeholder", "dimension"], name="requirement_stakeholder_dimension_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.op} {self.value} {self.unit}"

    UNIT_WORDS = {"per_month": "a month", "per_second": "a second", "max_disparity": "gap", "level": ""}
    OP_WORDS = {"<=": "at most", ">=": "at least", "==": ""}

    @property
    def target_display(self) -> str:
        """The target as a person says it: "at most 100 ms", "at least 0.9 precision", "phone"."""
        value = self.value
        if isinstance(value, float):
            value = f"{value:,.6f}".rstrip("0").rstrip(".")
        elif isinstance(value, str):
            value = value.replace("_", " ")
        unit = self.UNIT_WORDS.get(self.unit, self.unit)
        words = [self.OP_WORDS.get(self.op, self.op), str(value), unit, self.metric]
        return " ".join(w for w in words if w)


class Objective(models.Model):
    """What a stakeholder wants the system to optimise (e.g. relevance, fees, margin)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="objectives")
    name = models.CharField(max_length=40)
    direction = models.CharField(max_length=8, choices=[(d, d) for d in vocabulary.DIRECTIONS])
    weight = models.PositiveSmallIntegerField(default=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stakeholder", "name"], name="objective_stakeholder_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.name}"


class ConflictKind(models.TextChoices):
    CONTRADICTORY = "contradictory_targets", "Contradictory targets"
    INFEASIBLE = "infeasible_must_haves", "Must-haves no approach meets together"
    OBJECTIVES = "competing_objectives", "Competing objectives"
    SUITABILITY = "suitability_mismatch", "At odds with the suitability answers"


Severity = models.TextChoices("Severity", [(s.upper(), (s, s.capitalize())) for s in vocabulary.SEVERITIES])


class ConflictStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    GONE = "gone", "No longer detected"


class Conflict(models.Model):
    """A conflict the detector found, kept by fingerprint so its resolution survives re-detection."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="conflicts")
    fingerprint = models.CharField(max_length=32)
    kind = models.CharField(max_length=30, choices=ConflictKind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    title = models.CharField(max_length=300)
    explanation = models.TextField()
    resolutions = models.JSONField(default=list)
    stakeholder_ids = models.JSONField(default=list)
    requirement_ids = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN)
    decision = models.CharField(max_length=300, blank=True)
    rationale = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "severity", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "fingerprint"], name="conflict_proposal_fingerprint_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class ConflictEvent(models.Model):
    """The history of a conflict: detected, resolved (with decision and rationale), reopened, gone."""

    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12)
    decision = models.CharField(max_length=300, blank=True)
    rationale = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approved"
    CHANGES = "changes", "Changes requested"
    REJECT = "reject", "Rejected"


class SignOff(models.Model):
    """A review decision on a proposal, in one review round, on one report.

    Kept for good: a new round (re-submission) does not delete the earlier decisions, it just stops
    counting them. An admin's override has no stakeholder and says so in `is_override`.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="signoffs")
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="signoffs"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The stake role's label at the time, so history reads right after roles are renamed.
    role_label = models.CharField(max_length=80, blank=True)
    round = models.PositiveIntegerField()
    decision = models.CharField(max_length=8, choices=Decision.choices)
    rationale = models.TextField(max_length=5000)
    # The report the decision was made on (assessments.Report id; stakeholders cannot import it).
    report_id = models.PositiveIntegerField(null=True, blank=True)
    report_at = models.DateTimeField(null=True, blank=True)
    is_override = models.BooleanField(default=False)
    # The approval blockers the approver acknowledged (stakeholders.review.approval_blockers), as
    # [{"key", "label", "reason"}], the label as it read then; by and at are this sign-off's user
    # and created_at. Kept on the row, like the rationale, so the history and the PDF read it
    # without another query.
    acknowledgements = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One decision per stakeholder per round: a second click cannot sign twice.
            models.UniqueConstraint(
                fields=["proposal", "round", "stakeholder"],
                condition=models.Q(stakeholder__isnull=False),
                name="signoff_one_per_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.user_id} (round {self.round})"
