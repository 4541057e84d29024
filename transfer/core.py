"""Proposals, their answers and their stakeholders in and out as JSON: the `mlfit.proposals` format
(docs/import-format.md).

Import checks the whole document before it writes anything and collects every error with the
path of the offending value (`proposals[3].assessment.answers.data_age: ...`); only a document
without errors is written, in one transaction, so a file goes in whole or not at all. Imported
results are never trusted: an assessment marked completed is completed again here, which
recomputes its verdict from the answers, and conflicts are detected again from the imported
requirements; only the decisions recorded on conflicts found again are carried over.

The checks of a stakeholder and of their requirements (`stakeholder_check`,
`requirements_check`) are shared with the API, so both refuse the same input in the same words.
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from accounts.inputs import text_problem, text_problems
from accounts.models import Organisation, Team, User
from projects.forms import ProposalForm
from projects.models import EDITABLE_FIELDS, Proposal
from projects.services import proposal_create, proposal_grant_access
from questionnaires.engine import missing_required
from questionnaires.models import Answer, Assessment, AssessmentStatus, QuestionnaireVersion
from questionnaires.services import AssessmentError, answers_check
from questionnaires.versions import SUITABILITY_KEY, engine_questionnaire, latest_version
from stakeholders.conflicts import fingerprint
from stakeholders.models import (
    Conflict,
    ConflictKind,
    ConflictStatus,
    Objective,
    Requirement,
    Severity,
    Stakeholder,
    StakeRole,
)
from stakeholders.requirements import RequirementError, normalise
from stakeholders.services import conflict_resolve, conflicts_refresh, stake_roles
from suitability.services import assessment_complete, assessment_start

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
_PROPOSAL_KEYS = (*EDITABLE_FIELDS, "status", "assessment", "stakeholders", "conflicts")
# `result` and `completed_at` are written by the export and ignored by the import (recomputed).
_ASSESSMENT_KEYS = ("questionnaire", "questionnaire_version", "status", "answers", "result", "completed_at")
_IMPORT_STATUSES = (AssessmentStatus.IN_PROGRESS.value, AssessmentStatus.COMPLETED.value)
# Intake fields that are plain text in the file; the rest (numbers, dates, people, teams) are
# converted below before the intake form sees them.
_TEXT_FIELDS = tuple(
    name for name in EDITABLE_FIELDS if Proposal._meta.get_field(name).get_internal_type() in ("CharField", "TextField")
)


_STAKEHOLDER_KEYS = ("name", "email", "role", "member", "requirements", "objectives")
_REQUIREMENT_KEYS = ("dimension", "op", "value", "unit", "metric", "must_have", "weight")
_OBJECTIVE_KEYS = ("name", "direction", "weight")
# Conflicts are detected again on import, never read from the file; of a conflict only a recorded
# decision (status, decision, rationale) is read back, found again by its fingerprint. The other
# fields are written for whoever reads the file.
_CONFLICT_KEYS = (
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
_DIRECTIONS = ("maximise", "minimise")
_WEIGHTS = (1, 5)
_DEFAULT_WEIGHT = 3
# The model fields' lengths, repeated here so a file is refused with its path rather than failing
# at INSERT (Stakeholder.name, EmailField, Requirement.metric, Objective.name, Conflict.decision).
_NAME_MAX, _EMAIL_MAX, _METRIC_MAX, _OBJECTIVE_MAX = 150, 254, 40, 40
_DECISION_MAX, _RATIONALE_MAX = 300, 5000

# A field's path (`requirements[0].value`, `email`) and what is wrong with it.
FieldError = tuple[str, str]


class ImportRejected(Exception):
    """The document has errors; nothing was written. Each error starts with the path it is about."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} error(s); nothing was imported")
        self.errors = errors


# --------------------------------------------------------------------------------------------
# Export


