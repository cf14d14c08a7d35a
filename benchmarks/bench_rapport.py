"""Benchmark `cess rapport 2014-2016` over 1,000 bilans (target: under 10 s on the 2-core machine).

    python benchmarks/bench_rapport.py [--files 1000] [--dir /tmp/cess-bench-versions] [--repeat 3]

The bilans are the copies `bench_consolidate.py` makes (the sample set with versions
1 … 160: the highest version of each action-year counts). Times, after imports, best of N:
(a) what `cess rapport` does: read and validate every file in the two isolated workers,
consolidate the period, and write the HTML and the PDF; (b) the report alone, from the
evaluation: its view and charts, its HTML, its PDF. CPU time of this process is shown
beside wall time, as the machine may be shared.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_consolidate import ensure_files  # noqa: E402

from cess_cli.consolidation.evaluation import consolidate  # noqa: E402
from cess_cli.outputs.report import build_report, render_html, write_report  # noqa: E402
from cess_cli.outputs.report.render import render_pdf  # noqa: E402
from cess_cli.pipeline import collect  # noqa: E402
from cess_cli.referential.loading import load_referential  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cess-bench-versions"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    files = ensure_files(args.dir, args.files)
    ref = load_referential()
    out = Path(tempfile.mkdtemp(prefix="cess-bench-rapport-"))
    best: dict[str, tuple[float, float]] = {}

    def keep(key: str, wall: float, cpu: float) -> None:
        if key not in best or wall < best[key][0]:
            best[key] = (wall, cpu)

    today = date(2016, 11, 28)
    for _ in range(args.repeat):
        gc.collect()
        w, c = time.perf_counter(), time.process_time()
        coll = collect(files, ref, isolate=True)
        ev = consolidate(coll, ref, [2014, 2015, 2016])
        files_out = write_report(ev, ref, out, today=today)
        keep("command", time.perf_counter() - w, time.process_time() - c)
        for key, step in (
            ("view", lambda ev=ev: build_report(ev, ref, today)),
            ("html", lambda ev=ev: render_html(build_report(ev, ref, today))),
        ):
            gc.collect()
            w, c = time.perf_counter(), time.process_time()
            step()
            keep(key, time.perf_counter() - w, time.process_time() - c)
        html = files_out.html.read_text(encoding="utf-8")
        gc.collect()
        w, c = time.perf_counter(), time.process_time()
        render_pdf(html)
        keep("pdf", time.perf_counter() - w, time.process_time() - c)
    from pypdf import PdfReader

    pages = len(PdfReader(files_out.pdf).pages) if files_out.pdf else 0
    print(f"files: {len(files)}  (retained: {sum(s.retenu for s in coll.sources)}, PDF pages: {pages})")
    labels = {
        "command": "cess rapport 2014-2016: read, validate, consolidate, HTML + PDF (target < 10 s)",
        "view": "  the report's view and its charts (matplotlib SVG)",
        "html": "  the same and the HTML page (Jinja2)",
        "pdf": "  the PDF from the HTML (WeasyPrint)",
    }
    for key, label in labels.items():
        wall, cpu = best[key]
        print(f"{label}: {wall:.2f} s (CPU of this process {cpu:.2f} s)")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
