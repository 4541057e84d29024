"""Threaded comments on a proposal, its questionnaire sections and its conflicts, with mentions.

A mention is "@" followed by a member's email address. Only members who can see the proposal are
notified; the others are named back to the author instead, so nobody gets a link they cannot open.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.inputs import InputRefused, clean_text
from accounts.models import Membership, NotificationKind, Role, User
from accounts.notifications import notify
from audit.services import audit_record
from projects.access import may_view
from projects.models import Comment, CommentRevision, Proposal

MENTION_RE = re.compile(r"(?<![\w.+-])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
ANCHOR_RE = re.compile(r"^(?:|section:[a-z0-9_-]{1,60}|conflict:[0-9]{1,12})$")
MAX_BODY = 5000
# Replies nest this deep at most, so threads stay readable on a phone: a reply to a comment at
# this depth is attached beside it (to the same parent), and shows right below it.
MAX_DEPTH = 4
# Comments one member may post in a minute, across the organisation. Counted in the database (not
# the cache), so the limit holds with Redis down; a person typing replies stays far below it.
RATE_LIMIT = 10
RATE_WINDOW = timedelta(minutes=1)


class CommentError(Exception):
    """A comment that cannot be saved; the message says what to change."""


class CommentRateLimited(CommentError):
    """The author posted RATE_LIMIT comments in the last RATE_WINDOW (answered 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"You have posted {RATE_LIMIT} comments in the last minute. "
            f"Wait {retry_after} seconds, then post again; your text is kept."
        )
        self.retry_after = retry_after


@dataclass
class Posted:
    comment: Comment
    # Mentioned addresses that are not members who can see this proposal: not notified.
    not_notified: list[str] = field(default_factory=list)


def anchor_label(anchor: str) -> str:
    if anchor.startswith("section:"):
        return f"the questionnaire section “{anchor.split(':', 1)[1].replace('_', ' ')}”"
    if anchor.startswith("conflict:"):
        return "a conflict"
    return "the proposal"


def anchor_url(proposal: Proposal, anchor: str) -> str:
    base = reverse("projects:comments", kwargs={"pk": proposal.pk})
    return f"{base}?anchor={anchor}" if anchor else base


def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise CommentError("Write something before posting.")
    try:
        clean_text(body, field="Comment", multiline=True)
    except InputRefused as refused:
        raise CommentError(str(refused)) from refused
    if len(body) > MAX_BODY:
        raise CommentError(f"Keep a comment under {MAX_BODY:,} characters (this one has {len(body):,}).")
    return body


def _mentioned(proposal: Proposal, body: str) -> tuple[list[User], list[str]]:
    emails = {m.lower() for m in MENTION_RE.findall(body)}
    if not emails:
        return [], []
    any_email = Q()
    for email in sorted(emails)[:20]:  # a comment that names more people than this is not a mention
        any_email |= Q(user__email__iexact=email)
    memberships = Membership.objects.filter(any_email, organisation_id=proposal.organisation_id, user__is_active=True)
    found = []
    for membership in memberships.select_related("user"):
        if may_view(proposal=proposal, user=membership.user, is_admin=membership.has_role(Role.ADMIN)):
            found.append(membership.user)
    reached = {u.email.lower() for u in found}
    return found, sorted(emails - reached)


def _notify_mentions(comment: Comment, users: list[User], by: User) -> None:
    notify(
        organisation=comment.proposal.organisation,
        users=users,
        kind=NotificationKind.MENTION,
        event_key=f"mention:{comment.pk}",
        title=f"{by} mentioned you on “{comment.proposal.title}”",
        body=comment.body[:500],
        url=anchor_url(comment.proposal, comment.anchor),
        exclude=by,
    )


def _check_rate(*, proposal: Proposal, author: User) -> None:
    """Refuse a comment past the author's RATE_LIMIT in the last RATE_WINDOW.

    The author's membership row is locked first, so a member's posts take turns here: posts sent
    in parallel cannot all count the same earlier comments and together pass the limit.
    """
    Membership.objects.select_for_update(no_key=True).filter(
        user=author, organisation_id=proposal.organisation_id
    ).first()
    since = timezone.now() - RATE_WINDOW
    recent = list(
        Comment.objects.filter(author=author, organisation_id=proposal.organisation_id, created_at__gte=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:RATE_LIMIT]
    )
    if len(recent) >= RATE_LIMIT:
        # Free again when the oldest of the last RATE_LIMIT leaves the window.
        retry_after = max(1, math.ceil((recent[-1] + RATE_WINDOW - timezone.now()).total_seconds()))
        raise CommentRateLimited(retry_after)


