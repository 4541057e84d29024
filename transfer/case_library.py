"""The public case library (docs/cases/) run through the import and the engine (docs/methodology.md §10).

Every case goes through the same path as a file a person imports: the document is checked and
imported into a throwaway organisation, its assessment is completed on the latest published
questionnaire, and the stored verdict is read back. Nothing is kept: the whole run is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.models import Membership, Organisation, Role, User
from questionnaires.models import Assessment
from questionnaires.versions import sync_from_files
from suitability import decision_quality
from transfer.document import ImportRejected, parse_document
from transfer.write import import_proposals

CASES_DIR = Path(settings.BASE_DIR) / "docs" / "cases"


@dataclass(frozen=True)
class CaseRun:
    evaluation: decision_quality.Evaluation
    details: dict[str, list[str]]  # case id -> what decided its result (blockers, gates, criteria)


def load_cases(directory: Path) -> list[tuple[decision_quality.Case, Any]]:
    """Each case file's case and import document; raise ValueError naming a malformed file."""
    cases = []
    for path in sorted(directory.glob("*.json")):
        try:
            raw = parse_document(path.read_bytes())
        except ImportRejected as rejected:
            raise ValueError(f"{path.name}: {'; '.join(rejected.errors)}") from None
        if not isinstance(raw, dict) or set(raw) != {"case", "document"}:
            raise ValueError(f"{path.name}: a case file has exactly two fields, 'case' and 'document'")
        case = decision_quality.parse_case(raw["case"], path.name)
        if case.id != path.stem:
            raise ValueError(f"{path.name}: the case id {case.id!r} must be the file name")
        cases.append((case, raw["document"]))
    if not cases:
        raise ValueError(f"no case files (*.json) in {directory}")
    return cases


class _Rollback(Exception):
    pass


def run_cases(directory: Path = CASES_DIR) -> CaseRun:
    cases = load_cases(directory)
    pairs: list[tuple[decision_quality.Case, dict[str, Any] | str]] = []
    details: dict[str, list[str]] = {}
    try:
        with transaction.atomic():
            sync_from_files()
            organisation = Organisation.objects.create(name="Case library", slug="case-library-evaluation")
            user = User.objects.create_user(email="cases@mlfit.invalid", password=None)
            Membership.objects.create(user=user, organisation=organisation, role=Role.ADMIN)
            for case, document in cases:
                result = _run_one(organisation, user, document)
                pairs.append((case, result))
                if isinstance(result, dict):
                    details[case.id] = decision_quality.deciding_of(result)
            raise _Rollback
    except _Rollback:
        pass
    return CaseRun(evaluation=decision_quality.evaluate(pairs), details=details)


def _run_one(organisation: Organisation, user: User, document: Any) -> dict[str, Any] | str:
    try:
        # A savepoint per case: a case the import refuses leaves the others to run.
        with transaction.atomic():
            proposals = import_proposals(organisation=organisation, data=document, by=user)
    except ImportRejected as rejected:
        return "; ".join(rejected.errors[:5])
    if len(proposals) != 1:
        return f"a case holds exactly one proposal, not {len(proposals)}"
    assessment = Assessment.objects.filter(proposal=proposals[0], completed_at__isnull=False).first()
    if assessment is None:
        return "the case's assessment must have status 'completed'"
    return {**assessment.result, "verdict": assessment.verdict}
