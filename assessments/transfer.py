"""Proposals and their answers in and out as JSON: the `mlfit.proposals` format (docs/import-format.md).

Import checks the whole document before it writes anything and collects every error with the
path of the offending value (`proposals[3].assessment.answers.data_age: ...`); only a document
without errors is written, in one transaction, so a file goes in whole or not at all. Imported
results are never trusted: an assessment marked completed is completed again here, which
recomputes its verdict from the answers.

The API's answer saving (`answers_put`) lives here too because it follows the same rule: every
answer is checked first, and one bad answer means none is saved.
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import Organisation, Team, User
from assessments.engine import missing_required
from assessments.models import Answer, Assessment, AssessmentStatus, QuestionnaireVersion
from assessments.questionnaires_db import SUITABILITY_KEY, engine_questionnaire, latest_version
from assessments.services import (
    AssessmentError,
    answers_check,
    assessment_complete,
    assessment_start,
)
from projects.forms import ProposalForm
from projects.models import EDITABLE_FIELDS, Proposal
from projects.services import proposal_create

FORMAT = "mlfit.proposals"
FORMAT_VERSION = 1
# The caps keep a wrong file from taking the machine's memory or holding one transaction open for
# long (5,000 proposals took about 5 minutes on PostgreSQL on a busy 2-core machine). They fit
# together: an exported completed proposal, findings included, is about 11 KB, so any export of up
# to 5,000 proposals (about 55 MB) can be imported again. Parsing a file at the byte cap takes some
# 250 MB of memory.
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_IMPORT_PROPOSALS = 5_000

_DOCUMENT_KEYS = ("format", "format_version", "organisation", "exported_at", "proposals")
# `status` is written by the export and read by nobody: imported proposals start as drafts,
# because a lifecycle state is earned through review, not declared in a file.
_PROPOSAL_KEYS = (*EDITABLE_FIELDS, "status", "assessment")
# `result` and `completed_at` are written by the export and ignored by the import (recomputed).
_ASSESSMENT_KEYS = ("questionnaire", "questionnaire_version", "status", "answers", "result", "completed_at")
_IMPORT_STATUSES = (AssessmentStatus.IN_PROGRESS.value, AssessmentStatus.COMPLETED.value)
# Intake fields that are plain text in the file; the rest (numbers, dates, people, teams) are
# converted below before the intake form sees them.
_TEXT_FIELDS = tuple(
    name for name in EDITABLE_FIELDS if Proposal._meta.get_field(name).get_internal_type() in ("CharField", "TextField")
)


class ImportRejected(Exception):
    """The document has errors; nothing was written. Each error starts with the path it is about."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} error(s); nothing was imported")
        self.errors = errors


# --------------------------------------------------------------------------------------------
# Export


def export_organisation(*, organisation: Organisation) -> dict[str, Any]:
    """Every proposal of the organisation with its latest assessment, in the import format.

    Three queries whatever the number of proposals (a test holds this): the proposals with their
    team and owner, their assessments, and those assessments' answers.
    """
    # The same choice as assessments.services.assessment_latest (newest that is not superseded),
    # made once for all proposals; a proposal with several completed rounds fetches them all and
    # keeps the first, which is cheaper than one query per proposal.
    newest_first = (
        Assessment.objects.filter(stakeholder__isnull=True)
        .exclude(status=AssessmentStatus.SUPERSEDED)
        .select_related("questionnaire")
        .defer("questionnaire__definition")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by("question_key")))
        .order_by("-created_at", "-pk")
    )
    proposals = (
        Proposal.objects.filter(organisation=organisation)
        .select_related("team", "owner")
        .prefetch_related(Prefetch("assessments", queryset=newest_first, to_attr="newest_first"))
        .order_by("created_at", "pk")
    )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "organisation": organisation.slug,
        "exported_at": timezone.now().isoformat(),
        "proposals": [_proposal_out(proposal) for proposal in proposals],
    }


def _proposal_out(proposal: Proposal) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(proposal, name) for name in EDITABLE_FIELDS}
    out["deadline"] = proposal.deadline.isoformat() if proposal.deadline else None
    out["team"] = proposal.team.name if proposal.team else None
    out["owner"] = proposal.owner.email
    out["status"] = proposal.status
    latest = proposal.newest_first[0] if proposal.newest_first else None
    out["assessment"] = _assessment_out(latest) if latest is not None else None
    return out


