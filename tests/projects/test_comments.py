"""Comments: threads on the proposal, a questionnaire section or a conflict; replies; mentions that
notify members who can see the proposal; edits that keep their history; bad input kept and refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notification, NotificationKind
from audit.models import AuditEntry
from projects.models import Comment, CommentRevision, Visibility
from tests.conftest import session_queries
from tests.html import parse, squash


def url(world):
    return reverse("projects:comments", args=[world.proposal.pk])


def shown(response) -> list[tuple[str, str]]:
    """The comments on the page, in reading order: (their class, with the depth; their text)."""
    return [
        (li["class"], squash(li.select_one(".comment-body").get_text())) for li in parse(response).all("li.comment")
    ]


def post(client, world, body, anchor="", parent="", htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url(world), {"body": body, "anchor": anchor, "parent": parent}, **headers)


def test_a_member_comments_and_replies_in_a_thread(world):
    client = world.client_for(world.member)
    response = post(client, world, "Is the 2019 data still representative?")
    first = Comment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{first.pk}")
    reply = post(world.client_for(world.owner), world, "Yes, we re-sampled it.", parent=str(first.pk), htmx=True)
    assert reply.status_code == 200
    assert shown(reply) == [
        ("comment depth-0", "Is the 2019 data still representative?"),
        ("comment depth-1", "Yes, we re-sampled it."),
    ]
    assert Comment.objects.get(body__startswith="Yes").parent == first


@pytest.mark.parametrize("anchor", ["section:data", "conflict:12"])
def test_threads_are_kept_per_section_and_per_conflict(world, anchor):
    client = world.client_for(world.member)
    post(client, world, "On the proposal")
    post(client, world, "On the anchor", anchor=anchor)
    anchored = client.get(url(world), {"anchor": anchor})
    assert [text for _, text in shown(anchored)] == ["On the anchor"]
    assert not parse(anchored).shows("On the proposal")
    on_the_proposal = client.get(url(world))
    assert [text for _, text in shown(on_the_proposal)] == ["On the proposal"]
    assert not parse(on_the_proposal).shows("On the anchor")


def test_bad_input_is_refused_and_the_text_kept(world):
    client = world.client_for(world.member)
    response = post(client, world, "   ", htmx=True)
    assert response.status_code == 400 and "Write something" in parse(response).text("#comment-error")
    long = "x" * 5001
    response = post(client, world, long)
    assert response.status_code == 400 and parse(response).form_values("form.comment-form")["body"] == long
    assert post(client, world, "hi", anchor="elsewhere").status_code == 400
    assert post(client, world, "hi", parent="999999").status_code == 400
    assert not Comment.objects.exists()


def test_a_reply_must_stay_in_its_own_thread(world):
    client = world.client_for(world.member)
    post(client, world, "On a section", anchor="section:data")
    parent = Comment.objects.get()
    assert post(client, world, "Misplaced", anchor="", parent=str(parent.pk)).status_code == 400


def test_mentions_notify_members_who_can_see_it_once(world, django_capture_on_commit_callbacks):
    client = world.client_for(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, world, "@Reviewer@acme.test and @nobody@nowhere.test, please look", htmx=True)
    assert "nobody@nowhere.test" in parse(response).text("section.comments .alert")  # told who was not notified
    (note,) = Notification.objects.filter(kind=NotificationKind.MENTION)
    assert note.user == world.reviewer and note.url.endswith(url(world))
    comment = Comment.objects.get()
    assert list(comment.mentions.all()) == [world.reviewer]
    # Editing the comment does not notify the same person again; a newly mentioned one is told.
    edit = reverse("projects:comment_edit", args=[world.proposal.pk, comment.pk])
    client.post(edit, {"body": "@reviewer@acme.test and @member@acme.test, please look"})
    assert sorted(n.user.email for n in Notification.objects.all()) == ["member@acme.test", "reviewer@acme.test"]


def test_a_mentioned_member_who_cannot_see_a_private_proposal_is_not_notified(world):
    world.proposal.visibility = Visibility.PRIVATE
    world.proposal.save()
    post(world.client_for(world.owner), world, "@member@acme.test what do you think?")
    assert not Notification.objects.exists()


def test_edits_keep_their_history_and_only_the_author_edits(world):
    post(world.client_for(world.member), world, "First thought")
    comment = Comment.objects.get()
    edit = reverse("projects:comment_edit", args=[world.proposal.pk, comment.pk])
    assert world.client_for(world.owner).post(edit, {"body": "Hijacked"}).status_code == 403
    assert world.client_for(world.member).post(edit, {"body": ""}).status_code == 400
    assert world.client_for(world.member).post(edit, {"body": "Second thought"}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Second thought" and comment.edited_at is not None
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["First thought"]
    page = parse(world.client_for(world.reviewer).get(url(world)))
    assert page.text(f"#comment-{comment.pk} .comment-body") == "Second thought"
    assert page.text(f"#comment-{comment.pk} .comment-revisions summary") == "Earlier versions (1)"
    assert "First thought" in page.text(f"#comment-{comment.pk} .comment-revisions li")
    (entry,) = AuditEntry.objects.filter(action="comment.edited")
    assert entry.before == {"body": "First thought"} and entry.after == {"body": "Second thought"}


def test_outsiders_get_404_and_cannot_see_private_threads(world):
    post(world.client_for(world.member), world, "Internal")
    comment = Comment.objects.get()
    outsider = world.client_for(world.outsider)
    assert outsider.get(url(world)).status_code == 404
    assert post(outsider, world, "Hello").status_code == 404
    edit = reverse("projects:comment_edit", args=[world.proposal.pk, comment.pk])
    assert outsider.post(edit, {"body": "x"}).status_code == 404
    world.proposal.visibility = Visibility.PRIVATE
    world.proposal.save()
    assert world.client_for(world.reviewer).get(url(world)).status_code == 404


def test_comments_are_escaped(world):
    post(world.client_for(world.member), world, "<script>alert(1)</script>")
    response = world.client_for(world.owner).get(url(world))
    # The markup is escaped in the bytes sent, and reads as the text typed.
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert shown(response) == [("comment depth-0", "<script>alert(1)</script>")]


def test_the_thread_query_count_does_not_grow_with_comments(world):
    client = world.client_for(world.member)
    post(client, world, "one")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url(world), HTTP_HX_REQUEST="true").status_code == 200
        return len(context.captured_queries)

    few = queries()
    for i in range(15):
        post(client, world, f"more {i}", parent=str(Comment.objects.order_by("pk").last().pk))
    Comment.objects.filter(body="one").update(edited_at="2026-01-01T00:00:00Z")
    # The session (none when Redis caches it), then 1: the user with membership and organisation,
    # 2: the proposal (tenancy), 3: the comments with their authors, 4: their revisions.
    assert queries() == few == session_queries() + 4
