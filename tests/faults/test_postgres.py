"""PostgreSQL goes away in the middle of a burst of requests to gunicorn, and comes back.

Two outages: the whole server restarted (`pg_ctlcluster ... restart`, which ends every session on
the machine, so it is kept to one restart), and the test database alone refusing connections for
a few seconds (every session to it ended, no new ones let in), which is long enough that some
requests are certain to meet it. In both:

- no request is ever answered 500: while the database is unreachable the answer is 503 "try
  again" (config/db_errors.py), and once it is back every request succeeds again, because the
  workers' kept connections (CONN_MAX_AGE) are checked and replaced (CONN_HEALTH_CHECKS);
- nothing acknowledged is lost: every proposal whose creation was answered 201 is in the
  database afterwards.

PostgreSQL is left running whatever happens (`finally`), since everyone on the machine uses it.
"""

import shutil
import subprocess
import time
from collections.abc import Callable

import psycopg
import pytest
from django.db import connection

from accounts.models import Role
from projects.models import Proposal
from tests.factories import MembershipFactory, ProposalFactory
from tests.faults.server import Burst, gunicorn, require, require_postgres, server_env, sign_in

# Requests that start this long after the database is back must all succeed: the first request
# of each worker after the outage finds its kept connection dead and reconnects within it.
SETTLE_S = 1.0
CLOSED_FOR_S = 2.0


def _cluster() -> tuple[str, str] | None:
    """(version, name) of the local cluster serving port 5432, from pg_lsclusters."""
    if not shutil.which("pg_lsclusters"):
        return None
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        version, name, port, *_ = line.split()
        if port == str(connection.settings_dict.get("PORT") or 5432):
            return version, name
    return None


def _server_is_up() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0


def _wait_up(timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not _server_is_up():
        if time.monotonic() > deadline:
            raise AssertionError("PostgreSQL did not come back")
        time.sleep(0.1)


def restart_server() -> None:
    version, name = _cluster()
    try:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        _wait_up()
    finally:
        if not _server_is_up():
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=False)
            _wait_up()


def _admin_connection() -> psycopg.Connection:
    """A connection to the server's maintenance database, not the test database being closed."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def close_database() -> None:
    name = connection.settings_dict["NAME"]
    with _admin_connection() as admin:
        try:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            time.sleep(CLOSED_FOR_S)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def require_cluster_control() -> None:
    require_postgres()
    if _cluster() is None:
        require("no local PostgreSQL cluster to restart here (pg_lsclusters finds none on the test port)")


# Each returns once PostgreSQL serves the test database again.
OUTAGES: dict[str, Callable[[], None]] = {"server restarted": restart_server, "database closed": close_database}


@pytest.mark.parametrize("outage", list(OUTAGES))
def test_no_500_and_no_acknowledged_write_lost_when_postgres_goes_away(transactional_db, tmp_path, outage):
    if outage == "server restarted":
        require_cluster_control()
    else:
        require_postgres()
    membership = MembershipFactory(role=Role.MEMBER, organisation__slug="acme")
    proposal = ProposalFactory(organisation=membership.organisation, owner=membership.user)
    member = sign_in(membership.user)
    pages = ["/proposals/", f"/proposals/{proposal.pk}/", f"/api/proposals/{proposal.pk}", "/reports/"]

    with gunicorn(tmp_path, server_env()) as base, Burst(base, member, pages) as burst:
        time.sleep(1.0)  # requests before the outage, on kept connections
        went = time.monotonic()
        OUTAGES[outage]()
        back = time.monotonic()
        time.sleep(2.5)  # and after it
    # This process's own connection ended with the outage; the next query opens a new one.
    connection.close()

    answers = burst.answers
    by_status: dict[int, int] = {}
    for answer in answers:
        by_status[answer.status] = by_status.get(answer.status, 0) + 1
    summary = f"{outage}: {len(answers)} requests, by status {by_status}, outage {back - went:.1f} s"
    errors = [a for a in answers if a.status >= 500 and a.status != 503]
    assert not errors, f"{summary}\n" + "\n".join(f"{a.status} {a.method} {a.path}: {a.body[:300]}" for a in errors)
    unanswered = [a for a in answers if a.status == 0]
    assert not unanswered, f"{summary}\nno HTTP answer: {unanswered[:3]}"
    # Answered before the outage began; a request sent before it may have been served during it.
    before = [a for a in answers if a.finished < went]
    after = [a for a in answers if a.started > back + SETTLE_S]
    assert before and after, summary
    failed = [a for a in before + after if a.status not in (200, 201)]
    assert not failed, f"{summary}\n" + "\n".join(
        f"{a.status} {a.method} {a.path} at {a.started - went:+.2f} s: {a.body[:200]}" for a in failed[:10]
    )
    if outage == "database closed":
        # Two seconds closed with requests running: some met it, and were told to try again.
        unavailable = [a for a in answers if a.status == 503]
        assert unavailable, summary
        assert all("try again" in a.body.lower() for a in unavailable), unavailable[0].body

    acknowledged = {a.title for a in answers if a.status == 201}
    assert acknowledged, summary
    stored = set(Proposal.objects.filter(title__in=acknowledged).values_list("title", flat=True))
    assert acknowledged - stored == set(), f"{summary}\nacknowledged but lost: {sorted(acknowledged - stored)}"
