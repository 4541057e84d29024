"""Fault tests: the app under real failures of what it runs on, in CI on PostgreSQL and Redis.

- test_postgres.py: PostgreSQL restarted (and a database refusing connections) during a burst of
  reads and writes against gunicorn: 503 "try again" while it is down, never a 500, and every
  write that was acknowledged is in the database afterwards.
- test_redis.py: Redis down: pages and sign-in still work, "Generate report" says the job is
  delayed, and the periodic sweep runs it once Redis is back, exactly once.
- A worker killed in the middle of a report job, which is then completed exactly once, is
  tests/assessments/test_report_worker.py::
  test_a_job_whose_worker_process_is_killed_is_redelivered_and_completes_once (it lives beside
  the other real-worker test, which shares its fixtures; it is not repeated here).

They skip without the services, and fail instead when MLFIT_REQUIRE_SERVICES=1 (CI), like the
tests that need a Celery worker (tests/worker.py).
"""
