from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Invitation, Membership, NotificationKind, Organisation, User, _new_token, hash_token
from accounts.notifications import notify
from outbox.services import outbox_email


class InvitationError(Exception):
    """An invitation link that cannot be used. The message never reveals anything about it."""


@transaction.atomic  # the invitation and its email's outbox item commit together, or neither does
def invitation_create(
    *, organisation: Organisation, email: str, role: str, invited_by: User, accept_url: Callable[[str], str]
) -> tuple[Invitation, str]:
    """Create an invitation and email its link (through the outbox) once the transaction commits."""
    raw = _new_token()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email.strip().lower(),
        role=role,
        token_hash=hash_token(raw),
        invited_by=invited_by,
        expires_at=Invitation.default_expiry(),
    )
    context = {
        "invitation": invitation,
        "url": accept_url(raw),
        "days": settings.INVITATION_MAX_AGE_DAYS,
    }
    # In the outbox, in this transaction: sent once it commits and the queue answers, retried
    # otherwise; the members page shows how it went (ref).
    outbox_email(
        subject=f"You are invited to {organisation.name} on MLFit",
        body=render_to_string("accounts/email/invitation.txt", context),
        to=[invitation.email],
        ref=f"invitation:{invitation.pk}",
    )
    existing = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    if existing is not None:
        # Someone who already uses MLFit also sees the invitation in the app, in their current organisation.
        current = existing.memberships.order_by("organisation__name").first()
        if current is not None:
            notify(
                organisation=current.organisation,
                users=[existing],
                kind=NotificationKind.INVITATION,
                event_key=f"invitation:{invitation.pk}",
                title=f"{invited_by} invites you to join {organisation.name}",
                body=f"As {invitation.get_role_display().lower()}. The link is in the email we sent you.",
                exclude=invited_by,
            )
    return invitation, raw


def invitation_get_usable(*, token: str) -> Invitation:
    invitation = Invitation.objects.select_related("organisation").filter(token_hash=hash_token(token)).first()
    if invitation is None or not invitation.is_usable:
        raise InvitationError("This invitation link is not valid any more. Ask an admin to send you a new one.")
    return invitation


class InvitationConflict(InvitationError):
    """Another request got there first (a second click, the link opened twice): answered 409."""


@transaction.atomic
def invitation_accept(*, token: str, user: User | None = None, name: str = "", password: str = "") -> Membership:
    """Join the invitation's organisation: as `user`, or, without one, as a new account for the
    invitation's email with this name and password.

    The row lock makes a link usable exactly once: of two accepts at the same moment the second
    waits, then finds it used, before it opens an account. The account is created inside a
    savepoint, so a unique violation (an account for the same email opened at that moment some
    other way) answers with a message rather than an error page. The membership needs no such
    care: get_or_create already takes one made meanwhile (through another invitation).
    """
    invitation = invitation_get_usable(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationConflict(
            "This invitation has just been accepted. Sign in with the email address it was sent to."
        )
    if not invitation.is_usable:
        raise InvitationError("This invitation link is not valid any more. Ask an admin to send you a new one.")
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email=invitation.email, password=password, name=name)
        except IntegrityError as exc:
            raise InvitationConflict(
                f"An account for {invitation.email} was opened a moment ago. Sign in, then open the link again."
            ) from exc
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def user_for_invitation(*, invitation: Invitation) -> User | None:
    return User.objects.filter(email__iexact=invitation.email).first()