def _assessment_out(assessment: Assessment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "questionnaire": assessment.questionnaire.key,
        "questionnaire_version": assessment.questionnaire.version,
        "status": assessment.status,
        "answers": {answer.question_key: answer.value for answer in assessment.answers.all()},
    }
    if assessment.is_completed and assessment.result is not None:
        out["completed_at"] = assessment.completed_at.isoformat() if assessment.completed_at else None
        out["result"] = _result_out(assessment.result)
    return out


def _result_out(result: dict[str, Any]) -> dict[str, Any]:
    """The frozen result, without the what-if list (advice for the wizard, not a finding)."""
    return {
        "verdict": result["verdict"],
        "verdict_label": result["verdict_label"],
        "score": result["score"],
        "max_score": result["max_score"],
        "fraction": result["fraction"],
        "findings": [
            {
                "criterion": finding["criterion"],
                "label": finding["label"],
                "status": finding["status"],
                "weight": finding["weight"],
                "earned": finding["earned"],
                "fraction": finding["fraction"],
                "reason": finding["reason"],
                "drivers": [
                    {
                        "question_key": driver["question_key"],
                        "answer_display": driver["answer_display"],
                        "points": driver["points"],
                    }
                    for driver in finding["drivers"]
                ],
            }
            for finding in result["findings"]
        ],
        "blockers": [
            {key: blocker[key] for key in ("key", "label", "reason", "next_step")} for blocker in result["blockers"]
        ],
        "next_steps": result.get("next_steps", []),
        "caveats": result.get("caveats", []),
    }


# --------------------------------------------------------------------------------------------
# Import


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

    Returns whatever JSON the file holds; `import_proposals` checks its shape.
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


@dataclass(frozen=True)
class _PlannedAssessment:
    version: QuestionnaireVersion
    is_latest: bool  # at check time; assessment_start is used then (see _start_on)
    answers: dict[str, Any]
    complete: bool


@dataclass(frozen=True)
class _PlannedProposal:
    data: dict[str, Any]  # the intake form's cleaned data, as proposal_create takes it
    assessment: _PlannedAssessment | None


class _Lookups:
    """What every proposal of a document is checked against, each fetched once."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.members = {
            user.email.lower(): user for user in User.objects.filter(memberships__organisation=organisation)
        }
        self.teams = {team.name: team for team in Team.objects.filter(organisation=organisation)}
        self._versions: dict[tuple[str, int | None], QuestionnaireVersion | None] = {}

    def version(self, key: str, number: int | None) -> QuestionnaireVersion | None:
        if (key, number) not in self._versions:
            if number is None:
                found = latest_version(key)
            else:
                found = QuestionnaireVersion.objects.filter(key=key, version=number).first()
            self._versions[(key, number)] = found
        return self._versions[(key, number)]


def _kind(value: object) -> str:
    """A JSON value's type in the words of the format's documentation."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _unknown_keys(node: dict[str, Any], allowed: tuple[str, ...], where: str, errors: list[str]) -> None:
    prefix = f"{where}." if where else ""
    for key in node:
        if key not in allowed:
            errors.append(f"{prefix}{key}: unknown field (fields are: {', '.join(allowed)})")


def _check_header(document: object) -> list[Any]:
    """The document's envelope; a wrong one stops the check before thousands of follow-on errors."""
    if not isinstance(document, dict):
        raise ImportRejected([f"document: expected an object with 'format' and 'proposals', got {_kind(document)}"])
    errors: list[str] = []
    _unknown_keys(document, _DOCUMENT_KEYS, "", errors)
    if document.get("format") != FORMAT:
        errors.append(f"format: expected {FORMAT!r}, got {document.get('format')!r}")
    number = document.get("format_version")
    # `type(...) is int`: JSON true and 1.0 compare equal to 1 in Python, and neither is a version.
    if type(number) is not int or number != FORMAT_VERSION:
        errors.append(f"format_version: this server reads version {FORMAT_VERSION}, got {number!r}")
    proposals = document.get("proposals")
    if not isinstance(proposals, list):
        errors.append(f"proposals: expected a list of proposals, got {_kind(proposals)}")
    elif len(proposals) > MAX_IMPORT_PROPOSALS:
        errors.append(
            f"proposals: {len(proposals):,} proposals is over the limit of {MAX_IMPORT_PROPOSALS:,} per file;"
            " split the file"
        )
    if errors:
        raise ImportRejected(errors)
    return proposals


