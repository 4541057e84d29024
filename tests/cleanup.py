"""What a test run leaves behind, found and removed at its end (tests/conftest.py, pytest_sessionfinish).

Redis: the run writes only to its own database (9, or MLFIT_TEST_REDIS_DB; config/settings_test.py)
and every key it writes there starts with the run's prefix (MLFIT_TEST_CACHE_PREFIX): the cache and
sessions, the sign-in throttle, drawn charts, Celery's queues and bindings (kombu's global_keyprefix),
the worker heartbeats and job counts. Other runs on this machine share that database, so the run
deletes its own prefix and nothing else; it never flushes a database. Then it checks: any key that
appeared in the database during the run and belongs to no test run's namespace is a leak, reported
as a failure of the run.

PostgreSQL: pytest-django drops its test database at the end, but only warns when it cannot (a worker
or server process still connected): the database is then dropped here, forcibly, and named.
"""

import os
import re
from dataclasses import dataclass, field

import psycopg
import redis
from django.db import connections
from psycopg import sql

RUN_PREFIX = os.environ.get("MLFIT_TEST_CACHE_PREFIX", "")
# Any test run's namespace (this one's or another's running beside it).
ANY_RUN = re.compile(rb"^mlfit-test-[0-9a-f]{12}")


def redis_for_tests() -> redis.Redis | None:
    """A client of the tests' Redis database, or None if this run has no Redis."""
    url = os.environ.get("REDIS_URL", "")
    if not url.startswith(("redis://", "rediss://")):
        return None
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def keys_with_prefix(client: redis.Redis, prefix: str) -> list[bytes]:
    if not prefix:
        raise ValueError("An empty prefix would name every key of the database")
    return list(client.scan_iter(match=f"{prefix}*", count=1000))


def delete_prefix(client: redis.Redis, prefix: str) -> int:
    """Delete every key that starts with `prefix`; return how many there were."""
    keys = keys_with_prefix(client, prefix)
    for start in range(0, len(keys), 500):
        client.unlink(*keys[start : start + 500])
    return len(keys)


def outside_any_run(keys: set[bytes]) -> set[bytes]:
    return {key for key in keys if not ANY_RUN.match(key)}


@dataclass
class Leftovers:
    redis_deleted: int = 0
    redis_leaks: list[str] = field(default_factory=list)
    databases_dropped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class RunCleanup:
    """Made at the start of the run: remembers the keys already there, so the end can tell new ones."""

    prefix: str = RUN_PREFIX
    keys_before: set[bytes] = field(default_factory=set)
    test_databases: dict[str, dict] = field(default_factory=dict)  # alias -> settings of its test database

    def start(self) -> None:
        client = redis_for_tests()
        if client is not None:
            try:
                self.keys_before = set(client.scan_iter(count=1000))
            except redis.RedisError:
                self.keys_before = set()

    def remember_databases(self) -> None:
        for alias in connections:
            db = connections[alias].settings_dict
            if connections[alias].vendor == "postgresql":
                self.test_databases[alias] = dict(db)

    def finish(self, *, keepdb: bool) -> Leftovers:
        result = Leftovers()
        client = redis_for_tests()
        if client is not None and self.prefix:
            try:
                result.redis_deleted = delete_prefix(client, self.prefix)
                left = keys_with_prefix(client, self.prefix)
                new = outside_any_run(set(client.scan_iter(count=1000)) - self.keys_before)
                result.redis_leaks = sorted(key.decode(errors="replace") for key in {*left, *new})
            except redis.RedisError as error:
                result.problems.append(f"Redis could not be cleaned: {error}")
        if not keepdb:
            for db in self.test_databases.values():
                try:
                    if drop_database(db):
                        result.databases_dropped.append(db["NAME"])
                except psycopg.Error as error:
                    result.problems.append(f"Test database {db['NAME']} could not be dropped: {error}")
        return result


def drop_database(db: dict) -> bool:
    """Drop the test database `db` names if it still exists (pytest-django's teardown failed); True if it did."""
    with psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
        connect_timeout=5,
    ) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if not exists:
            return False
        # FORCE: whatever still holds a connection (a worker that outlived its test) is disconnected.
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db["NAME"])))
        return True