def export_organisation(*, organisation: Organisation) -> dict[str, Any]:
    """Every proposal of the organisation with its latest assessment, its stakeholders and their
    conflicts, in the import format.

    Seven queries whatever the number of proposals (a test holds this): the proposals with their
    team and owner, their assessments, those assessments' answers, the stakeholders with their
    role, their requirements, their objectives, and the conflicts.
    """
    # The same choice as suitability.services.assessment_latest (newest that is not superseded),
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
    # Creation order, which an import keeps: a round trip gives the same lists in the same order.
    stakeholders = (
        Stakeholder.objects.select_related("role")
        .prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.order_by("dimension")),
            Prefetch("objectives", queryset=Objective.objects.order_by("pk")),
        )
        .order_by("pk")
    )
    proposals = (
        Proposal.objects.filter(organisation=organisation)
        .select_related("team", "owner")
        .prefetch_related(
            Prefetch("assessments", queryset=newest_first, to_attr="newest_first"),
            Prefetch("stakeholders", queryset=stakeholders, to_attr="stakeholders_out"),
            Prefetch("conflicts", queryset=Conflict.objects.order_by(), to_attr="conflicts_out"),
        )
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
    stakeholders = proposal.stakeholders_out
    out["stakeholders"] = [_stakeholder_out(stakeholder) for stakeholder in stakeholders]
    emails = {stakeholder.pk: stakeholder.email for stakeholder in stakeholders}
    refs = portable_refs(
        requirements=[requirement for s in stakeholders for requirement in s.requirements.all()],
        objectives=[objective for s in stakeholders for objective in s.objectives.all()],
        emails=emails,
    )
    conflicts = [_conflict_out(conflict, refs, emails) for conflict in proposal.conflicts_out]
    # In an order every database shares: the rows' order follows ids, which an import renumbers.
    out["conflicts"] = sorted(
        conflicts,
        key=lambda c: (Severity.values.index(c["severity"]), ConflictKind.values.index(c["kind"]), c["fingerprint"]),
    )
    return out


def _stakeholder_out(stakeholder: Stakeholder) -> dict[str, Any]:
    return {
        "name": stakeholder.name,
        "email": stakeholder.email,
        "role": stakeholder.role.key,
        "member": stakeholder.user_id is not None,
        "requirements": [
            {
                "dimension": requirement.dimension,
                "op": requirement.op,
                "value": requirement.value,
                "unit": requirement.unit,
                "metric": requirement.metric,
                "must_have": requirement.must_have,
                "weight": requirement.weight,
            }
            for requirement in stakeholder.requirements.all()
        ],
        "objectives": [
            {"name": objective.name, "direction": objective.direction, "weight": objective.weight}
            for objective in stakeholder.objectives.all()
        ],
    }


def _conflict_out(conflict: Conflict, refs: dict[str, str], emails: dict[int, str]) -> dict[str, Any]:
    return {
        "kind": conflict.kind,
        "severity": conflict.severity,
        "title": conflict.title,
        "explanation": conflict.explanation,
        "resolutions": list(conflict.resolutions),
        "status": conflict.status,
        "decision": conflict.decision,
        "rationale": conflict.rationale,
        # A conflict may still name a stakeholder removed since; an email is all a file can carry.
        "stakeholders": sorted(emails[pk] for pk in conflict.stakeholder_ids if pk in emails),
        "involves": _involves(conflict, refs),
        "fingerprint": portable_fingerprint(conflict, refs),
    }


def _involves(conflict: Conflict, refs: dict[str, str]) -> list[dict[str, str]]:
    """Each requirement and objective in conflict, by stakeholder and dimension (or objective name).

    A suitability conflict also involves answers, which its title and explanation name; an item
    removed since the detection has no stakeholder left to name and is left out.
    """
    involved = []
    for item in conflict.requirement_ids:
        ref = refs.get(str(item))
        if ref is None:
            continue
        kind, email, name = json.loads(ref)
        key = "dimension" if kind == "requirement" else "objective"
        involved.append({"kind": kind, "stakeholder": email, key: name})
    # In an order every database shares: the ids' order is the order rows were written in.
    return sorted(involved, key=lambda item: tuple(item.values()))


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
        # What holds the verdict back (docs/methodology.md §5.2): heavy criteria not met or not
        # known, and open production gates. A result from before gates existed has none.
        "held_back_by": result.get("held_back_by", []),
        "gates": [
            {key: gate[key] for key in ("key", "label", "caveat", "must_be_true", "owner")}
            for gate in result.get("gates", [])
        ],
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
class _PlannedStakeholder:
    name: str
    email: str
    role: StakeRole
    user: User | None
    requirements: list[dict[str, Any]]  # canonical, as requirements_replace takes them
    objectives: list[dict[str, Any]]


@dataclass(frozen=True)
class _PlannedDecision:
    fingerprint: str  # portable_fingerprint of the conflict it was recorded on
    decision: str
    rationale: str


@dataclass(frozen=True)
class _PlannedProposal:
    data: dict[str, Any]  # the intake form's cleaned data, as proposal_create takes it
    assessment: _PlannedAssessment | None
    stakeholders: list[_PlannedStakeholder]
    decisions: list[_PlannedDecision]


class _Lookups:
    """What every proposal of a document is checked against, each fetched once."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.members = {
            user.email.lower(): user for user in User.objects.filter(memberships__organisation=organisation)
        }
        self.teams = {team.name: team for team in Team.objects.filter(organisation=organisation)}
        self._versions: dict[tuple[str, int | None], QuestionnaireVersion | None] = {}
        self._roles: dict[str, StakeRole] | None = None

    @property
    def roles(self) -> dict[str, StakeRole]:
        """The stake roles by key, fetched when a proposal first names a stakeholder."""
        if self._roles is None:
            self._roles = {role.key: role for role in stake_roles(organisation=self.organisation)}
        return self._roles

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
    stakeholders = _check_stakeholders(raw.get("stakeholders"), f"{where}.stakeholders", lookups, found)
    decisions = _check_conflicts(raw.get("conflicts"), f"{where}.conflicts", found)
    errors.extend(found)
    if found:
        return None
    return _PlannedProposal(
        data=form.cleaned_data, assessment=assessment, stakeholders=stakeholders, decisions=decisions
    )


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


def _check_stakeholders(raw: object, where: str, lookups: _Lookups, errors: list[str]) -> list[_PlannedStakeholder]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(f"{where}: expected a list of stakeholders or null, got {_kind(raw)}")
        return []
    planned: list[_PlannedStakeholder] = []
    taken: dict[str, str] = {}  # email -> the path of the first stakeholder with it
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{here}: expected an object, got {_kind(item)}")
            continue
        found: list[FieldError] = [
            (key, f"unknown field (fields are: {', '.join(_STAKEHOLDER_KEYS)})")
            for key in item
            if key not in _STAKEHOLDER_KEYS
        ]
        member = item.get("member", False)
        if not isinstance(member, bool):
            found.append(("member", f"expected true or false, got {_kind(member)}"))
            member = False
        texts = {}
        for key in ("name", "email", "role"):
            value = item.get(key)
            if value is not None and not isinstance(value, str):
                found.append((key, f"expected text, got {_kind(value)}"))
            texts[key] = value if isinstance(value, str) else ""
        stakeholder, problems = stakeholder_check(
            name=texts["name"],
            email=texts["email"],
            role=texts["role"],
            member=member,
            roles=lookups.roles,
            members=lookups.members,
            taken=taken,
        )
        mistyped = {field for field, _ in found}
        found += [(field, message) for field, message in problems if field not in mistyped]
        requirements, objectives, problems = requirements_check(
            requirements=item.get("requirements"), objectives=item.get("objectives")
        )
        found += problems
        errors.extend(f"{here}.{field}: {message}" for field, message in found)
        taken.setdefault(texts["email"].strip().lower(), here)
        if not found and stakeholder is not None:
            planned.append(_PlannedStakeholder(**stakeholder, requirements=requirements, objectives=objectives))
    return planned


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
        errors.append(("requirements", f"expected a list of requirements, got {_kind(requirements)}"))
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
        errors.append(("objectives", f"expected a list of objectives, got {_kind(objectives)}"))
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
        return [("", f"expected an object, got {_kind(item)}")]
    found: list[FieldError] = [
        (key, f"unknown field (fields are: {', '.join(_REQUIREMENT_KEYS)})")
        for key in item
        if key not in _REQUIREMENT_KEYS
    ]
    for key in ("dimension", "op"):
        if not isinstance(item.get(key), str):
            found.append((key, "required" if item.get(key) is None else f"expected text, got {_kind(item[key])}"))
    value = item.get("value")
    if value is None:
        found.append(("value", "required"))
    elif not isinstance(value, str | int | float) or isinstance(value, bool):
        found.append(("value", f"expected a number or text, got {_kind(value)}"))
    for key in ("unit", "metric"):
        text = item.get(key)
        if text is not None and not isinstance(text, str):
            found.append((key, f"expected text, got {_kind(text)}"))
    metric = item.get("metric")
    if isinstance(metric, str) and len(metric.strip()) > _METRIC_MAX:
        found.append(("metric", f"at most {_METRIC_MAX} characters"))
    if not isinstance(item.get("must_have", False), bool):
        found.append(("must_have", f"expected true or false, got {_kind(item['must_have'])}"))
    return found + _weight_problem(item)


def _objective_problems(item: object) -> list[FieldError]:
    if not isinstance(item, dict):
        return [("", f"expected an object, got {_kind(item)}")]
    found: list[FieldError] = [
        (key, f"unknown field (fields are: {', '.join(_OBJECTIVE_KEYS)})") for key in item if key not in _OBJECTIVE_KEYS
    ]
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        found.append(("name", f"expected text, got {_kind(name)}"))
    elif not name or not name.strip():
        found.append(("name", "required"))
    elif len(name.strip()) > _OBJECTIVE_MAX:
        found.append(("name", f"at most {_OBJECTIVE_MAX} characters"))
    if item.get("direction") not in _DIRECTIONS:
        found.append(("direction", f"expected one of {', '.join(_DIRECTIONS)}, got {item.get('direction')!r}"))
    return found + _weight_problem(item)


def _check_conflicts(raw: object, where: str, errors: list[str]) -> list[_PlannedDecision]:
    """The decisions recorded on exported conflicts; the conflicts themselves are detected again."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(f"{where}: expected a list of conflicts or null, got {_kind(raw)}")
        return []
    decisions = []
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{here}: expected an object, got {_kind(item)}")
            continue
        before = len(errors)
        _unknown_keys(item, _CONFLICT_KEYS, here, errors)
        status = item.get("status", ConflictStatus.OPEN.value)
        if status not in ConflictStatus.values:
            errors.append(f"{here}.status: expected one of {', '.join(ConflictStatus.values)}, got {status!r}")
        if status != ConflictStatus.RESOLVED:
            continue
        texts = {}
        for key, limit in (("fingerprint", 64), ("decision", _DECISION_MAX), ("rationale", _RATIONALE_MAX)):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                errors.append(f"{here}.{key}: a resolved conflict needs its {key} as text")
            elif len(value) > limit:
                errors.append(f"{here}.{key}: at most {limit:,} characters")
            else:
                texts[key] = value.strip()
        if len(errors) == before:
            decisions.append(_PlannedDecision(**texts))
    return decisions


def check_document(*, organisation: Organisation, data: object) -> list[_PlannedProposal]:
    """Check a whole document without writing; raise ImportRejected listing every error."""
    proposals = _check_header(data)
    lookups = _Lookups(organisation)
    # NUL, lone surrogates and control characters anywhere (accounts.inputs), refused by path, not
    # at the INSERT: PostgreSQL stores no NUL, and a surrogate cannot be encoded for it (a traceback).
    refused = dict(text_problems(proposals, "proposals"))
    found: list[str] = []
    plans = [_check_proposal(raw, f"proposals[{i}]", lookups, found) for i, raw in enumerate(proposals)]
    # The checks after the walk may refuse the same value again, in other words: said once.
    errors = [f"{path}: {reason}" for path, reason in refused.items()]
    errors += [error for error in dict.fromkeys(found) if error.split(": ", 1)[0] not in refused]
    if errors:
        # A message quotes what was sent; a lone surrogate in it could not be printed or rendered.
        raise ImportRejected([error.encode("utf-8", "backslashreplace").decode() for error in errors])
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
    # Stakeholders first: completing the assessment runs the conflict detector, which then sees
    # the requirements and the suitability answers together, once.
    _add_stakeholders(proposal=proposal, planned=plan.stakeholders, by=by)
    detected = False
    if plan.assessment is not None:
        detected = _add_assessment(proposal=proposal, planned=plan.assessment, by=by, where=where)
    if plan.stakeholders and not detected:
        conflicts_refresh(proposal=proposal, by=by)
    if plan.decisions:
        _restore_decisions(proposal=proposal, decisions=plan.decisions, by=by)
    return proposal


def _add_stakeholders(*, proposal: Proposal, planned: list[_PlannedStakeholder], by: User) -> None:
    """Write the stakeholders with their requirements and objectives; nobody is emailed.

    Not stakeholder_add and requirements_replace: the first emails an invitation, which an import
    must not send (the owner sends links from the stakeholder's page), and the second runs the
    detector once a stakeholder, leaving conflicts that only half the stakeholders had, marked
    gone, in a proposal that never had them. Three INSERTs a proposal instead, and one detection.
    """
    if not planned:
        return
    now = timezone.now()
    stakeholders = Stakeholder.objects.bulk_create(
        Stakeholder(
            organisation=proposal.organisation,
            proposal=proposal,
            user=item.user,
            name=item.name,
            email=item.email,
            role=item.role,
            # Their requirements are in the file: the matrix should not say it is waiting for them.
            responded_at=now if item.requirements or item.objectives else None,
        )
        for item in planned
    )
    Requirement.objects.bulk_create(
        Requirement(organisation=proposal.organisation, stakeholder=stakeholder, updated_by=by, **spec)
        for stakeholder, item in zip(stakeholders, planned, strict=True)
        for spec in item.requirements
    )
    Objective.objects.bulk_create(
        Objective(organisation=proposal.organisation, stakeholder=stakeholder, **spec)
        for stakeholder, item in zip(stakeholders, planned, strict=True)
        for spec in item.objectives
    )
    for item in planned:
        if item.user is not None:
            # As stakeholder_add does: a member who is a stakeholder sees the proposal even when private.
            proposal_grant_access(proposal=proposal, user=item.user)


def _restore_decisions(*, proposal: Proposal, decisions: list[_PlannedDecision], by: User) -> None:
    """Resolve again, with the file's decision and rationale, each conflict detected again.

    A decision on a conflict the detector no longer finds is dropped: there is nothing to attach
    it to. The history records the resolution as made by the importing member, at import.
    """
    stakeholders = list(proposal.stakeholders.all())
    refs = portable_refs(
        requirements=list(Requirement.objects.filter(stakeholder__proposal=proposal)),
        objectives=list(Objective.objects.filter(stakeholder__proposal=proposal)),
        emails={stakeholder.pk: stakeholder.email for stakeholder in stakeholders},
    )
    detected = {
        portable_fingerprint(conflict, refs): conflict
        for conflict in proposal.conflicts.exclude(status=ConflictStatus.GONE)
    }
    for decision in decisions:
        conflict = detected.get(decision.fingerprint)
        if conflict is not None:
            conflict_resolve(conflict=conflict, decision=decision.decision, rationale=decision.rationale, by=by)


def _add_assessment(*, proposal: Proposal, planned: _PlannedAssessment, by: User, where: str) -> bool:
    """Start the assessment with its answers and complete it if the file says so (True then)."""
    assessment = _start_on(proposal=proposal, planned=planned, by=by)
    if assessment.questionnaire_id != planned.version.pk:
        raise ImportRejected(
            [f"{where}.assessment: a questionnaire version was published during the import; import the file again"]
        )
    # One INSERT for all the answers rather than answers_save's update_or_create per answer: with
    # that, a 5,000-proposal file held one PostgreSQL transaction open for some 20 minutes (about 5
    # this way). Safe because the assessment was just started, so there is nothing to update or
    # clear, and answers_check validated every answer against this very version.
    Answer.objects.bulk_create(
        Answer(assessment=assessment, question_key=key, value=value, answered_by=by)
        for key, value in planned.answers.items()
    )
    if not planned.complete:
        return False
    try:
        assessment_complete(assessment=assessment, by=by)
    except AssessmentError as exc:
        raise ImportRejected([f"{where}.assessment: {exc}"]) from exc
    return True


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