@transaction.atomic
def comment_add(
    *, proposal: Proposal, author: User, body: str, anchor: str = "", parent_id: int | None = None
) -> Posted:
    if not ANCHOR_RE.match(anchor or ""):
        raise CommentError("That is not a place on this proposal that takes comments.")
    body = _clean(body)
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, proposal=proposal, anchor=anchor).first()
        if parent is None:
            raise CommentError("The comment you replied to is not in this thread any more.")
        if parent.depth >= MAX_DEPTH:
            # Past the cap: beside the comment replied to, under its parent.
            parent = Comment.objects.get(pk=parent.parent_id)
    _check_rate(proposal=proposal, author=author)
    comment = Comment.objects.create(
        organisation=proposal.organisation,
        proposal=proposal,
        parent=parent,
        depth=0 if parent is None else min(parent.depth + 1, MAX_DEPTH),
        anchor=anchor,
        author=author,
        body=body,
    )
    users, not_notified = _mentioned(proposal, body)
    comment.mentions.set(users)
    _notify_mentions(comment, users, author)
    audit_record(
        organisation=proposal.organisation,
        proposal=proposal,
        obj=comment,
        action="comment.added",
        actor=author,
        after={"where": anchor_label(anchor), "body": body, "reply_to": parent_id},
        only_changes=False,
    )
    return Posted(comment=comment, not_notified=not_notified)


@transaction.atomic
def comment_edit(*, comment: Comment, by: User, body: str) -> Posted:
    if comment.author_id != by.pk:
        raise CommentError("Only the author can edit a comment.")
    body = _clean(body)
    if body == comment.body:
        return Posted(comment=comment)
    CommentRevision.objects.create(
        comment=comment, body=comment.body, created_at=comment.edited_at or comment.created_at, edited_by=by
    )
    before = comment.body
    comment.body, comment.edited_at = body, timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    users, not_notified = _mentioned(comment.proposal, body)
    already = set(comment.mentions.values_list("pk", flat=True))
    new = [u for u in users if u.pk not in already]
    comment.mentions.add(*new)
    if new:
        # Only the people newly mentioned by this edit; event per edit so they are told once.
        notify(
            organisation=comment.proposal.organisation,
            users=new,
            kind=NotificationKind.MENTION,
            event_key=f"mention:{comment.pk}:{comment.edited_at.isoformat()}",
            title=f"{by} mentioned you on “{comment.proposal.title}”",
            body=body[:500],
            url=anchor_url(comment.proposal, comment.anchor),
            exclude=by,
        )
    audit_record(
        organisation=comment.organisation,
        proposal=comment.proposal,
        obj=comment,
        action="comment.edited",
        actor=by,
        before={"body": before},
        after={"body": body},
    )
    return Posted(comment=comment, not_notified=not_notified)


def thread(*, proposal: Proposal, anchor: str) -> list[tuple[Comment, int]]:
    """The comments at one anchor in reading order, each with its depth (replies under parents).

    Walked with an explicit stack rather than recursion: a thread nested a thousand deep (written
    before the cap, or by a script) must not exhaust Python's stack.
    """
    comments = list(
        Comment.objects.filter(proposal=proposal, anchor=anchor)
        .select_related("author")
        .prefetch_related("revisions")
        .order_by("created_at", "pk")
    )
    children: dict[int | None, list[Comment]] = {}
    for c in comments:
        children.setdefault(c.parent_id, []).append(c)
    ordered: list[tuple[Comment, int]] = []
    # Reversed onto the stack, so the oldest comment is popped first.
    stack = [(c, 0) for c in reversed(children.get(None, []))]
    while stack:
        comment, depth = stack.pop()
        ordered.append((comment, min(depth, MAX_DEPTH)))
        stack.extend((c, depth + 1) for c in reversed(children.get(comment.pk, [])))
    return ordered
