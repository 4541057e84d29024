"""Settings for the test suite: the normal settings, in testing mode, with fast password hashing."""

import os
import uuid

os.environ.setdefault("MLFIT_TESTING", "1")
# One cache namespace per test run, inherited by the workers it starts: runs sharing one Redis must
# not see each other's keys (sign-in throttle counts, drawn charts), and old keys expire by themselves.
os.environ.setdefault("MLFIT_TEST_CACHE_PREFIX", f"mlfit-test-{uuid.uuid4().hex[:12]}")

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