def _check_proposal(raw: object, where: str, lookups: _Lookups, errors: list[str]) -> _PlannedProposal | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected an object, got {_kind(raw)}")
        return None
    found: list[str] = []
    _unknown_keys(raw, _PROPOSAL_KEYS, where, found)
    form_data: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            found.append(f"{where}.{name}: expected text, got {_kind(value)}")
        elif value is not None:
            form_data[name] = value
    volume = raw.get("expected_volume")
    if volume is not None and type(volume) is not int:
        found.append(f"{where}.expected_volume: expected a whole number or null, got {volume!r}")
    else:
        form_data["expected_volume"] = volume
    form_data.setdefault("volume_period", Proposal._meta.get_field("volume_period").default)
    deadline = raw.get("deadline")
    if deadline is not None:
        try:
            form_data["deadline"] = date.fromisoformat(deadline).isoformat()
        except (TypeError, ValueError):
            found.append(f"{where}.deadline: expected a date as YYYY-MM-DD or null, got {deadline!r}")
    team = raw.get("team")
    if team is not None and not isinstance(team, str):
        found.append(f"{where}.team: expected a team's name as text or null, got {_kind(team)}")
    elif team is not None:
        if team not in lookups.teams:
            known = ", ".join(sorted(lookups.teams)) or "none yet"
            found.append(
                f"{where}.team: no team named {team!r} in {lookups.organisation.slug} (its teams: {known});"
                " an admin adds teams in the admin site"
            )
        else:
            form_data["team"] = lookups.teams[team].pk
    owner = raw.get("owner")
    if owner is not None and not isinstance(owner, str):
        found.append(f"{where}.owner: expected a member's email as text or null, got {_kind(owner)}")
    elif owner is not None:
        user = lookups.members.get(owner.strip().lower())
        if user is None:
            found.append(f"{where}.owner: {owner!r} is not the email of a member of {lookups.organisation.slug}")
        else:
            form_data["owner"] = user.pk
    # The intake form refuses here exactly what it refuses on the page (lengths, choices, required).
    form = ProposalForm(data=form_data, organisation=lookups.organisation)
    if not form.is_valid():
        already = {error.split(":", 1)[0] for error in found}
        for field, messages in form.errors.items():
            path = f"{where}.{field}" if field != "__all__" else where
            if path not in already:
                found.append(f"{path}: {' '.join(messages)}")
    assessment = None
    if raw.get("assessment") is not None:
        assessment = _check_assessment(raw["assessment"], f"{where}.assessment", lookups, found)
    errors.extend(found)
    if found:
        return None
    return _PlannedProposal(data=form.cleaned_data, assessment=assessment)


