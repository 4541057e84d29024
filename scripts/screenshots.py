"""`make screenshots`: the main pages of the demo, as Chromium draws them, in docs/screenshots/.

Steps: a throwaway database (SQLite in a temporary directory, or DATABASE_URL when set: it is
migrated and seeded, so give it one you can spare), migrate, load the questionnaires, `seed_demo`,
compute the demo's two trade-off reports, serve the app from a thread on a free loopback port,
sign in as the demo member (the sign-in `make run` prints) and save each page of DEMO_PAGES as
docs/screenshots/<name>.png, 1280 px wide. Jobs run in-process and emails go to the temporary
directory: nothing outside it and docs/screenshots/ is written.

The README shows some of them; tests/browser/test_layout.py renders the same pages at two widths
and fails on horizontal overflow, so the list of main pages lives here, once (`demo_pages`).

Usage: python -m scripts.screenshots [--out DIR] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from scripts.chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
WIDTH = 1280
HEIGHT = 900
# Full page, but no taller than this: a picture for the README, not a scroll of the whole page.
MAX_HEIGHT = 2400
# PNGs of a text-heavy page are big; 1280 px wide drawn at 1x, clipped, they stay under ~400 KB.
DEMO_EMAIL = "member@demo.mlfit.test"


def demo_pages() -> list[tuple[str, str]]:
    """(name, path) of the main pages, on the demo's data (seed_demo, then `demo_reports`).

    The ticket router is assessed and in review, the restaurant recommender has five stakeholders
    whose requirements clash, the CV screener is triaged high-risk under the EU AI Act."""
    from django.urls import reverse

    from accounts.models import Organisation
    from transfer.management.commands.seed_demo import CV_SCREENING, DEMO_PROPOSALS

    organisation = Organisation.objects.get(slug="demo")
    router = organisation.proposals.get(title=DEMO_PROPOSALS[0]["title"])
    recommender = organisation.proposals.get(title=DEMO_PROPOSALS[1]["title"])
    screener = organisation.proposals.get(title=CV_SCREENING["title"])
    if router.latest_report_id is None or recommender.latest_report_id is None:
        raise RuntimeError("the demo has no report yet: run demo_reports() after seed_demo")
    return [
        ("01-proposals", reverse("projects:list")),
        ("02-proposal", reverse("projects:detail", args=[router.pk])),
        ("03-verdict", reverse("assessments:home", args=[router.pk])),
        ("04-stakeholders", reverse("stakeholders:list", args=[recommender.pk])),
        ("05-report", reverse("reports:detail", args=[router.pk, router.latest_report_id])),
        ("05-report-must-haves", reverse("reports:detail", args=[recommender.pk, recommender.latest_report_id])),
        ("06-review", reverse("review", args=[router.pk])),
        ("07-portfolio", reverse("projects:portfolio")),
        ("08-eu-ai-act", reverse("regulation:result", args=[screener.pk])),
    ]


def demo_reports() -> None:
    """The trade-off reports of the ticket router and the restaurant recommender, computed here
    (seed_demo makes none: reports are jobs). Running it again reuses them."""
    from accounts.models import Organisation
    from reports.services import report_request, report_run
    from transfer.management.commands.seed_demo import DEMO_PROPOSALS

    organisation = Organisation.objects.get(slug="demo")
    for spec in DEMO_PROPOSALS[:2]:
        proposal = organisation.proposals.get(title=spec["title"])
        report, _ = report_request(proposal=proposal, by=proposal.owner)
        report_run(report_id=report.pk)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


class _ThreadingServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address) -> None:
        # One thread per request: a page's lazy htmx panels load while it is drawn.
        thread = threading.Thread(target=self._handle, args=(request, client_address), daemon=True)
        thread.start()

    def _handle(self, request, client_address) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # a broken pipe when the browser moves on: say so and go on
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


def _setup(workdir: Path) -> None:
    # Development settings, jobs in-process, emails to files in the throwaway directory.
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'screenshots.sqlite3'}")
    os.environ["EMAIL_FILE_PATH"] = str(workdir / "sent-emails")
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "EMAIL_HOST"):
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _seed() -> None:
    from django.core.management import call_command

    for command in ("migrate", "load_questionnaires", "seed_demo"):
        print(f"manage.py {command}", flush=True)
        call_command(command, verbosity=0, **({"interactive": False} if command == "migrate" else {}))
    print("computing the demo's trade-off reports", flush=True)
    demo_reports()


def _serve() -> tuple[_ThreadingServer, str]:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()  # sets logging up again: quieten it after
    # One log line per request would bury the list of pictures written.
    logging.getLogger("mlfit.request").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, application, server_class=_ThreadingServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _shrink(png: Path) -> None:
    """256 colours, chosen per picture: a page of text and flat colour loses nothing a reader sees,
    and the file shrinks to about a third (the README's pictures are committed)."""
    from PIL import Image

    with Image.open(png) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(png, optimize=True)


def _shoot(base_url: str, pages: list[tuple[str, str]], out: Path, *, width: int = WIDTH) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from transfer.management.commands.seed_demo import DEMO_PASSWORD

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, viewport={"width": width, "height": HEIGHT})
        page = context.new_page()
        page.goto("/login/")
        page.locator("input[name=username]").fill(DEMO_EMAIL)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Sign out").wait_for()
        for name, path in pages:
            response = page.goto(path)
            if response is None or not response.ok:
                raise RuntimeError(f"{name}: {path} answered {response.status if response else 'nothing'}")
            page.wait_for_load_state("networkidle")
            height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
            target = out / f"{name}.png"
            page.screenshot(
                path=str(target),
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": height},
                animations="disabled",
            )
            _shrink(target)
            written.append(target)
            shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
            print(f"  {shown}  {target.stat().st_size // 1024} KB", flush=True)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the PNGs (default docs/screenshots/)")
    parser.add_argument("--width", type=int, default=WIDTH, help="the window's width in CSS pixels (default 1280)")
    parser.add_argument("--only", nargs="*", default=[], help="only these pages, by name (e.g. 05-report)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlfit-screenshots-") as workdir:
        _setup(Path(workdir))
        _seed()
        pages = [(n, p) for n, p in demo_pages() if not args.only or n in args.only]
        server, base_url = _serve()
        try:
            # Playwright's sync API marks this thread as running an event loop; the ORM is done with here.
            _shoot(base_url, pages, args.out, width=args.width)
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
