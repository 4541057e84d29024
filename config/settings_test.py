"""Settings for the test suite: the normal settings, in testing mode, with fast password hashing."""

import os

os.environ.setdefault("MLFIT_TESTING", "1")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
