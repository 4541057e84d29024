"""/health/ and /health/live/: what a load balancer and an operator read (config/health.py)."""

import socket
import time

import pytest
import redis
from django.db import OperationalError, connections
from django.test import Client, override_settings

from config import health
from config.celery import app
from tests.cleanup import redis_for_tests
from tests.conftest import REQUIRE_SERVICES
from tests.worker import require_worker_services, worker_session

HEARTBEAT_WAIT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_redis() -> redis.Redis:
    client = redis_for_tests()
    reason = None if client is not None else "REDIS_URL is not set: the heartbeat lives in a Redis broker"
    if client is not None:
        try:
            client.ping()
        except redis.RedisError as error:
            reason = f"Redis does not answer ({error})"
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return client


@pytest.fixture
def broker(monkeypatch):
    """This process's Celery app on the tests' Redis with eager mode off, as a web process in production."""
    client = require_redis()
    monkeypatch.setattr(app.conf, "broker_url", _url(client))
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    yield client
    client.delete(health.redis_key(health.HEARTBEATS))


def _url(client: redis.Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs['db']}"


def test_live_answers_without_touching_anything(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/health/live/")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_is_200_when_everything_answers(db):
    # The default test setup: eager jobs, so no broker or worker is needed, and each check says so.
    response = Client().get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_it_names_the_database_when_it_is_down(db, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(connections["default"], "cursor", refuse)
        response = Client().get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["database"]
    assert body["checks"]["database"]["detail"] == "unreachable (OperationalError)"


def test_it_names_the_cache_when_its_redis_is_down(db):
    # A port nothing listens on: what an unreachable Redis looks like. The resilient cache would
    # read it as a miss; the health check must not.
    caches = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=caches):
        response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json()["down"] == ["cache"]
    assert "Redis unreachable" in response.json()["checks"]["cache"]["detail"]


def test_it_names_the_broker_and_the_worker_when_redis_is_down(db, monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    started = time.monotonic()
    response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker", "worker"]
    # A probe gives up after a few seconds: the page must answer before that.
    assert time.monotonic() - started < 5


def test_it_wants_a_recent_worker_heartbeat(db, broker):
    response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json()["down"] == ["worker"]
    assert response.json()["checks"]["worker"]["detail"] == "no worker heartbeat"

    health.heartbeat_record(hostname="w1@test")
    response = Client().get("/health/")
    assert response.status_code == 200, response.content
    assert "from w1@test" in response.json()["checks"]["worker"]["detail"]

    # A killed worker's heartbeat ages past the limit.
    broker.zadd(health.redis_key(health.HEARTBEATS), {"w1@test": time.time() - 120})
    response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["detail"] == "newest heartbeat 120 s ago (limit 90 s)"


@pytest.mark.celery_worker
def test_a_real_worker_beats_and_a_stopped_one_is_reported(transactional_db, tmp_path):
    require_worker_services()
    with worker_session(tmp_path) as workers:
        worker = workers.start()
        response = Client().get("/health/")
        assert response.status_code == 200, f"{response.content}\n{worker.log_tail()}"
        assert worker.hostname in response.json()["checks"]["worker"]["detail"]
        # A warm shutdown takes the worker's entry with it: no waiting out the 90 s.
        worker.stop()
        response = Client().get("/health/")
        assert response.status_code == 503
        assert response.json()["down"] == ["worker"]


@override_settings(SECURE_SSL_REDIRECT=True)
@pytest.mark.parametrize("path", ["/health/", "/health/live/"])
def test_probes_are_not_redirected_to_https(db, path):
    assert Client().get("/login/").status_code == 301
    assert Client().get(path).status_code == 200


def test_probes_need_no_sign_in_and_set_no_cookie(db):
    response = Client().get("/health/")
    assert response.status_code == 200
    assert not response.cookies
