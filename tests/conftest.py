"""Shared fixtures: one organisation with an owner, a member, a reviewer and an admin, and an
outsider who belongs to another organisation (the healthchecks pattern, hc/test.py)."""

import copy
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiToken, Membership, Organisation, Role, User
from projects.models import Proposal, ProposalRevision
from tests.cleanup import RUN_PREFIX, RunCleanup
from tests.factories import MembershipFactory, OrganisationFactory, ProposalFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("MLFIT_REQUIRE_SERVICES") == "1"
# What the run leaves in Redis and PostgreSQL, removed at its end (tests/cleanup.py).
RUN_CLEANUP = RunCleanup()


def pytest_sessionstart(session):
    RUN_CLEANUP.start()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's, noting the test databases it made, for the check at the end of the run."""
    RUN_CLEANUP.remember_databases()
    return django_db_setup


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session, exitstatus):
    # After the other implementations: pytest-django's teardown of the test databases has run.
    result = yield
    keepdb = bool(session.config.getoption("reuse_db", False)) and not session.config.getoption("create_db", False)
    left = RUN_CLEANUP.finish(keepdb=keepdb)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [*left.problems]
    if left.redis_leaks:
        lines.append(
            f"{len(left.redis_leaks)} Redis key(s) written outside the run's namespace or not deletable "
            f"(give them the prefix {RUN_PREFIX}): {', '.join(left.redis_leaks[:20])}"
        )
    if left.databases_dropped:
        lines.append(
            "pytest-django could not drop the test database(s) "
            f"{', '.join(left.databases_dropped)} (still in use); dropped with FORCE"
        )
    if lines and reporter is not None:
        reporter.write_line("Test run leftovers: " + "; ".join(lines), red=True)
    if left.redis_leaks or left.problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    return result


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    owner: User
    member: User
    reviewer: User
    admin: User
    outsider: User
    proposal: Proposal

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


@contextmanager
def celery_eager() -> Iterator[None]:
    """Run `.delay()` in-process and let its exceptions through, for the length of the block.

    Celery reads its config once, so this flips task_always_eager on the Celery app itself
    (ARCHITECTURE.md, known traps).
    """
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    try:
        yield
    finally:
        app.conf.update(task_always_eager=saved[0], task_eager_propagates=saved[1])


@pytest.fixture(autouse=True)
def jobs_run_in_process():
    """`.delay()` runs the job in the test's own process, with or without REDIS_URL.

    Without this, a run with REDIS_URL set (CI) would send emails and reports to a queue no worker
    reads. The tests that need a real worker switch this off themselves (tests/worker.py).
    """
    with celery_eager():
        yield


@pytest.fixture(autouse=True)
def deferred_triggers_fire_at_once(request):
    """The portfolio clock's triggers fire at commit (projects migration 0008); a test in a
    transaction that never commits would never see them, so they fire at each statement here."""
    if "db" not in request.fixturenames or "transactional_db" in request.fixturenames:
        return
    request.getfixturevalue("db")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def world(db) -> World:
    org = OrganisationFactory(name="Acme", slug="acme")
    other = OrganisationFactory(name="Globex", slug="globex")
    people = {}
    for role_name, role in [
        ("owner", Role.MEMBER),
        ("member", Role.MEMBER),
        ("reviewer", Role.REVIEWER),
        ("admin", Role.ADMIN),
    ]:
        people[role_name] = MembershipFactory(organisation=org, role=role, user__email=f"{role_name}@acme.test").user
    outsider = MembershipFactory(organisation=other, role=Role.ADMIN, user__email="outsider@globex.test").user
    proposal = ProposalFactory(organisation=org, owner=people["owner"], title="Route support tickets")
    ProposalRevision.objects.create(proposal=proposal, version=1, data=proposal.snapshot(), created_by=people["owner"])
    return World(org=org, other_org=other, outsider=outsider, proposal=proposal, **people)


def membership(user: User, org: Organisation) -> Membership:
    return Membership.objects.get(user=user, organisation=org)


def session_queries() -> int:
    """What reading a signed-in request's session costs: one query, or none when the sessions are
    cached (cached_db, the setting when REDIS_URL is set, as in CI)."""
    from django.conf import settings

    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1


@pytest.fixture
def clock(time_machine):
    """The clock, stopped where it is (time-machine): only `clock.shift(seconds or timedelta)` makes
    time pass, so a test of a time window moves to its edges instead of sleeping or rewriting rows."""
    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


@pytest.fixture
def api(world) -> Callable[..., Client]:
    """`api(user)`: a client calling the JSON API with a token of the user's membership in the
    world's organisation (or in `org`)."""

    def client_for(user: User, org: Organisation | None = None) -> Client:
        _, raw = ApiToken.issue(membership=membership(user, org or world.org))
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return client_for


@pytest.fixture
def questionnaire_version(db):
    """The questionnaires loaded from their files, as a deployment does; the newest version."""
    from questionnaires.versions import latest_version, sync_from_files

    sync_from_files()
    return latest_version()


# Frozen inputs the engine reads (trade-off inputs without ids) -> its results.
_ENGINE_RESULTS: dict[str, dict[str, Any]] = {}


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def install_engine_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine and matplotlib take about a second a report, so the results of one set of frozen
    inputs are computed once per test session (they are a pure function of those inputs, as
    report_run's docstring says) and every other report with the same inputs reuses them.
    Everything around the computation (statuses, attempts, the queue) runs for real."""
    from reports import services as reports
    from reports.services import inputs_hash

    real = reports.compute_results

    def compute_results(inputs: dict[str, Any], progress) -> dict[str, Any]:
        # Only these parts reach the engine (reports.inputs.engine_inputs); database
        # ids differ from test to test and change nothing but ids in the results.
        key = inputs_hash(_without_ids({k: inputs.get(k) for k in ("suitability", "stakeholders", "approaches")}))
        if key not in _ENGINE_RESULTS:
            _ENGINE_RESULTS[key] = real(inputs, progress)
        return copy.deepcopy(_ENGINE_RESULTS[key])

    monkeypatch.setattr(reports, "compute_results", compute_results)


@pytest.fixture
def memo_engine(monkeypatch) -> None:
    """Reports reuse the engine's results for inputs it has seen this session (install_engine_memo)."""
    install_engine_memo(monkeypatch)


__all__ = [
    "REQUIRE_SERVICES",
    "UserFactory",
    "World",
    "celery_eager",
    "install_engine_memo",
    "membership",
    "session_queries",
]
