from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Organisation, Team
from projects import workflow
from projects.decision import PROHIBITED, ReportGist, decision_sentence, effective_verdict


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
    "estimated_value",
    "team",
    "owner",
    "visibility",
]


class ProposalQuerySet(models.QuerySet):
    def under_review(self) -> "ProposalQuerySet":
        """Submitted or in review: waiting for sign-offs (projects.workflow.UNDER_REVIEW).

        On the queryset, so the related managers reach it too: the accounts app, below this one,
        asks `user.awaiting_reviews.under_review()` without importing the states.
        """
        return self.filter(status__in=workflow.UNDER_REVIEW)


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
    estimated_value = models.PositiveBigIntegerField(
        "estimated value per year",
        null=True,
        blank=True,
        validators=[MaxValueValidator(10**13)],
        help_text="What success would be worth in a year, in the organisation's currency: the portfolio's value axis.",
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_proposals")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    # Who may see the proposal and its reports (projects.access.visible_to); admins see all.
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
    # A blocker (unethical, a simple rule will do...) rules ML out whatever the score: lists say so
    # beside the score, which would otherwise read as "not a fit at 96%".
    suitability_blocked = models.BooleanField(default=False)
    # What holds the verdict back, in words ({"gates": [...], "blockers": [...], "held_back":
    # [...]}), written with the verdict: the one-sentence decision reads it (projects/decision.py).
    suitability_reasons = models.JSONField(default=dict, blank=True)
    # A few suitability answers the conflict detector weighs (labels, pattern change...), also
    # written by the assessments app, so the stakeholders app need not import it.
    suitability_facts = models.JSONField(default=dict, blank=True)
    # Open conflicts between stakeholders' requirements, summarised by the stakeholders app.
    open_conflicts = models.PositiveIntegerField(default=0)
    open_conflicts_severity = models.CharField(max_length=8, blank=True)
    # When anything a trade-off report reads last changed (intake, answers, requirements); a report
    # older than this is out of date. Set through projects.services.proposal_inputs_changed.
    inputs_changed_at = models.DateTimeField(null=True, blank=True)
    # When the suitability summary above was computed, and whether a newer questionnaire version
    # has been published since (written by the assessments app): the portfolio's staleness flags.
    assessed_at = models.DateTimeField(null=True, blank=True)
    questionnaire_outdated = models.BooleanField(default=False)
    # The newest finished trade-off report (assessments.Report id and time), written by the
    # assessments app; a review decision records which report it was made on.
    latest_report_id = models.PositiveIntegerField(null=True, blank=True)
    latest_report_at = models.DateTimeField(null=True, blank=True)
    # Its one-line answer ("Linear or logistic model leads..."), shown on the proposal's page.
    latest_report_headline = models.CharField(max_length=1000, blank=True)
    # It found no candidate approach that meets every must-have, also written by the assessments
    # app: the review asks an approver to acknowledge that (stakeholders.review.approval_blockers).
    latest_report_none_feasible = models.BooleanField(default=False)
    # The newest report's conclusion for the one-sentence decision: {"lead": label or None,
    # "lead_is_ml": bool, "relax": [...]}; empty for a report made before it was recorded.
    latest_report_gist = models.JSONField(default=dict, blank=True)
    # The EU AI Act triage (regulation app), written through projects.services.proposal_set_ai_act:
    # its tier ("" until the triage's required questions are answered; prohibited, high_risk,
    # transparency or minimal), the articles that decided it ("Article 5(1)(c)"), and how many
    # duties of its checklist are not yet ticked done. Lists, the decision sentence and the review
    # read these, so none of them needs the regulation app.
    ai_act_tier = models.CharField(max_length=20, blank=True)
    ai_act_articles = models.CharField(max_length=300, blank=True)
    ai_act_open_obligations = models.PositiveIntegerField(default=0)
    # Review: each submission opens a new round; sign-offs count only in the current round.
    review_round = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Members whose sign-off the current round still waits for, written by the stakeholders app
    # (projects.services.proposal_set_awaiting) so the portfolio's queue needs no join up to it.
    awaiting_review_by = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="awaiting_reviews", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The one-time key of the intake form that created it ("" from the API, an import or the
    # demo): the same form sent twice (a double click, a resend after a slow answer) finds the
    # proposal the first sending made instead of making a second (projects.services.proposal_create).
    submission_key = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            # One proposal per form sending, per author; what makes two simultaneous sendings
            # make one proposal. Rows without a key are not constrained.
            models.UniqueConstraint(
                fields=["created_by", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="proposal_one_per_submission",
            ),
        ]
        indexes = [
            # The proposal list: one organisation, newest first (the default sort).
            models.Index(fields=["organisation", "-updated_at"], name="proposal_org_updated_idx"),
            # The list's status filter.
            models.Index(fields=["organisation", "status", "-updated_at"], name="proposal_org_status_idx"),
            # Sorting by title within an organisation.
            models.Index(fields=["organisation", "title"], name="proposal_org_title_idx"),
            # The portfolio's summary reads every proposal of the organisation but only these
            # columns: carried in the index, PostgreSQL answers from its 10 MB with an index-only
            # scan instead of reading the 48 MB table (at 100,000 proposals: 167 ms -> 86 ms).
            models.Index(
                fields=["organisation", "status"],
                include=[
                    "suitability_verdict",
                    "suitability_fraction",
                    "suitability_blocked",
                    "ai_act_tier",
                    "estimated_value",
                    "assessed_at",
                    "questionnaire_outdated",
                    "inputs_changed_at",
                    "latest_report_at",
                ],
                name="proposal_portfolio_cover_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    SUITABILITY_LABELS = {
        "good_fit": "A good fit for ML",
        "fit_with_caveats": "A fit for ML, with caveats",
        "not_a_fit": "Not a fit for ML (yet)",
    }

    AI_ACT_LABELS = {
        "prohibited": "Prohibited",
        "high_risk": "High-risk",
        "transparency": "Transparency duties",
        "minimal": "Minimal risk",
    }

    @property
    def suitability_label(self) -> str:
        return self.SUITABILITY_LABELS.get(self.suitability_verdict, "Not assessed")

    @property
    def decision_verdict(self) -> str:
        """The verdict the decision goes by: not a fit when the EU AI Act triage finds the use
        prohibited (projects.decision.effective_verdict), the suitability verdict otherwise."""
        return effective_verdict(self.suitability_verdict, self.ai_act_tier) or ""

    @property
    def ai_act_prohibited(self) -> bool:
        return self.ai_act_tier == PROHIBITED

    @property
    def ai_act_label(self) -> str:
        return self.AI_ACT_LABELS.get(self.ai_act_tier, "Not triaged")

    @property
    def decision_summary(self) -> str:
        """The decision in one sentence: the verdict, what holds it back and the newest report."""
        report = None
        if self.latest_report_id:
            gist = self.latest_report_gist or {}
            report = ReportGist(
                # A report recorded before its gist: only whether anything was left is known.
                lead=gist.get("lead") if gist else (None if self.latest_report_none_feasible else "An approach"),
                lead_is_ml=gist.get("lead_is_ml", True),
                relax=gist.get("relax", []),
                out_of_date=self.latest_report_out_of_date,
            )
        reasons = self.suitability_reasons or {}
        return decision_sentence(
            self.suitability_verdict or None,
            gates=reasons.get("gates", []),
            blockers=reasons.get("blockers", []),
            held_back=reasons.get("held_back", []),
            report=report,
            prohibited_by=(self.ai_act_articles or "Article 5") if self.ai_act_prohibited else "",
        )

    @property
    def latest_report_out_of_date(self) -> bool:
        """Inputs changed after the newest report finished. The reports page, which knows when
        each report was asked for, also counts a change made while it was being computed."""
        return bool(self.latest_report_at and self.inputs_changed_at and self.inputs_changed_at > self.latest_report_at)

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


class Comment(models.Model):
    """A comment on a proposal, on one of its questionnaire sections or on one of its conflicts.

    `anchor` says where: "" for the proposal itself, "section:<key>" or "conflict:<id>". Replies
    point at their parent; editing keeps the earlier text in CommentRevision.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    anchor = models.CharField(max_length=80, blank=True, default="")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=5000)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    # 0 for a comment, its parent's + 1 for a reply, never above projects.comments.MAX_DEPTH: a
    # reply to a comment at the cap is attached beside it, under the same parent.
    depth = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # A proposal's threads at one anchor, oldest first.
            models.Index(fields=["proposal", "anchor", "created_at"], name="comment_anchor_idx"),
            # The posting rate limit: one author's comments of the last minute
            # (projects.comments.comment_add).
            models.Index(fields=["author", "created_at"], name="comment_author_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.proposal_id}"


class CommentRevision(models.Model):
    """A comment's text before an edit."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created_at = models.DateTimeField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment {self.comment_id} before {self.created_at:%Y-%m-%d %H:%M}"


class OutcomeStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "Being built"
    LAUNCHED = "launched", "Launched"
    ABANDONED = "abandoned", "Abandoned"


class Outcome(models.Model):
    """What happened after approval, recorded by the owner: the evidence for calibration."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="outcome")
    status = models.CharField(max_length=12, choices=OutcomeStatus.choices)
    # Against the proposal's success metric and target: the value reached and whether it met it.
    value_achieved = models.CharField(max_length=200, blank=True)
    target_met = models.BooleanField(null=True, blank=True)
    notes = models.TextField("what happened, and why", max_length=5000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.proposal_id}"

    @property
    def succeeded(self) -> bool | None:
        """Success for calibration: launched and met its target; abandoned counts as failure."""
        if self.status == OutcomeStatus.ABANDONED:
            return False
        if self.status == OutcomeStatus.LAUNCHED and self.target_met is not None:
            return self.target_met
        return None


class PortfolioClock(models.Model):
    """A number that moves whenever anything the portfolio counts changes in an organisation.

    Kept by PostgreSQL triggers (migration 0008), not by the app: every insert, update or delete
    of a proposal, a proposal's readers or a team's members bumps it when its transaction
    commits, whichever code path made the change. The portfolio caches its summary under this
    number (projects.portfolio), so a cached summary is never served after a change.
    A plain integer rather than a foreign key: the trigger must not fail while an organisation is
    being deleted.
    """

    organisation_id = models.PositiveIntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Organisation {self.organisation_id}: {self.version}"
