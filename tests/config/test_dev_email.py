"""`make run` stays quiet: in development emails go to files under sent-emails/, not the console."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def backend(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DJANGO_"))}
    code = "import config.settings as s; print(s.EMAIL_BACKEND); print(getattr(s, 'EMAIL_FILE_PATH', ''))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return out.stdout.split("\n")[:2]


def test_development_writes_emails_to_files_in_an_ignored_folder():
    name, path = backend(DJANGO_DEBUG="1")
    assert name == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(path) == ROOT / "sent-emails"
    assert "sent-emails/" in (ROOT / ".gitignore").read_text().split("\n")
    assert backend(DJANGO_DEBUG="1", EMAIL_HOST="smtp.example.test")[0].endswith("smtp.EmailBackend")
    assert backend(DJANGO_SECRET_KEY="x" * 50)[0].endswith("console.EmailBackend")
