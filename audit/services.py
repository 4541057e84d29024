"""The audit trail: one function writes it, every app's services call it.

It imports no app of ours (the organisation, proposal and actor are typed as Django's own
classes), so every app, accounts included, may record into it.

Entries are append-only (AuditEntry.save refuses updates). Values are stored as JSON-ready data;
`changed_fields` keeps only what differs, so an entry shows the change and not the whole object.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model

from audit.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict, dict]:
    """The keys whose values differ, as (before, after) dicts of plain values."""
    before, after = before or {}, after or {}
    keys = [k for k in {**before, **after} if _plain(before.get(k)) != _plain(after.get(k))]
    return {k: _plain(before.get(k)) for k in keys if k in before}, {
        k: _plain(after.get(k)) for k in keys if k in after
    }


def audit_record(
    *,
    organisation: Model,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    proposal: Model | None = None,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    only_changes: bool = True,
) -> AuditEntry | None:
    """Record one change. With only_changes, an edit that changed nothing records nothing."""
    if only_changes and before is not None and after is not None:
        before, after = changed_fields(before, after)
        if not before and not after:
            return None
    else:
        before = _plain(before) if before is not None else None
        after = _plain(after) if after is not None else None
    if actor is not None and getattr(actor, "is_anonymous", False):
        actor = None
    return AuditEntry.objects.create(
        organisation=organisation,
        proposal=proposal,
        actor=actor,
        actor_label=actor_label or (str(actor) if actor else ""),
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        before=before,
        after=after,
        reason=reason,
    )
