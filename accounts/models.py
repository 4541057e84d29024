import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. People sign in with their email address; organisations come through memberships."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The kinds of notification (NotificationKind) this person does not want by email; they still
    # appear in the app.
    email_muted_kinds = models.JSONField(default=list, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class Organisation(models.Model):
    """The tenant: every proposal, stakeholder and report belongs to exactly one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    # An assessment older than this is stale: the portfolio flags it and its owner is reminded.
    assessment_max_age_days = models.PositiveSmallIntegerField(
        "assessments go stale after (days)", default=180, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    REVIEWER = "reviewer", "Reviewer"
    ADMIN = "admin", "Admin"


# Higher ranks include what the lower ones may do.
ROLE_RANK = {Role.MEMBER: 0, Role.REVIEWER: 1, Role.ADMIN: 2}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_user_org_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)
    # Who sees the proposals shared with this team (projects.access.visible_to).
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_org_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An admin's invitation. Only the token's hash is stored, so a database leak opens nothing."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} to {self.organisation}"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()

    @staticmethod
    def default_expiry():
        return timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)


class ApiToken(models.Model):
    """A personal API token, scoped to one membership (so to one organisation)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="API token")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def manageable_by(cls, membership: Membership) -> models.QuerySet["ApiToken"]:
        """The tokens this member may see and revoke: their own, and an admin every member's of
        the organisation (to stop a lost or leaked one without waiting for its owner)."""
        if membership.is_admin:
            return cls.objects.filter(membership__organisation_id=membership.organisation_id)
        return cls.objects.filter(membership=membership)

    @classmethod
    def issue(cls, *, membership: Membership, name: str = "API token") -> tuple["ApiToken", str]:
        raw = "mlf_" + _new_token()
        token = cls.objects.create(membership=membership, name=name, token_hash=hash_token(raw), prefix=raw[4:12])
        return token, raw


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a token sent with a POST (accounts.api_idempotency), with the answer it
    got: the same key and body again answer that, without doing it again. The unique constraint is
    what makes two concurrent duplicates one object: the second INSERT waits for the first
    request's transaction, then finds its answer. Kept IDEMPOTENCY_TTL (docs/api.md)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(max_length=255)
    # sha256 of the method, the path and the body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=2000, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_once_per_token")]
        indexes = [models.Index(fields=["token", "created_at"], name="idempotency_key_age")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status or 'in progress'})"


class NotificationKind(models.TextChoices):
    INVITATION = "invitation", "Invitations"
    REVIEW_REQUEST = "review_request", "Review requests"
    DECISION = "decision", "Review decisions"
    MENTION = "mention", "Mentions"
    REPORT_READY = "report_ready", "Finished reports"
    REMINDER = "reminder", "Reminders about stale assessments"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    MUTED = "muted", "Not sent: the person turned these emails off"
    FAILED = "failed", "Could not be sent"


class Notification(models.Model):
    """One thing a person should know about, shown in the app and, unless muted, emailed.

    `event_key` names the event (e.g. "decision:42:7"): the unique constraint makes creating the
    same notification twice a no-op, so a retried job cannot notify anyone twice.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    event_key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    body = models.TextField(max_length=5000, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=8, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event_key"], name="notification_one_per_event"),
        ]
        indexes = [
            # The bell's unread count and the notifications page: one person, newest first.
            models.Index(fields=["user", "organisation", "-created_at"], name="notification_user_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ThrottleCount(models.Model):
    """Attempts counted towards one limit of accounts.throttle (sign-ins or password-reset requests,
    by one email or from one client address) in the window that started at `window_started_at`.

    A row, not a cache key: the count holds while Redis is away, and `Throttle.take` reads and
    raises it under the row's lock, so parallel attempts cannot all see room below the limit.
    The key holds a hash, never the email itself.
    """

    key = models.CharField(primary_key=True, max_length=64)
    count = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The purge of counts whose window has ended (accounts.throttle._purge_ended).
            models.Index(fields=["window_started_at"], name="throttle_window_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
