"""Strict readers for definitions written as YAML (questionnaires, approaches, conflict rules).

A definition is data a person edits, so each reader refuses what it does not expect and names
where: "approaches.gbdt.profile.latency_ms.value: expected a number of 0 or more". ``where`` is
the path to the value, built by the caller as it descends.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any


def check_keys(node: Any, where: str, *, required: set[str], optional: Iterable[str] = ()) -> None:
    """``node`` is a mapping with every required key and no key outside required and optional."""
    as_mapping(node, where)
    missing = sorted(required - node.keys())
    if missing:
        raise ValueError(f"{where}: missing key '{missing[0]}'")
    # A typo such as `latency:` for `latency_ms:` or `show_iff` for `show_if` must fail here,
    # not silently drop a figure or a condition.
    unknown = sorted(str(k) for k in node.keys() - required - set(optional))
    if unknown:
        raise ValueError(f"{where}: unknown key '{unknown[0]}'")


def as_mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def as_list(value: Any, where: str, *, nonempty: bool = False) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
    if nonempty and not value:
        raise ValueError(f"{where}: must not be empty")
    return value


def as_text(value: Any, where: str) -> str:
    """A non-empty string, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: expected a non-empty string")
    return value.strip()


def as_texts(value: Any, where: str) -> tuple[str, ...]:
    return tuple(as_text(item, where) for item in as_list(value, where))


def as_string_map(value: Any, where: str) -> dict[str, str]:
    return {as_text(k, where): as_text(v, f"{where}.{k}") for k, v in as_mapping(value, where).items()}


def as_bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: expected true or false")
    return value


def is_number(value: Any) -> bool:
    """A finite int or float; YAML's true and false are not numbers here."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def as_number(value: Any, where: str) -> float:
    """A finite number of 0 or more, as a float."""
    if not is_number(value) or value < 0:
        raise ValueError(f"{where}: expected a number of 0 or more")
    return float(value)


def as_version(value: Any, where: str) -> int:
    """A definition's ``version``: a whole number from 1 up."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{where}: 'version' must be a whole number from 1 up")
    return value
