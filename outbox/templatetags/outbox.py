"""Status lines for whoever waits on an outbox item: "not sent yet: will retry", "could not be sent: ..."."""

from collections.abc import Iterable
from typing import Any

from django import template

from outbox.models import OutboxItem
from outbox.services import outbox_latest_many

register = template.Library()


@register.simple_tag
def outbox_pairs(objects: Iterable[Any], prefix: str) -> list[tuple[Any, OutboxItem | None]]:
    """Each object with the newest outbox item whose ref is "<prefix>:<pk>", in one query."""
    objects = list(objects)
    latest = outbox_latest_many(refs=[f"{prefix}:{obj.pk}" for obj in objects])
    return [(obj, latest.get(f"{prefix}:{obj.pk}")) for obj in objects]


@register.simple_tag
def outbox_item(prefix: str, pk: int) -> OutboxItem | None:
    return outbox_latest_many(refs=[f"{prefix}:{pk}"]).get(f"{prefix}:{pk}")