def _check_assessment(raw: object, where: str, lookups: _Lookups, errors: list[str]) -> _PlannedAssessment | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected an object or null, got {_kind(raw)}")
        return None
    before = len(errors)
    _unknown_keys(raw, _ASSESSMENT_KEYS, where, errors)
    key = raw.get("questionnaire", SUITABILITY_KEY)
    # assessment_start knows one questionnaire: the suitability one.
    if key != SUITABILITY_KEY:
        errors.append(f"{where}.questionnaire: only {SUITABILITY_KEY!r} assessments can be imported, got {key!r}")
        return None
    number = raw.get("questionnaire_version")
    if number is not None and (type(number) is not int or number < 1):
        errors.append(f"{where}.questionnaire_version: expected a whole number from 1 or null, got {number!r}")
        return None
    version = lookups.version(key, number)
    if version is None:
        latest = lookups.version(key, None)
        if latest is None:
            errors.append(f"{where}.questionnaire: {key} is not published yet; run `manage.py load_questionnaires`")
        else:
            errors.append(
                f"{where}.questionnaire_version: {key} version {number} is not published here (the latest is"
                f" version {latest.version}); leave questionnaire_version out to use the latest"
            )
        return None
    status = raw.get("status", AssessmentStatus.IN_PROGRESS.value)
    if status not in _IMPORT_STATUSES:
        errors.append(f"{where}.status: expected one of {', '.join(_IMPORT_STATUSES)}, got {status!r}")
    answers = raw.get("answers", {})
    if not isinstance(answers, dict):
        errors.append(f"{where}.answers: expected an object of answers by question key, got {_kind(answers)}")
        return None
    questionnaire = engine_questionnaire(version)
    cleaned, answer_errors = answers_check(questionnaire=questionnaire, raw=answers)
    errors.extend(f"{where}.answers.{error.key}: {error.message}" for error in answer_errors)
    if status == AssessmentStatus.COMPLETED and not answer_errors:
        missing = [question.key for question in missing_required(questionnaire, cleaned)]
        if missing:
            errors.append(
                f"{where}.status: a completed assessment needs every required question answered;"
                f" missing: {', '.join(missing)}"
            )
    if len(errors) > before:
        return None
    return _PlannedAssessment(
        version=version,
        is_latest=version == lookups.version(key, None),
        answers=cleaned,
        complete=status == AssessmentStatus.COMPLETED,
    )


def check_document(*, organisation: Organisation, data: object) -> list[_PlannedProposal]:
    """Check a whole document without writing; raise ImportRejected listing every error."""
    proposals = _check_header(data)
    lookups = _Lookups(organisation)
    errors: list[str] = []
    plans = [_check_proposal(raw, f"proposals[{i}]", lookups, errors) for i, raw in enumerate(proposals)]
    if errors:
        raise ImportRejected(errors)
    return [plan for plan in plans if plan is not None]


def import_proposals(*, organisation: Organisation, data: object, by: User) -> list[Proposal]:
    """Create every proposal of the document with its assessment, or none (see the module docstring)."""
    plans = check_document(organisation=organisation, data=data)
    with transaction.atomic():
        return [
            _import_one(organisation=organisation, plan=plan, by=by, where=f"proposals[{i}]")
            for i, plan in enumerate(plans)
        ]


def _import_one(*, organisation: Organisation, plan: _PlannedProposal, by: User, where: str) -> Proposal:
    """Write one checked proposal; an ImportRejected raised here rolls the whole file back."""
    proposal = proposal_create(organisation=organisation, data=plan.data, by=by)
    if plan.assessment is None:
        return proposal
    assessment = _start_on(proposal=proposal, planned=plan.assessment, by=by)
    if assessment.questionnaire_id != plan.assessment.version.pk:
        raise ImportRejected(
            [f"{where}.assessment: a questionnaire version was published during the import; import the file again"]
        )
    # One INSERT for all the answers rather than answers_save's update_or_create per answer: with
    # that, a 5,000-proposal file held one PostgreSQL transaction open for some 20 minutes (about 5
    # this way). Safe because the assessment was just started, so there is nothing to update or
    # clear, and answers_check validated every answer against this very version.
    Answer.objects.bulk_create(
        Answer(assessment=assessment, question_key=key, value=value, answered_by=by)
        for key, value in plan.assessment.answers.items()
    )
    if plan.assessment.complete:
        try:
            assessment_complete(assessment=assessment, by=by)
        except AssessmentError as exc:
            raise ImportRejected([f"{where}.assessment: {exc}"]) from exc
    return proposal


def _start_on(*, proposal: Proposal, planned: _PlannedAssessment, by: User) -> Assessment:
    """Start the proposal's assessment on the version the file's answers were checked against.

    assessment_start always takes the latest version. A file naming an older one keeps it, so the
    recomputed verdict is the one those answers earned; the wizard then offers the upgrade.
    """
    if planned.is_latest:
        return assessment_start(proposal=proposal, by=by)
    return Assessment.objects.create(
        organisation=proposal.organisation,
        proposal=proposal,
        questionnaire=planned.version,
        started_by=by,
        current_section=engine_questionnaire(planned.version).sections[0].key,
    )
