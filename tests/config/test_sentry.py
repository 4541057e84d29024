"""Error reporting: nothing without SENTRY_DSN; with it, a view's exception reaches Sentry, tagged
with the request id, and starting up sends nothing (config/sentry.py)."""

import gzip
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import sentry_sdk

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os, sys, time
import django
django.setup()
import sentry_sdk
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

assert sentry_sdk.is_initialized()
time.sleep(0.5)
print("STARTED", flush=True)
sys.stdin.readline()  # the test has counted what start-up sent

def boom(request):
    raise ZeroDivisionError("sentry-test-boom")

class Urls:
    urlpatterns = [path("boom/", boom)]

with override_settings(ROOT_URLCONF=Urls):
    status = Client(raise_request_exception=False).get("/boom/", HTTP_X_REQUEST_ID="req-sentry-7").status_code
assert status == 500, status
sentry_sdk.flush(timeout=10)
print("DONE", flush=True)
"""


class Collector(BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":  # sentry-sdk's choice when brotli is installed (WeasyPrint brings it)
            import brotli

            body = brotli.decompress(body)
        type(self).bodies.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_nothing_is_reported_without_a_dsn():
    assert not sentry_sdk.is_initialized()


def test_a_view_error_reaches_sentry_with_its_request_id_and_start_up_sends_nothing():
    Collector.bodies = []
    server = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "CELERY_BROKER_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_test",
        SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_port}/42",
        DATABASE_URL="sqlite:///:memory:",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "STARTED", process.stderr.read()
        assert Collector.bodies == [], "start-up sent something to Sentry"
        process.stdin.write("\n")
        process.stdin.flush()
        out, err = process.communicate(timeout=60)
        assert "DONE" in out, err
    finally:
        process.kill()
        server.shutdown()
    sent = b"\n".join(Collector.bodies)
    assert b"sentry-test-boom" in sent
    assert b'"type":"ZeroDivisionError"' in sent.replace(b" ", b"")
    assert b'"mechanism":{"type":"django"' in sent.replace(b" ", b"")
    assert b'"request_id":"req-sentry-7"' in sent.replace(b" ", b"")
