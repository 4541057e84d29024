"""The checks of a stakeholder and of their requirements and objectives given as JSON, shared by the
import (transfer) and the JSON API (stakeholders.api), so both refuse the same input in the same
words, each error with the path of the value at fault (`requirements[0].value`, `email`).

The fields are those of docs/import-format.md, "Stakeholders", "Requirements" and "Objectives".
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.inputs import json_kind, text_problem
from accounts.models import User
from stakeholders.models import StakeRole
from stakeholders.requirements import RequirementError, normalise

REQUIREMENT_KEYS = ("dimension", "op", "value", "unit", "metric", "must_have", "weight")
OBJECTIVE_KEYS = ("name", "direction", "weight")
_DIRECTIONS = ("maximise", "minimise")
_WEIGHTS = (1, 5)
_DEFAULT_WEIGHT = 3
# The model fields' lengths, repeated here so input is refused with its path rather than failing
# at INSERT (Stakeholder.name, EmailField, Requirement.metric, Objective.name).
_NAME_MAX, _EMAIL_MAX, _METRIC_MAX, _OBJECTIVE_MAX = 150, 254, 40, 40

# A field's path (`requirements[0].value`, `email`) and what is wrong with it.
FieldError = tuple[str, str]


def stakeholder_check(
    *,
    name: str,
    email: str,
    role: str,
    member: bool,
    roles: dict[str, StakeRole],
    members: dict[str, User],
    taken: dict[str, str],
) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """A stakeholder as the import and the API name one: a member of the organisation by email, or
    a named outside person; with a stake role by key. `members` and `taken` are keyed by
    lowercased email: the organisation's members, and the proposal's stakeholders already there
    (with who has each email, a name or a path, for the message).

    Returns the fields stakeholder_add takes (name, email, role, user), or None and the errors.
    """
    errors: list[FieldError] = []
    name, email = name.strip(), email.strip().lower()
    # One-line fields: a name and an email address end up in email headers (accounts.inputs).
    for field, value in (("name", name), ("email", email), ("role", role)):
        problem = text_problem(value, multiline=False)
        if problem:
            errors.append((field, problem))
    if errors:
        return None, errors
    user = None
    if not email:
        errors.append(("email", "required"))
    elif member:
        user = members.get(email)
        if user is None:
            errors.append(("email", f"{email!r} is not the email of a member of this organisation (member is true)"))
        else:
            name = name or user.get_full_name()
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(("email", f"{email!r} is not a valid email address"))
        if len(email) > _EMAIL_MAX:
            errors.append(("email", f"at most {_EMAIL_MAX} characters"))
    if email and email in taken:
        errors.append(("email", f"{email!r} is already a stakeholder of this proposal ({taken[email]})"))
    if not name and not member:
        errors.append(("name", "required for someone who is not a member"))
    elif len(name) > _NAME_MAX:
        errors.append(("name", f"at most {_NAME_MAX} characters"))
    stake_role = roles.get(role.strip())
    if stake_role is None:
        known = ", ".join(roles)
        got = f"got {role!r}" if role.strip() else "required"
        errors.append(("role", f"{got}; expected the key of one of the organisation's stake roles: {known}"))
    if errors:
        return None, errors
    return {"name": name, "email": email, "role": stake_role, "user": user}, []


def requirements_check(
    *, requirements: object, objectives: object
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[FieldError]]:
    """One stakeholder's requirements and objectives, as the import and the API take them.

    Every requirement goes through stakeholders.requirements.normalise, so it is stored in its
    dimension's canonical unit; every error comes with its path (`requirements[0].value`).
    Returns the requirements and objectives as requirements_replace takes them, and the errors.
    """
    errors: list[FieldError] = []
    cleaned_requirements: list[dict[str, Any]] = []
    cleaned_objectives: list[dict[str, Any]] = []
    if requirements is None:
        requirements = []
    if not isinstance(requirements, list):
        errors.append(("requirements", f"expected a list of requirements, got {json_kind(requirements)}"))
        requirements = []
    dimensions: dict[str, int] = {}
    for i, item in enumerate(requirements):
        here = f"requirements[{i}]"
        found = _requirement_problems(item)
        cleaned = None
        if not found:
            try:
                op, value, unit = normalise(item["dimension"], item["op"], item["value"], item.get("unit") or "")
            except RequirementError as exc:
                found.append((exc.field, exc.message))
            else:
                cleaned = {
                    "dimension": item["dimension"],
                    "op": op,
                    "value": value,
                    "unit": unit,
                    "metric": (item.get("metric") or "").strip(),
                    "must_have": item.get("must_have", False),
                    "weight": item.get("weight", _DEFAULT_WEIGHT),
                }
        if cleaned is not None and cleaned["dimension"] in dimensions:
            first = dimensions[cleaned["dimension"]]
            found.append(
                (
                    "dimension",
                    f"requirements[{first}] is on {cleaned['dimension']} already; one requirement a dimension",
                )
            )
        errors += [(f"{here}.{field}", message) for field, message in found]
        if cleaned is not None and not found:
            dimensions[cleaned["dimension"]] = i
            cleaned_requirements.append(cleaned)
    if objectives is None:
        objectives = []
    if not isinstance(objectives, list):
        errors.append(("objectives", f"expected a list of objectives, got {json_kind(objectives)}"))
        objectives = []
    names: dict[str, int] = {}
    for i, item in enumerate(objectives):
        here = f"objectives[{i}]"
        found = _objective_problems(item)
        if not found:
            name = item["name"].strip()
            if name in names:
                found.append(("name", f"objectives[{names[name]}] is {name!r} already"))
            else:
                names[name] = i
                cleaned_objectives.append(
                    {"name": name, "direction": item["direction"], "weight": item.get("weight", _DEFAULT_WEIGHT)}
                )
        errors += [(f"{here}.{field}" if field else here, message) for field, message in found]
    return cleaned_requirements, cleaned_objectives, errors


def _weight_problem(item: dict[str, Any]) -> list[FieldError]:
    weight = item.get("weight", _DEFAULT_WEIGHT)
    # `type(...) is int`: JSON true is 1 in Python, and 3.0 is no whole number in a file either.
    if type(weight) is not int or not _WEIGHTS[0] <= weight <= _WEIGHTS[1]:
        return [("weight", f"expected a whole number from {_WEIGHTS[0]} to {_WEIGHTS[1]}, got {weight!r}")]
    return []


def _requirement_problems(item: object) -> list[FieldError]:
    """What keeps a requirement from being normalised at all: its shape and its fields' types."""
    if not isinstance(item, dict):
        return [("", f"expected an object, got {json_kind(item)}")]
    found: list[FieldError] = [
        (key, f"unknown field (fields are: {', '.join(REQUIREMENT_KEYS)})")
        for key in item
        if key not in REQUIREMENT_KEYS
    ]
    for key in ("dimension", "op"):
        if not isinstance(item.get(key), str):
            found.append((key, "required" if item.get(key) is None else f"expected text, got {json_kind(item[key])}"))
    value = item.get("value")
    if value is None:
        found.append(("value", "required"))
    elif not isinstance(value, str | int | float) or isinstance(value, bool):
        found.append(("value", f"expected a number or text, got {json_kind(value)}"))
    for key in ("unit", "metric"):
        text = item.get(key)
        if text is not None and not isinstance(text, str):
            found.append((key, f"expected text, got {json_kind(text)}"))
    metric = item.get("metric")
    if isinstance(metric, str) and len(metric.strip()) > _METRIC_MAX:
        found.append(("metric", f"at most {_METRIC_MAX} characters"))
    if not isinstance(item.get("must_have", False), bool):
        found.append(("must_have", f"expected true or false, got {json_kind(item['must_have'])}"))
    return found + _weight_problem(item)


def _objective_problems(item: object) -> list[FieldError]:
    if not isinstance(item, dict):
        return [("", f"expected an object, got {json_kind(item)}")]
    found: list[FieldError] = [
        (key, f"unknown field (fields are: {', '.join(OBJECTIVE_KEYS)})") for key in item if key not in OBJECTIVE_KEYS
    ]
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        found.append(("name", f"expected text, got {json_kind(name)}"))
    elif not name or not name.strip():
        found.append(("name", "required"))
    elif len(name.strip()) > _OBJECTIVE_MAX:
        found.append(("name", f"at most {_OBJECTIVE_MAX} characters"))
    if item.get("direction") not in _DIRECTIONS:
        found.append(("direction", f"expected one of {', '.join(_DIRECTIONS)}, got {item.get('direction')!r}"))
    return found + _weight_problem(item)
