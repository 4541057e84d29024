from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Invitation, Membership, NotificationKind, Organisation, User, _new_token, hash_token
from accounts.notifications import notify
from accounts.tasks import send_email


class InvitationError(Exception):
    """An invitation link that cannot be used. The message never reveals anything about it."""


def invitation_create(
    *, organisation: Organisation, email: str, role: str, invited_by: User, accept_url: Callable[[str], str]
) -> tuple[Invitation, str]:
    """Create an invitation and email its link once the transaction commits."""
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
    subject = f"You are invited to {organisation.name} on MLFit"
    body = render_to_string("accounts/email/invitation.txt", context)
    transaction.on_commit(lambda: send_email.delay(subject, body, [invitation.email]))
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


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the invitation's organisation. The row lock makes a link usable exactly once."""
    invitation = invitation_get_usable(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise InvitationError("This invitation link is not valid any more. Ask an admin to send you a new one.")
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def user_for_invitation(*, invitation: Invitation) -> User | None:
    return User.objects.filter(email__iexact=invitation.email).first()
