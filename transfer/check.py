"""Checking a `mlfit.proposals` document before anything is written (docs/import-format.md).

check_document walks the whole document, part by part as the format describes it (a proposal,
its assessment and answers, its stakeholders with their requirements and objectives, the decisions
recorded on its conflicts), and collects every error with the path of the offending value
(`proposals[3].assessment.answers.data_age: ...`). A document with even one error is refused
whole (ImportRejected lists them all); one without is returned as a plan for transfer.write.

People and teams are named, not numbered, and are looked up in the organisation; answers are
checked as the wizard checks them (questionnaires.services.answers_check), the intake fields by
the intake form, and a stakeholder with their requirements as the API checks them
(stakeholders.checks).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from accounts.inputs import json_kind, text_problems
from accounts.models import Organisation, Team, User
from projects.forms import ProposalForm
from projects.models import Proposal
from questionnaires.engine import missing_required
from questionnaires.models import AssessmentStatus, QuestionnaireVersion
from questionnaires.services import answers_check
from questionnaires.versions import SUITABILITY_KEY, engine_questionnaire, latest_version
from stakeholders.checks import FieldError, requirements_check, stakeholder_check
from stakeholders.models import ConflictStatus, StakeRole
from stakeholders.services import stake_roles
from transfer.document import (
    ASSESSMENT_KEYS,
    CONFLICT_KEYS,
    DECISION_MAX,
    IMPORT_STATUSES,
    PROPOSAL_KEYS,
    RATIONALE_MAX,
    STAKEHOLDER_KEYS,
    TEXT_FIELDS,
    ImportRejected,
    check_envelope,
    unknown_keys,
)

# What a checked document is written from (transfer.write): the values converted, the people,
# teams, stake roles and questionnaire versions looked up.


@dataclass(frozen=True)
class AssessmentPlan:
    version: QuestionnaireVersion
    is_latest: bool  # at check time; assessment_start is used then (see transfer.write)
    answers: dict[str, Any]
    complete: bool


@dataclass(frozen=True)
class StakeholderPlan:
    name: str
    email: str
    role: StakeRole
    user: User | None
    requirements: list[dict[str, Any]]  # canonical, as requirements_replace takes them
    objectives: list[dict[str, Any]]


@dataclass(frozen=True)
class DecisionPlan:
    fingerprint: str  # portable_fingerprint of the conflict it was recorded on
    decision: str
    rationale: str


@dataclass(frozen=True)
class ProposalPlan:
    data: dict[str, Any]  # the intake form's cleaned data, as proposal_create takes it
    assessment: AssessmentPlan | None
    stakeholders: list[StakeholderPlan]
    decisions: list[DecisionPlan]


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


def check_document(*, organisation: Organisation, data: object) -> list[ProposalPlan]:
    """Check a whole document without writing; raise ImportRejected listing every error."""
    proposals = check_envelope(data)
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


def _check_proposal(raw: object, where: str, lookups: _Lookups, errors: list[str]) -> ProposalPlan | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected an object, got {json_kind(raw)}")
        return None
    found: list[str] = []
    unknown_keys(raw, PROPOSAL_KEYS, where, found)
    form_data: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            found.append(f"{where}.{name}: expected text, got {json_kind(value)}")
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
        found.append(f"{where}.team: expected a team's name as text or null, got {json_kind(team)}")
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
        found.append(f"{where}.owner: expected a member's email as text or null, got {json_kind(owner)}")
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
    return ProposalPlan(data=form.cleaned_data, assessment=assessment, stakeholders=stakeholders, decisions=decisions)


def _check_assessment(raw: object, where: str, lookups: _Lookups, errors: list[str]) -> AssessmentPlan | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected an object or null, got {json_kind(raw)}")
        return None
    before = len(errors)
    unknown_keys(raw, ASSESSMENT_KEYS, where, errors)
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
    if status not in IMPORT_STATUSES:
        errors.append(f"{where}.status: expected one of {', '.join(IMPORT_STATUSES)}, got {status!r}")
    answers = raw.get("answers", {})
    if not isinstance(answers, dict):
        errors.append(f"{where}.answers: expected an object of answers by question key, got {json_kind(answers)}")
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
    return AssessmentPlan(
        version=version,
        is_latest=version == lookups.version(key, None),
        answers=cleaned,
        complete=status == AssessmentStatus.COMPLETED,
    )


def _check_stakeholders(raw: object, where: str, lookups: _Lookups, errors: list[str]) -> list[StakeholderPlan]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(f"{where}: expected a list of stakeholders or null, got {json_kind(raw)}")
        return []
    planned: list[StakeholderPlan] = []
    taken: dict[str, str] = {}  # email -> the path of the first stakeholder with it
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{here}: expected an object, got {json_kind(item)}")
            continue
        found: list[FieldError] = [
            (key, f"unknown field (fields are: {', '.join(STAKEHOLDER_KEYS)})")
            for key in item
            if key not in STAKEHOLDER_KEYS
        ]
        member = item.get("member", False)
        if not isinstance(member, bool):
            found.append(("member", f"expected true or false, got {json_kind(member)}"))
            member = False
        texts = {}
        for key in ("name", "email", "role"):
            value = item.get(key)
            if value is not None and not isinstance(value, str):
                found.append((key, f"expected text, got {json_kind(value)}"))
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
            planned.append(StakeholderPlan(**stakeholder, requirements=requirements, objectives=objectives))
    return planned


def _check_conflicts(raw: object, where: str, errors: list[str]) -> list[DecisionPlan]:
    """The decisions recorded on exported conflicts; the conflicts themselves are detected again."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(f"{where}: expected a list of conflicts or null, got {json_kind(raw)}")
        return []
    decisions = []
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{here}: expected an object, got {json_kind(item)}")
            continue
        before = len(errors)
        unknown_keys(item, CONFLICT_KEYS, here, errors)
        status = item.get("status", ConflictStatus.OPEN.value)
        if status not in ConflictStatus.values:
            errors.append(f"{here}.status: expected one of {', '.join(ConflictStatus.values)}, got {status!r}")
        if status != ConflictStatus.RESOLVED:
            continue
        texts = {}
        for key, limit in (("fingerprint", 64), ("decision", DECISION_MAX), ("rationale", RATIONALE_MAX)):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                errors.append(f"{here}.{key}: a resolved conflict needs its {key} as text")
            elif len(value) > limit:
                errors.append(f"{here}.{key}: at most {limit:,} characters")
            else:
                texts[key] = value.strip()
        if len(errors) == before:
            decisions.append(DecisionPlan(**texts))
    return decisions
