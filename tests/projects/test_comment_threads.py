"""Comment threads hold up: built without recursion (a thread nested a thousand deep renders),
nesting capped (a reply past the cap attaches at the cap), and posting limited per member with a
clear 429, counted in the database (so it holds with Redis down) and under parallel posts."""

import importlib
from datetime import timedelta

from django.apps import apps
from django.urls import reverse

from projects import comments as comments_module
from projects.comments import MAX_DEPTH, RATE_LIMIT, comment_add, thread
from projects.models import Comment
from tests.concurrency import at_once, require_postgresql
from tests.html import parse


def items(response) -> list[tuple[str, str]]:
    """The comment list items' ids and depth classes, in page order."""
    return [
        (li["id"], next(c for c in li["class"].split() if c.startswith("depth-")))
        for li in parse(response).all("li.comment")
    ]


def url(world):
    return reverse("projects:comments", args=[world.proposal.pk])


def chain(world, length: int) -> list[Comment]:
    """A thread nested `length` deep, written straight to the table (as before the cap, or a script)."""
    made, parent = [], None
    for i in range(length):
        parent = Comment.objects.create(
            organisation=world.org, proposal=world.proposal, parent=parent, author=world.owner, body=f"level {i}"
        )
        made.append(parent)
    return made


def test_a_thread_nested_a_thousand_deep_renders_flat_at_the_cap(world):
    made = chain(world, 1000)
    response = world.client_for(world.member).get(url(world))
    assert response.status_code == 200
    shown = items(response)
    assert [i for i, _ in shown] == [f"comment-{c.pk}" for c in made]  # reading order kept
    assert {d for _, d in shown[MAX_DEPTH:]} == {f"depth-{MAX_DEPTH}"}
    assert [d for _, d in shown[:MAX_DEPTH]] == [f"depth-{n}" for n in range(MAX_DEPTH)]


def test_the_tree_is_read_in_order_with_siblings_under_their_parent(world):
    root = comment_add(proposal=world.proposal, author=world.owner, body="root").comment
    other = comment_add(proposal=world.proposal, author=world.owner, body="second root").comment
    a = comment_add(proposal=world.proposal, author=world.member, body="a", parent_id=root.pk).comment
    b = comment_add(proposal=world.proposal, author=world.member, body="b", parent_id=root.pk).comment
    a1 = comment_add(proposal=world.proposal, author=world.owner, body="a1", parent_id=a.pk).comment
    assert [(c.body, d) for c, d in thread(proposal=world.proposal, anchor="")] == [
        ("root", 0),
        ("a", 1),
        ("a1", 2),
        ("b", 1),
        ("second root", 0),
    ]
    assert (a1.depth, b.depth, other.depth) == (2, 1, 0)


def test_a_reply_past_the_cap_attaches_at_the_cap(world):
    parent = None
    for i in range(MAX_DEPTH + 1):
        parent = comment_add(
            proposal=world.proposal, author=world.owner, body=f"level {i}", parent_id=parent and parent.pk
        ).comment
    assert parent.depth == MAX_DEPTH
    client = world.client_for(world.member)
    response = client.post(url(world), {"body": "deeper still", "anchor": "", "parent": str(parent.pk)})
    assert response.status_code == 302
    reply = Comment.objects.get(body="deeper still")
    assert reply.depth == MAX_DEPTH
    assert reply.parent_id == parent.parent_id  # beside the comment replied to
    shown = items(client.get(url(world)))
    assert shown[-2:] == [(f"comment-{parent.pk}", f"depth-{MAX_DEPTH}"), (f"comment-{reply.pk}", f"depth-{MAX_DEPTH}")]


def test_the_migration_sets_the_depth_of_existing_threads_without_recursion(world):
    made = chain(world, 1200)
    Comment.objects.update(depth=0)
    migration = importlib.import_module("projects.migrations.0014_comment_depth_submission_key")
    migration.set_depths(apps, None)
    depths = dict(Comment.objects.values_list("pk", "depth"))
    assert [depths[c.pk] for c in made[: MAX_DEPTH + 2]] == [*range(MAX_DEPTH + 1), MAX_DEPTH]
    assert max(depths.values()) == MAX_DEPTH


def test_posting_past_the_limit_answers_429_with_when_to_try_again_and_keeps_the_text(world, clock):
    client = world.client_for(world.member)
    for i in range(RATE_LIMIT):
        assert client.post(url(world), {"body": f"comment {i}", "anchor": ""}).status_code == 302
    response = client.post(url(world), {"body": "one too many", "anchor": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"  # the oldest of the ten leaves the window in a minute
    page = parse(response)
    assert page.form_values("form.comment-form")["body"] == "one too many"
    assert f"posted {RATE_LIMIT} comments in the last minute" in page.text("#comment-error")
    assert Comment.objects.filter(author=world.member).count() == RATE_LIMIT
    # Someone else is not held back by it; and a minute later the member may post again.
    assert world.client_for(world.owner).post(url(world), {"body": "mine", "anchor": ""}).status_code == 302
    clock.shift(timedelta(minutes=1))
    assert client.post(url(world), {"body": "still too soon", "anchor": ""}).status_code == 429
    clock.shift(timedelta(seconds=1))
    assert client.post(url(world), {"body": "later", "anchor": ""}).status_code == 302


def test_the_limit_is_counted_in_the_database_not_the_cache(world, settings):
    # A cache that forgets everything (as a Redis that is down reads: every look-up a miss).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client = world.client_for(world.member)
    codes = [client.post(url(world), {"body": f"c{i}", "anchor": ""}).status_code for i in range(RATE_LIMIT + 1)]
    assert codes[-1] == 429 and set(codes[:-1]) == {302}


def test_parallel_posts_do_not_pass_the_limit_together(transactional_db, world):
    require_postgresql()
    posts = [
        (lambda i=i: comments_module.comment_add(proposal=world.proposal, author=world.member, body=f"c{i}"))
        for i in range(RATE_LIMIT + 5)
    ]
    outcomes = []
    for future in at_once(*posts):
        try:
            future.result(20)
            outcomes.append("posted")
        except comments_module.CommentRateLimited:
            outcomes.append("limited")
    assert outcomes.count("posted") == RATE_LIMIT
    assert Comment.objects.filter(author=world.member).count() == RATE_LIMIT
