from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    NotificationKind,
    Organisation,
    Role,
    Team,
    User,
    _new_token,
    hash_token,
)
from accounts.notifications import notify
from audit.services import audit_record
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


class MembershipChangeError(ValueError):
    pass


def _lock_for_membership_change(*, membership: Membership, by: User) -> Membership:
    """Lock the organisation's admin memberships and the one being changed; return the latter as
    it is now. Raises MembershipChangeError when `by` is no longer an admin there, or the
    membership has gone.

    The invariant: an organisation always has an admin. Two admins demoting (or removing) each
    other at the same moment would each see the other still an admin and both succeed, leaving
    none. With the admin rows locked (in id order, so two such changes queue rather than
    deadlock), the second one waits for the first to commit, then reads the admins as they are
    and finds its own actor demoted. The membership being changed is locked too (after the
    admins', the same order everywhere), so two changes to one member also take turns.
    """
    admins = set(
        Membership.objects.select_for_update()
        .filter(organisation_id=membership.organisation_id, role=Role.ADMIN)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    if by.pk not in admins:
        raise MembershipChangeError("Your admin role was changed meanwhile; nothing was done.")
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organisation")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        raise MembershipChangeError(f"{membership.user} was removed meanwhile; nothing was done.")
    return locked


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, by: User) -> None:
    if membership.user_id == by.pk and role != Role.ADMIN:
        # An organisation must never lose its last way in: an admin keeps their own role, so the
        # one making a change is always an admin who stays.
        raise MembershipChangeError("You cannot remove your own admin role.")
    locked = _lock_for_membership_change(membership=membership, by=by)
    before = {"role": locked.role}
    locked.role = role
    locked.save(update_fields=["role"])
    membership.role = role
    audit_record(
        organisation=locked.organisation,
        action="membership.role_changed",
        obj=locked,
        actor=by,
        before=before,
        after={"role": role},
    )


def api_token_revoke(*, token: ApiToken, by: User) -> None:
    """Revoke a token; recorded when it is someone else's (an admin stopping a lost or leaked one)."""
    membership = token.membership
    if membership.user_id != by.pk:
        audit_record(
            organisation=membership.organisation,
            action="api_token.revoked",
            obj=token,
            actor=by,
            before={"owner": membership.user.email, "name": token.name, "prefix": token.prefix},
            only_changes=False,
        )
    token.delete()


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> list[Model]:
    """Take a person out of an organisation, for good: every way in goes at once. Their
    membership and its API tokens, their team places, the private proposals opened to them (as a
    stakeholder), and any invitation to the organisation still waiting for them (else they could
    walk back in with it). Their stakeholder links stop working too: the stakeholders app refuses
    a member's link once the member has left (stakeholders.services.stakeholder_for_link).
    What they wrote (proposals, requirements, sign-offs, comments) stays under their name, as the
    record; their unsaved drafts stay too, in case they come back.

    Returns the proposals (pk and title) whose review still waits on them. Those are left as they
    are, since the review does still need that sign-off: an admin swaps the stakeholder or
    overrides, and the removal message says so.
    """
    if membership.user_id == by.pk:
        # The one doing it is an admin, so the organisation keeps at least one.
        raise MembershipChangeError("You cannot remove yourself; ask another admin.")
    membership = _lock_for_membership_change(membership=membership, by=by)
    organisation, user = membership.organisation, membership.user
    before = {"email": user.email, "role": membership.role, "api_tokens": membership.api_tokens.count()}
    audit_record(organisation=organisation, action="membership.removed", obj=membership, actor=by, before=before)
    Team.members.through.objects.filter(team__organisation=organisation, user=user).delete()
    # Proposals live in the projects app, above this one: their rows are reached through the
    # relations that app declares on the user (Proposal.readers as readable_proposals,
    # Proposal.awaiting_review_by as awaiting_reviews), not by importing it. One removal then
    # stays one service and one transaction, and these are the same queries as before the move.
    User.readable_proposals.through.objects.filter(proposal__organisation=organisation, user=user).delete()
    Invitation.objects.filter(organisation=organisation, email__iexact=user.email, accepted_at__isnull=True).update(
        expires_at=timezone.now()
    )
    membership.delete()  # its API tokens with it
    return list(
        user.awaiting_reviews.under_review().filter(organisation=organisation).only("pk", "title").order_by("title")
    )
