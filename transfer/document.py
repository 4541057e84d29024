"""The `mlfit.proposals` document, as docs/import-format.md describes it: its name and version, the
limits on a file, the fields of each of its parts, and reading a file into the JSON it holds.

A file goes in through transfer.check (the whole document checked, every error listed with the
path of the value at fault) and transfer.write (a checked document written, whole or not at all);
transfer.export writes an organisation's proposals out as a document that imports again.
"""

import json
from pathlib import Path
from typing import Any, NoReturn

from accounts.inputs import json_kind
from projects.models import EDITABLE_FIELDS, Proposal
from questionnaires.models import AssessmentStatus
from stakeholders.conflicts import fingerprint
from stakeholders.models import Conflict, ConflictKind, Objective, Requirement

FORMAT = "mlfit.proposals"
FORMAT_VERSION = 1
# The caps keep a wrong file from taking the machine's memory or holding one transaction open for
# long (5,000 proposals took about 5 minutes on PostgreSQL on a busy 2-core machine). They fit
# together: an exported completed proposal, findings included, is about 11 KB, so any export of up
# to 5,000 proposals (about 55 MB) can be imported again. Parsing a file at the byte cap takes some
# 250 MB of memory.
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_IMPORT_PROPOSALS = 5_000


# --------------------------------------------------------------------------------------------
# The fields of each part of the document. Any other field is refused, so a misspelt name cannot
# silently drop what it holds.

# The document
DOCUMENT_KEYS = ("format", "format_version", "organisation", "exported_at", "proposals")

# A proposal
# `status` is written by the export and read by nobody: imported proposals start as drafts,
# because a lifecycle state is earned through review, not declared in a file.
PROPOSAL_KEYS = (*EDITABLE_FIELDS, "status", "assessment", "stakeholders", "conflicts")
# Intake fields that are plain text in the file; the rest (numbers, dates, people, teams) are
# converted by transfer.check before the intake form sees them.
TEXT_FIELDS = tuple(
    name for name in EDITABLE_FIELDS if Proposal._meta.get_field(name).get_internal_type() in ("CharField", "TextField")
)

# The assessment
# `result` and `completed_at` are written by the export and ignored by the import (recomputed).
ASSESSMENT_KEYS = ("questionnaire", "questionnaire_version", "status", "answers", "result", "completed_at")
IMPORT_STATUSES = (AssessmentStatus.IN_PROGRESS.value, AssessmentStatus.COMPLETED.value)

# Stakeholders. A requirement's and an objective's fields are the API's too, so they are checked,
# and listed, in stakeholders.checks (REQUIREMENT_KEYS, OBJECTIVE_KEYS).
STAKEHOLDER_KEYS = ("name", "email", "role", "member", "requirements", "objectives")

# Conflicts
# Conflicts are detected again on import, never read from the file; of a conflict only a recorded
# decision (status, decision, rationale) is read back, found again by its fingerprint. The other
# fields are written for whoever reads the file.
CONFLICT_KEYS = (
    "kind",
    "severity",
    "title",
    "explanation",
    "resolutions",
    "status",
    "decision",
    "rationale",
    "stakeholders",
    "involves",
    "fingerprint",
)
# Conflict.decision and Conflict.rationale, so a decision is refused with its path, not at INSERT.
DECISION_MAX, RATIONALE_MAX = 300, 5000


class ImportRejected(Exception):
    """The document has errors; nothing was written. Each error starts with the path it is about."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} error(s); nothing was imported")
        self.errors = errors


# --------------------------------------------------------------------------------------------
# Reading a file


class _DuplicateKey(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; a file that says two things is refused instead.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(f"duplicate key {key!r}")
        result[key] = value
    return result


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def parse_document(raw: bytes | str) -> Any:
    """Parse an import file, refusing one over MAX_IMPORT_BYTES before parsing it.

    Returns whatever JSON the file holds; transfer.check checks its shape.
    """
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > MAX_IMPORT_BYTES:
        raise ImportRejected([f"file: over the limit of {MAX_IMPORT_BYTES // 2**20} MB; split it into smaller files"])
    try:
        return json.loads(raw, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
    except _DuplicateKey as exc:
        raise ImportRejected([f"file: {exc}"]) from None
    except ValueError as exc:  # JSONDecodeError and undecodable bytes are both ValueErrors
        raise ImportRejected([f"file: not valid JSON: {exc}"]) from None
    except RecursionError:
        raise ImportRejected(["file: nested too deeply to be an import file"]) from None


def load_document(*, path: Path) -> Any:
    """Read and parse an import file; reads at most one byte past the limit, whatever its size."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        raise ImportRejected([f"file: cannot read {path}: {exc.strerror or exc}"]) from None
    return parse_document(raw)


