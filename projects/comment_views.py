"""Comment threads: loaded into the proposal, wizard and conflict pages by htmx, or as a page."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.inputs import parse_id
from accounts.tenancy import get_object_for_member, member_required
from projects.access import get_proposal_for_member
from projects.comments import (
    ANCHOR_RE,
    CommentError,
    CommentRateLimited,
    anchor_label,
    anchor_url,
    comment_add,
    comment_edit,
    thread,
)
from projects.models import Comment


def _render(request, proposal, anchor, *, error="", status=200, draft="", reply_to="", editing=None, notice=""):
    context = {
        "proposal": proposal,
        "anchor": anchor,
        "where": anchor_label(anchor),
        "comments": thread(proposal=proposal, anchor=anchor),
        "error": error,
        "draft": draft,
        "reply_to": reply_to,
        "editing": editing,
        "notice": notice,
    }
    template = "projects/comments.html#thread" if request.htmx else "projects/comments.html"
    return render(request, template, context, status=status)


@member_required()
def comments_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    anchor = (request.POST.get("anchor") if request.method == "POST" else request.GET.get("anchor")) or ""
    if not ANCHOR_RE.match(anchor):
        return HttpResponse("There is no such comment thread.", status=400, content_type="text/plain")
    if request.method != "POST":
        return _render(request, proposal, anchor)
    parent = request.POST.get("parent", "")
    body = request.POST.get("body", "")
    try:
        posted = comment_add(
            proposal=proposal,
            author=request.user,
            body=body,
            anchor=anchor,
            parent_id=parse_id(parent, field="reply to") if parent else None,
        )
    except CommentRateLimited as exc:
        response = _render(request, proposal, anchor, error=str(exc), status=429, draft=body, reply_to=parent)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except CommentError as exc:
        # The text stays in the box, with the reason beside it.
        return _render(request, proposal, anchor, error=str(exc), status=400, draft=body, reply_to=parent)
    notice = ""
    if posted.not_notified:
        notice = "Not notified (not members who can see this proposal): " + ", ".join(posted.not_notified)
    if request.htmx:
        return _render(request, proposal, anchor, notice=notice)
    if notice:
        messages.warning(request, notice)
    return redirect(anchor_url(proposal, anchor) + f"#comment-{posted.comment.pk}")


@member_required()
def comment_edit_view(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    comment = get_object_for_member(request, Comment.objects.filter(proposal=proposal), pk=cid)
    if comment.author_id != request.user.pk:
        return HttpResponse("Only the author can edit a comment.", status=403, content_type="text/plain")
    if request.method != "POST":
        return _render(request, proposal, comment.anchor, editing=comment)
    body = request.POST.get("body", "")
    try:
        comment_edit(comment=comment, by=request.user, body=body)
    except CommentError as exc:
        comment.body = body
        return _render(request, proposal, comment.anchor, error=str(exc), status=400, editing=comment)
    if request.htmx:
        return _render(request, proposal, comment.anchor)
    return redirect(anchor_url(proposal, comment.anchor) + f"#comment-{comment.pk}")
