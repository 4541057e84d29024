"""`make bench`: load-test the main pages on PostgreSQL behind gunicorn and write docs/benchmarks.md.

A benchmark, not a test: it exits non-zero only when it cannot measure (PostgreSQL down, the
server does not start, the session cookie is refused, a page answers anything but 2xx). Missed
goals are reported in the table and on the console.

Steps: recreate the `mlfit_bench` database, migrate, seed 10,000 proposals (timed), collectstatic,
serve with gunicorn (2 workers, DEBUG off) on a free loopback port, sign in by creating a session
row directly, drive each page with wrk, then run every bench section and write the report; last,
run the public case library (`manage.py evaluate_cases`) and write docs/decision-quality.md.

The runner (`python -m scripts.bench`) measures the apps from outside and imports none of them;
what must run inside them is a probe (`scripts/bench/probes/`), a module run in a process of its
own. Later issues add a section by writing a function `(BenchContext) -> Section` in a module of
its own and listing it in `__main__.SECTIONS`; each section's rows become rows of the one table.
"""
