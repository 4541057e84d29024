"""Questionnaire versions in the database: publishing from the YAML files, and loading for the engine."""

from functools import lru_cache
from pathlib import Path

import yaml
from django.db import transaction

from accounts.models import User
from domain.hashing import definition_hash
from projects.services import proposals_mark_questionnaire_outdated
from questionnaires.engine.schema import QUESTIONNAIRES_DIR, Questionnaire, load_questionnaire
from questionnaires.models import QuestionnaireVersion

SUITABILITY_KEY = "ml_suitability"


@transaction.atomic
def questionnaire_publish(
    *, definition: dict, by: User | None = None, notes: str = ""
) -> tuple[QuestionnaireVersion, bool]:
    """Publish `definition` as the next version of its questionnaire, unless it is unchanged.

    The definition is validated by the engine's loader first, so a broken questionnaire never
    reaches an assessment. Returns the latest version and whether a new one was made.
    """
    load_questionnaire(definition)  # raises ValueError naming the offending key
    key = definition["key"]
    content_hash = definition_hash(definition)
    # Lock the key's versions so two publishers cannot both take the same next number.
    latest = QuestionnaireVersion.objects.select_for_update().filter(key=key).order_by("-version").first()
    if latest is not None and latest.content_hash == content_hash:
        return latest, False
    number = latest.version + 1 if latest else 1
    stored = {**definition, "version": number}
    version = QuestionnaireVersion.objects.create(
        key=key,
        version=number,
        title=definition.get("title", key),
        definition=stored,
        content_hash=content_hash,
        notes=notes,
        published_by=by,
    )
    if latest is not None and key == SUITABILITY_KEY:
        # Verdicts reached on the earlier wording are flagged as stale on the portfolio.
        from questionnaires.models import Assessment, AssessmentStatus

        assessed = Assessment.objects.filter(
            questionnaire__key=key, status=AssessmentStatus.COMPLETED, stakeholder__isnull=True
        ).values_list("proposal_id", flat=True)
        proposals_mark_questionnaire_outdated(organisation_ids=None, proposal_ids=list(assessed.distinct()))
    return version, True


def sync_from_files(directory: Path = QUESTIONNAIRES_DIR) -> list[tuple[QuestionnaireVersion, bool]]:
    results = []
    for path in sorted(directory.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            # libyaml's loader is about 20 times faster than the pure-Python one.
            definition = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
        results.append(questionnaire_publish(definition=definition, notes=f"Published from {path.name}"))
    return results


def latest_version(key: str = SUITABILITY_KEY) -> QuestionnaireVersion | None:
    return QuestionnaireVersion.objects.filter(key=key).order_by("-version").first()


@lru_cache(maxsize=64)
def _load(version_id: int, content_hash: str) -> Questionnaire:
    definition = QuestionnaireVersion.objects.values_list("definition", flat=True).get(pk=version_id)
    return load_questionnaire(definition)


def engine_questionnaire(version: QuestionnaireVersion) -> Questionnaire:
    """The engine's questionnaire for a stored version, parsed once per process.

    Published versions never change, so (id, hash) is a safe cache key; the hash guards against
    an edit made outside the app.
    """
    return _load(version.pk, version.content_hash)
