"""Shared fixtures: one organisation with an owner, a member, a reviewer and an admin, and an
outsider who belongs to another organisation (the healthchecks pattern, hc/test.py)."""

import os
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import Membership, Organisation, Role, User
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


@pytest.fixture(autouse=True)
def jobs_run_in_process():
    """`.delay()` runs the job in the test's own process, with or without REDIS_URL.

    Without this, a run with REDIS_URL set (CI) would send emails and reports to a queue no worker
    reads. The tests that need a real worker switch this off themselves (tests/worker.py).
    """
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(task_always_eager=saved[0], task_eager_propagates=saved[1])


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


__all__ = ["REQUIRE_SERVICES", "UserFactory", "World", "membership"]
