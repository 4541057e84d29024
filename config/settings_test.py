"""Settings for the test suite: the normal settings, in testing mode, with fast password hashing."""

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("MLFIT_TESTING", "1")
# The test run itself, not a worker or server it starts (those inherit the prefix, and the Redis URL
# they are given: the fault tests give theirs a Redis of its own).
if "MLFIT_TEST_CACHE_PREFIX" not in os.environ:
    # One namespace per test run, inherited by the workers it starts: runs sharing one Redis must
    # not see each other's keys (sign-in throttle counts, drawn charts), and the run deletes exactly
    # its own keys at its end (tests/cleanup.py).
    os.environ["MLFIT_TEST_CACHE_PREFIX"] = f"mlfit-test-{uuid.uuid4().hex[:12]}"
    # And a Redis database of the tests' own (9, or MLFIT_TEST_REDIS_DB), not the one REDIS_URL names:
    # a developer's data in database 0 is never touched by a test run.
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("redis://", "rediss://")):
            parts = urlsplit(url)
            os.environ[name] = urlunsplit(parts._replace(path=f"/{int(os.environ.get('MLFIT_TEST_REDIS_DB', '9'))}"))

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A Celery worker started by the tests (tests/worker.py) is another process: its emails go to files
# the test reads, since that process's locmem outbox is out of the test's reach.
if os.environ.get("MLFIT_TEST_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["MLFIT_TEST_EMAIL_DIR"]
if "CACHES" in globals():
    CACHES["default"]["KEY_PREFIX"] = os.environ["MLFIT_TEST_CACHE_PREFIX"]  # noqa: F405
# Every other key a test run writes to Redis carries the prefix too: Celery's queues, bindings and
# unacked messages (kombu's global_keyprefix), the worker heartbeats and job counts (config/health.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "global_keyprefix": f"{os.environ['MLFIT_TEST_CACHE_PREFIX']}:",
}
MLFIT_REDIS_KEY_PREFIX = os.environ["MLFIT_TEST_CACHE_PREFIX"]
