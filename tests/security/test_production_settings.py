"""Production settings: cookies, HSTS, the proxy header and the CSP, read from a process started
with the documented environment (tests run with MLFIT_TESTING, which relaxes some of them)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

NAMES = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "DATA_UPLOAD_MAX_MEMORY_SIZE",
    "FILE_UPLOAD_MAX_MEMORY_SIZE",
    "MLFIT_MAX_UPLOAD_SIZE",
]


def production_settings() -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MLFIT_"))}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="x" * 20 + "a-long-random-production-secret-value-0123456789",
        DJANGO_ALLOWED_HOSTS="mlfit.example.com",
    )
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {NAMES!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_cookies_and_transport_are_locked_down():
    s = production_settings()
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["SESSION_COOKIE_SAMESITE"] == "Lax" and s["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    # The README documents serving behind a TLS proxy that sets X-Forwarded-Proto.
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["X_FRAME_OPTIONS"] == "DENY"


def test_production_sends_the_content_security_policy_without_inline_allowances():
    directives = production_settings()["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in directives.values() for source in sources)


def test_request_sizes_are_bounded():
    s = production_settings()
    assert 0 < s["DATA_UPLOAD_MAX_MEMORY_SIZE"] <= 5 * 1024 * 1024
    assert s["DATA_UPLOAD_MAX_MEMORY_SIZE"] < s["MLFIT_MAX_UPLOAD_SIZE"] <= 50 * 1024 * 1024
    assert s["FILE_UPLOAD_MAX_MEMORY_SIZE"] <= s["MLFIT_MAX_UPLOAD_SIZE"]
