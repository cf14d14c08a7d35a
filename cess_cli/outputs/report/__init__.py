"""The COPIL report (`cess rapport`, SPEC §6): one self-contained HTML page and its PDF, in French,
built from the same `Evaluation` as the evaluation workbook.

`write_report(ev, ref, folder)` writes `rapport_<période>.html` and, where WeasyPrint and Pango
can run, `rapport_<période>.pdf`; `build_report` gives the view (every figure a French string)
and `render_html` the page, for tests and notebooks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.outputs.atomic import atomic_paths
from cess_cli.outputs.report.charts import build_chart_fonts
from cess_cli.outputs.report.render import PdfUnavailable, render_html, render_pdf
from cess_cli.outputs.report.view import build_report
from cess_cli.referential.loading import Referential

__all__ = ["ReportFiles", "build_report", "render_html", "warm_up", "write_report"]


def warm_up() -> None:
    """Load what the report needs (WeasyPrint and Pango, matplotlib's fonts, Babel's French
    locale) ahead of time: `cess rapport` calls it in a thread while the bilans are read by
    the worker processes, so this second of loading is not added to the run. Never raises."""
    with contextlib.suppress(Exception):  # whatever fails here is said when the real report is made
        render_pdf("<html><body><p>1 234,5</p></body></html>")
        build_chart_fonts()


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote: the HTML path, the PDF path (None when it could not be made)
    and, then, why in French."""

    html: Path
    pdf: Path | None
    pdf_problem: str | None = None

    @property
    def paths(self) -> list[Path]:
        """The files written: the HTML, and the PDF when there is one."""
        return [self.html] if self.pdf is None else [self.html, self.pdf]


def write_report(
    ev: Evaluation,
    ref: Referential,
    folder: Path,
    *,
    today: date | None = None,
    log: Callable[[str], None] | None = None,
) -> ReportFiles:
    """Write `rapport_<label>.html` and `rapport_<label>.pdf` into `folder`, atomically.

    `ev` is the evaluation the workbook is written from (SPEC §6); `today` is the date printed
    on the cover (default: today). The HTML is always written; when the PDF cannot be made
    (WeasyPrint or Pango missing), `pdf` is None and `pdf_problem` says why, in French; `log`,
    when given, is told what was written (or why the PDF was not), one French line each.
    Raises OSError when the folder cannot be written."""
    day = today or date.today()
    report = build_report(ev, ref, day)
    html = render_html(report)
    html_path = folder / f"rapport_{ev.label}.html"
    pdf_path = folder / f"rapport_{ev.label}.pdf"
    try:
        pdf: bytes | None = render_pdf(html, created=day)
    except PdfUnavailable as exc:
        pdf, files = None, ReportFiles(html_path, None, f"Rapport PDF non écrit : {exc}")
    else:
        files = ReportFiles(html_path, pdf_path)
    with atomic_paths(list(files.paths)) as tmp:  # the HTML and its PDF together, or neither
        tmp[0].write_bytes(html.encode("utf-8"))
        if pdf is not None:
            tmp[1].write_bytes(pdf)
    if log is not None:
        log(f"Rapport {ev.label} : {', '.join(p.name for p in files.paths)}")
        if files.pdf_problem:
            log(files.pdf_problem)
    return files
