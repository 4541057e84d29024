"""The candidate approaches in the database: published from the YAML file or the admin, versioned.

Reports freeze the latest version's definition into their inputs, so a report made before a
profile changed still reads (and recomputes) exactly as it was. The conflict detector reads the
latest version too (``approaches_latest_loaded``), so there is one catalogue.
"""

from functools import lru_cache
from typing import Any

import yaml
from django.db import transaction

from accounts.models import User
from approaches.models import ApproachSet
from domain.approaches import APPROACHES_PATH, Approach, load_approaches
from domain.hashing import definition_hash


@transaction.atomic
def approaches_publish(
    *, definition: dict[str, Any], by: User | None = None, notes: str = ""
) -> tuple[ApproachSet, bool]:
    """Publish `definition` as the next version unless it is unchanged; (latest, whether new).

    Checked by the domain's loader first (raises ValueError naming the key at fault), so a profile
    that cannot be compared never reaches a report or the conflict detector.
    """
    latest = ApproachSet.objects.select_for_update().order_by("-version").first()
    number = latest.version + 1 if latest else max(1, int(definition.get("version") or 1))
    stored = {**definition, "version": number}
    load_approaches(stored)
    digest = definition_hash(stored)
    if latest is not None and latest.content_hash == digest:
        return latest, False
    return ApproachSet.objects.create(
        version=number, definition=stored, content_hash=digest, notes=notes, published_by=by
    ), True


def approaches_from_file() -> dict[str, Any]:
    with APPROACHES_PATH.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def approaches_sync_from_file() -> tuple[ApproachSet, bool]:
    return approaches_publish(definition=approaches_from_file(), notes="Published from approaches.yaml")


def approaches_latest() -> dict[str, Any]:
    """The definition reports are computed with now: the latest published, the file's if none is."""
    latest = ApproachSet.objects.order_by("-version").only("definition").first()
    if latest is None:
        latest, _ = approaches_sync_from_file()
    return latest.definition


def approaches_latest_loaded() -> tuple[Approach, ...]:
    """The latest published approaches, built (the file's published first if none is).

    One small query for the version's id and hash; the definition is read and built once per
    process for each version.
    """
    latest = ApproachSet.objects.order_by("-version").values_list("pk", "content_hash").first()
    if latest is None:
        published, _ = approaches_sync_from_file()
        latest = (published.pk, published.content_hash)
    return _loaded(*latest)


@lru_cache(maxsize=8)
def _loaded(pk: int, content_hash: str) -> tuple[Approach, ...]:
    # Published versions never change, so (id, hash) is a safe key; the hash guards against an
    # edit made outside the app, and against a test database reusing an id.
    return load_approaches(ApproachSet.objects.values_list("definition", flat=True).get(pk=pk))
