"""A test run leaves nothing behind: its Redis keys are in its own database and namespace, deleted at
its end, and a test database pytest-django could not drop is dropped anyway (tests/cleanup.py)."""

import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from config.celery import app
from tests.cleanup import RUN_PREFIX, RunCleanup, delete_prefix, drop_database, keys_with_prefix
from tests.config.test_health import require_redis


def a_prefix() -> str:
    return f"mlfit-test-{uuid.uuid4().hex[:12]}"


def test_the_run_writes_to_its_own_redis_database_under_its_prefix(db):
    client = require_redis()
    assert client.connection_pool.connection_kwargs["db"] == int(
        settings.CACHES["default"]["LOCATION"].rsplit("/", 1)[1]
    )
    assert app.conf.broker_url.endswith(f"/{client.connection_pool.connection_kwargs['db']}")
    assert app.conf.broker_transport_options["global_keyprefix"] == f"{RUN_PREFIX}:"
    cache.set("cleanup-probe", 1)
    assert any(key.endswith(b"cleanup-probe") for key in keys_with_prefix(client, RUN_PREFIX))


def test_deleting_a_prefix_deletes_exactly_its_keys():
    client = require_redis()
    mine, theirs = a_prefix(), a_prefix()
    client.set(f"{mine}:1:a", 1)
    client.rpush(f"{mine}:celery", "job")
    client.set(f"{theirs}:1:a", 1)
    try:
        assert delete_prefix(client, mine) == 2
        assert keys_with_prefix(client, mine) == []
        assert client.get(f"{theirs}:1:a") == b"1"
    finally:
        client.delete(f"{mine}:1:a", f"{mine}:celery", f"{theirs}:1:a")
    with pytest.raises(ValueError):
        delete_prefix(client, "")


def test_a_key_outside_any_runs_namespace_is_reported_as_a_leak():
    client = require_redis()
    run = RunCleanup(prefix=a_prefix())
    run.start()
    leak = f"leaked-by-a-test-{uuid.uuid4().hex[:8]}"
    client.set(f"{run.prefix}:1:session", 1)
    client.set(leak, 1)
    try:
        left = run.finish(keepdb=True)
    finally:
        client.delete(leak)
    assert left.redis_deleted == 1
    assert left.redis_leaks == [leak]


def test_a_test_database_left_in_use_is_dropped(db):
    if connection.vendor != "postgresql":
        pytest.skip("the test database is not PostgreSQL")
    db_settings = dict(connection.settings_dict, NAME=f"mlfit_leftover_{uuid.uuid4().hex[:8]}")
    params = {
        "user": db_settings["USER"] or None,
        "host": db_settings["HOST"] or None,
        "port": db_settings["PORT"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{db_settings["NAME"]}"')
    # A process that outlived its test, still connected: a plain DROP DATABASE would refuse.
    holder = psycopg.connect(dbname=db_settings["NAME"], **params)
    try:
        assert drop_database(db_settings) is True
        assert drop_database(db_settings) is False
    finally:
        holder.close()
