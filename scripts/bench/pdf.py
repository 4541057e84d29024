"""The demo report's PDF against a plain document of the same page count."""

from __future__ import annotations

from .common import BenchContext, Row, Section, run_probe

PDF_GOAL_S = 1.0
PDF_RATIO_GOAL = 1.5


def pdf_section(ctx: BenchContext) -> Section:
    data = run_probe(ctx.env, "scripts.bench.probes.pdf")
    print(f"PDF: {data}", flush=True)
    ratio = data["median_s"] / data["plain_median_s"]
    return Section(
        title="PDF",
        rows=[
            Row(
                f"demo report PDF ({data['pages']} pages), median of 7",
                f"{data['median_s']:.2f} s",
                f"< {PDF_GOAL_S:g} s",
                data["median_s"] < PDF_GOAL_S,
            ),
            Row(f"plain document of {data['plain_pages']} pages, median of 7", f"{data['plain_median_s']:.2f} s"),
            Row("report PDF ÷ plain PDF", f"{ratio:.2f}", f"< {PDF_RATIO_GOAL:g}", ratio < PDF_RATIO_GOAL),
            Row(
                "the report laid out with WeasyPrint's own letter-by-letter SVG text, median of 7",
                f"{data['own_svg_text_median_s']:.2f} s",
            ),
            Row(f"the report without its {data['charts']} charts, median of 7", f"{data['no_charts_median_s']:.2f} s"),
            Row(
                f"... and each table row as one paragraph ({data['cells']} cells), median of 7",
                f"{data['rows_as_text_median_s']:.2f} s "
                f"({data['rows_as_text_median_s'] / data['plain_median_s']:.2f} × the plain PDF)",
            ),
        ],
        notes=[
            "WeasyPrint in one process after a warm-up, the report and the plain document through the same "
            "`reports.pdf.write_pdf`, their runs interleaved. The report's charts are the page's SVG "
            "documents, embedded as SVG images (vector, their text selectable); `reports/pdf_svg_text.py` "
            "lays out each chart label once instead of letter by letter (the fourth row is the report without it).",
            "The last two rows take the report apart: the same HTML without its charts, then also with each table "
            "row's cells joined into one paragraph. WeasyPrint spends about as long on each table cell as on a "
            "whole paragraph, so the report's cost follows its count of cells and charts, not its page count.",
            *(
                [f"**The plain document has {data['plain_pages']} pages, the report {data['pages']}**: not comparable."]
                if data["plain_pages"] != data["pages"]
                else []
            ),
        ],
    )
