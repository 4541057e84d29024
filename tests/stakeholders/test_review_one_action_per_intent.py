"""The review page offers one card per intent: an admin who also signs decides as a signer, with the
overrides apart in a disclosure of their own; no two cards, buttons or reason fields share a label."""

from collections import Counter

from tests.html import parse, squash


def _labels(page) -> list[str]:
    """Every label a person reads on the action cards: the buttons and the reason fields."""
    cards = page.all("form.review-action")
    buttons = [squash(b.get_text()) for card in cards for b in card.select("button")]
    fields = [squash(label.get_text()) for card in cards for label in card.select("label")]
    return buttons + fields


def test_an_admin_who_also_signs_sees_no_two_actions_alike(review):
    signer = review.stakeholders["product"]
    signer.user = review.world.admin
    signer.save(update_fields=["user"])
    review.submit()

    page = review.page(review.world.admin)
    offered = [card["id"] for card in page.all("form.review-action")]
    assert len(offered) == len(set(offered)), offered
    labels = _labels(page)
    repeated = [label for label, n in Counter(labels).items() if n > 1]
    assert not repeated, repeated

    # The signer's decisions are the cards in view; the overrides wait in a closed disclosure.
    main = [card["id"] for card in page.all(".review-actions > form.review-action") if not card.find_parent("details")]
    assert {"action-approve", "action-request_changes", "action-reject"} <= set(main)
    overrides = page.one("details.review-overrides")
    assert not overrides.has_attr("open")
    assert [card["id"] for card in overrides.select("form.review-action")] == [
        "action-override_approve",
        "action-override_reject",
    ]
    assert not {"action-override_approve", "action-override_reject"} & set(main)


def test_an_admin_who_does_not_sign_finds_the_overrides_open(review):
    review.submit()
    page = review.page(review.world.admin)
    assert page.one("details.review-overrides").has_attr("open")
    assert not page.has("#action-approve")
    labels = _labels(page)
    assert len(labels) == len(set(labels)), labels


def test_a_refused_override_reopens_its_disclosure_with_the_reason_kept(review):
    signer = review.stakeholders["product"]
    signer.user = review.world.admin
    signer.save(update_fields=["user"])
    review.submit()
    response = review.post(review.world.admin, {"action": "override_reject", "reason": "   "}, status=400)
    page = parse(response)
    assert page.one("details.review-overrides").has_attr("open")
