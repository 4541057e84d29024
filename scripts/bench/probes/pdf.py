"""The demo report's PDF (the ticket router, with its completed assessment) against a plain document
of the same page count, laid out by the same WeasyPrint in the same process.

Both go through reports.pdf.write_pdf, so they are laid out with the same settings; the page counts
are WeasyPrint's for the very HTML laid out, so the plain document has exactly the report's.
"""

import json
import re
import statistics
import time
from collections.abc import Callable

from weasyprint import HTML

from accounts.models import Organisation
from reports import pdf_svg_text
from reports.models import Report
from reports.pdf import render_pdf, report_html, write_pdf
from reports.services import report_request, report_run

RUNS = 7
CHART = re.compile(r'<img alt="[^"]*" src="data:image/svg[^"]*">')


def page_count(html: str) -> int:
    return len(HTML(string=html).render().pages)


def own_svg_text(html: str) -> None:
    """The same layout with WeasyPrint's own letter-by-letter SVG text, for comparison."""
    with pdf_svg_text.weasyprint_own():
        write_pdf(html)


def plain_document(pages: int) -> str:
    paragraph = "<p>" + "Plain text for a page of the same length. " * 40 + "</p>"
    sections = "".join(
        f"<h2>Section {i}</h2>" + paragraph * 2 + "<div style='break-after: page'></div>" for i in range(pages)
    )
    return "<html><body style='font-family: DejaVu Sans'>" + sections + "</body></html>"


def rows_as_text(html: str) -> str:
    """Every table row set as one paragraph, its cells' text joined."""
    html = re.sub(r"</t[dh]>\s*<t[dh][^>]*>", " | ", html)
    html = re.sub(r"<tr[^>]*>\s*<t[dh][^>]*>", "<p>", html)
    html = re.sub(r"</t[dh]>\s*</tr>", "</p>", html)
    return re.sub(r"</?(table|thead|tbody)[^>]*>", "", html)


def main() -> None:
    org = Organisation.objects.get(slug="demo")
    proposal = org.proposals.get(title__startswith="Route support tickets")
    report, _ = report_request(proposal=proposal, by=proposal.owner)
    report_run(report_id=report.pk)
    report = Report.objects.get(pk=report.pk)
    render_pdf(report)  # warm-up: fonts, templates, the charts drawn and cached
    html = report_html(report)
    count = page_count(html)
    plain = plain_document(count)
    plain_pages = page_count(plain)
    # Where the report's time goes: the same HTML without its charts, then also with every table
    # row set as one paragraph, so the rows' differences are the charts' share and the table cells'.
    no_charts = CHART.sub("", html)
    flattened = rows_as_text(no_charts)
    variants: dict[str, Callable[[], object]] = {
        "own_svg_text": lambda: own_svg_text(html),
        "no_charts": lambda: write_pdf(no_charts),
        "rows_as_text": lambda: write_pdf(flattened),
    }
    write_pdf(plain)
    for run in variants.values():
        run()
    # Interleaved, so that a slower spell of a shared machine weighs on all of them alike.
    timings: list[float] = []
    plain_timings: list[float] = []
    variant_timings: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(RUNS):
        started = time.perf_counter()
        render_pdf(report)
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        write_pdf(plain)
        plain_timings.append(time.perf_counter() - started)
        for name, run in variants.items():
            started = time.perf_counter()
            run()
            variant_timings[name].append(time.perf_counter() - started)
    result = {
        "median_s": statistics.median(timings),
        "pages": count,
        "plain_pages": plain_pages,
        "plain_median_s": statistics.median(plain_timings),
        "cells": len(re.findall(r"<t[dh][ >]", html)),
        "charts": len(CHART.findall(html)),
        **{f"{name}_median_s": statistics.median(values) for name, values in variant_timings.items()},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