# --------------------------------------------------------------------------------------------
# The envelope: the format, its version and the list of proposals


def unknown_keys(node: dict[str, Any], allowed: tuple[str, ...], where: str, errors: list[str]) -> None:
    """An error for each field of `node` the format does not have, at path `where`."""
    prefix = f"{where}." if where else ""
    for key in node:
        if key not in allowed:
            errors.append(f"{prefix}{key}: unknown field (fields are: {', '.join(allowed)})")


def check_envelope(document: object) -> list[Any]:
    """The document's envelope; a wrong one stops the check before thousands of follow-on errors."""
    if not isinstance(document, dict):
        raise ImportRejected([f"document: expected an object with 'format' and 'proposals', got {json_kind(document)}"])
    errors: list[str] = []
    unknown_keys(document, DOCUMENT_KEYS, "", errors)
    if document.get("format") != FORMAT:
        errors.append(f"format: expected {FORMAT!r}, got {document.get('format')!r}")
    number = document.get("format_version")
    # `type(...) is int`: JSON true and 1.0 compare equal to 1 in Python, and neither is a version.
    if type(number) is not int or number != FORMAT_VERSION:
        errors.append(f"format_version: this server reads version {FORMAT_VERSION}, got {number!r}")
    proposals = document.get("proposals")
    if not isinstance(proposals, list):
        errors.append(f"proposals: expected a list of proposals, got {json_kind(proposals)}")
    elif len(proposals) > MAX_IMPORT_PROPOSALS:
        errors.append(
            f"proposals: {len(proposals):,} proposals is over the limit of {MAX_IMPORT_PROPOSALS:,} per file;"
            " split the file"
        )
    if errors:
        raise ImportRejected(errors)
    return proposals


# --------------------------------------------------------------------------------------------
# A conflict's fingerprint, in terms that hold in any database


def portable_refs(
    *, requirements: list[Requirement], objectives: list[Objective], emails: dict[int, str]
) -> dict[str, str]:
    """What each of a proposal's requirement and objective ids stands for, in words that hold in
    any database: a stakeholder's email with a dimension or an objective's name.

    The ids are those the detector is given (stakeholders.services._detector_inputs): a
    requirement's pk, and "o" and the pk for an objective; a conflict keeps them in
    `requirement_ids`.
    """
    refs = {str(r.pk): json.dumps(["requirement", emails.get(r.stakeholder_id, ""), r.dimension]) for r in requirements}
    refs.update((f"o{o.pk}", json.dumps(["objective", emails.get(o.stakeholder_id, ""), o.name])) for o in objectives)
    return refs


def portable_fingerprint(conflict: Conflict, refs: dict[str, str]) -> str:
    """The conflict's fingerprint in terms another database shares, so an import can recognise it.

    The stored fingerprint hashes the kind and row ids, which an import renumbers; this one hashes
    the kind and what is in conflict by stakeholder email and dimension (or objective name). That
    is unique for every kind but one, as the stored fingerprint is: two suitability checks can
    flag one requirement, and the stored fingerprint tells them apart by the answers involved,
    which are not kept. Their titles (the rules file's, one per check) stand in for them; other
    titles are left out, so a change of wording does not lose a decision.
    """
    parts = [refs.get(str(item), f"removed:{item}") for item in conflict.requirement_ids]
    if conflict.kind == ConflictKind.SUITABILITY:
        parts.append(f"title:{conflict.title}")
    return fingerprint(conflict.kind, parts)
