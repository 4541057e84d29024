"""Template helpers for what a person reads: which actions a page offers, by name; a task family in words."""

from collections.abc import Iterable
from typing import Any

from django import template

from domain.approaches import TASK_FAMILY_LABELS

register = template.Library()


@register.filter
def action_names(actions: Iterable[Any]) -> set[str]:
    """The names of workflow transitions (their `action`), to ask `"approve" in ...` of a list."""
    return {t.action for t in actions}


@register.filter
def task_family_label(family: str) -> str:
    """The suitability answer `task_family` in words ("images or video"; docs/methodology.md §7.12)."""
    return TASK_FAMILY_LABELS.get(family, "")
