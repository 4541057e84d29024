"""Template helpers for what a person reads: which actions a page offers, by name."""

from collections.abc import Iterable
from typing import Any

from django import template

register = template.Library()


@register.filter
def action_names(actions: Iterable[Any]) -> set[str]:
    """The names of workflow transitions (their `action`), to ask `"approve" in ...` of a list."""
    return {t.action for t in actions}
