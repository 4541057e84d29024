"""A database made before the apps were split by noun (issue 16) migrates forward with every row kept.

Steps: unpack the code of BASELINE (the last commit before the split) into a temporary folder,
migrate a fresh PostgreSQL database with it and fill it with `seed_demo`; count the rows of every
table; migrate the same database with the code checked out here; count again. Every table the
baseline had must still be there with the same number of rows, and the models that changed app
must have taken their content types (and so their permissions) with them.

Run by `make check-migrations` and CI; needs PostgreSQL at PG_SERVER (trust auth).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "a0d302333becd2dbe2910e096bbec61b699f6864"
PG_SERVER = os.environ.get("MLFIT_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "mlfit_migration_check"
# Models that moved to another app, as (old app label, model, new app label).
MOVED = (
    ("assessments", "report", "reports"),
    ("assessments", "approachset", "approaches"),
    ("projects", "auditentry", "audit"),
)
# Tables a model added since the baseline grows by a row or a few (its content type and its four
# permissions: regulation's ObligationCheck, issue 18). For these, every row must be kept (the
# content types are compared one by one) and more are allowed; every other table keeps its count.
GROWS_WITH_NEW_MODELS = {"django_content_type", "auth_permission"}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "MLFIT_TESTING"}}
    env.update(DATABASE_URL=f"{PG_SERVER}/{DB_NAME}", DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings")
    return env


def _manage(cwd: Path, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=cwd, env=_env(), check=True, capture_output=True)  # noqa: S603


def _recreate_database() -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _drop_database() -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def _row_counts() -> dict[str, int]:
    with psycopg.connect(f"{PG_SERVER}/{DB_NAME}") as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        # Table names come from the catalogue, not from outside input.
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def _content_types() -> set[tuple[str, str]]:
    with psycopg.connect(f"{PG_SERVER}/{DB_NAME}") as conn:
        return {tuple(row) for row in conn.execute("SELECT app_label, model FROM django_content_type").fetchall()}


def _baseline_tree(into: Path) -> None:
    archive = subprocess.run(["git", "archive", BASELINE], cwd=ROOT, check=True, capture_output=True).stdout  # noqa: S603, S607
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def main() -> int:
    _recreate_database()
    try:
        with tempfile.TemporaryDirectory(prefix="mlfit-baseline-") as tmp:
            baseline = Path(tmp)
            _baseline_tree(baseline)
            _manage(baseline, "migrate", "--noinput")
            _manage(baseline, "seed_demo")
        before = _row_counts()
        types_before = _content_types()
        _manage(ROOT, "migrate", "--noinput")
        after = _row_counts()
        types = _content_types()
    finally:
        _drop_database()
    problems = [f"table {t} is gone ({n} rows)" for t, n in before.items() if t not in after]
    problems += [
        f"table {t}: {n} rows before, {after[t]} after"
        for t, n in before.items()
        if t in after and t != "django_migrations" and (after[t] < n if t in GROWS_WITH_NEW_MODELS else after[t] != n)
    ]
    moved_from = {(old, model) for old, model, _ in MOVED}
    problems += [f"the content type {app}.{model} is gone" for app, model in sorted(types_before - types - moved_from)]
    for old, model, new in MOVED:
        if (new, model) not in types or (old, model) in types:
            problems.append(f"the content type of {model} did not move from {old} to {new}")
    filled = sum(1 for t, n in before.items() if n and t != "django_migrations")
    print(f"{len(before)} tables, {filled} with rows, {sum(before.values()):,} rows before the migration")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if not problems:
        print("every table and every row kept; moved models took their content types")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
