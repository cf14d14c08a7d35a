"""Benchmark `cess consolidate 2014-2016` against python-calamine's bare read.

    python benchmarks/bench_consolidate.py [--files 1000] [--dir /tmp/cess-bench-versions]

The bilans are copies of the sample set in which copy k carries version 10*k + v
(v the original version), so each action-year has many versions and the highest
one counts, as with real resubmissions. Times, in one process after imports:
(a) python-calamine reading every sheet of every file; (b) reading and validating
every file, choosing the versions, computing every figure, and writing the
evaluation workbook and the tidy CSV. Best of N runs each.
"""

from __future__ import annotations

import argparse
import gc
import re
import resource
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_validate import read_all_calamine  # noqa: E402

from cess_cli.batch import run_batch  # noqa: E402
from cess_cli.config import Config  # noqa: E402
from cess_cli.consolidation.evaluation import consolidate  # noqa: E402
from cess_cli.outputs.evaluation_workbook import write_evaluation  # noqa: E402
from cess_cli.outputs.tidy_csv import write_tidy_csv  # noqa: E402
from cess_cli.pipeline import collect, validate_paths  # noqa: E402
from cess_cli.referential.loading import load_referential  # noqa: E402

VERSION_CELL = re.compile(rb'(<c r="C9"[^>]*>(?:<f>[^<]*</f>)?<v>)(\d+)(</v>)')


def with_version(src: Path, dst: Path, offset: int) -> None:
    """Copy a bilan, adding `offset` to its version (Identification!C9), zip rewritten."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = VERSION_CELL.sub(
                    lambda m: m.group(1) + str(int(m.group(2)) + offset).encode() + m.group(3), data
                )
            zout.writestr(info, data)


def ensure_files(folder: Path, n: int) -> list[Path]:
    files = sorted(folder.glob("*.xlsx"))
    if len(files) >= n:
        return files[:n]
    for f in files:
        f.unlink()
    samples = sorted((ROOT / "sample_reports").glob("*.xlsx"))
    k = 0
    while len(list(folder.glob("*.xlsx"))) < n:
        for src in samples:
            with_version(src, folder / f"k{k:03d}_{src.name}", 10 * k)
        k += 1
    return sorted(folder.glob("*.xlsx"))[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cess-bench-versions"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    files = ensure_files(args.dir, args.files)
    ref = load_referential()
    out = Path(tempfile.mkdtemp(prefix="cess-bench-out-"))
    best = {"calamine": float("inf"), "in_process": float("inf"), "isolated": float("inf"), "validate": float("inf")}
    batch_best: dict[str, float] = {}
    for _ in range(args.repeat):
        gc.collect()
        t = time.perf_counter()
        read_all_calamine(files)
        best["calamine"] = min(best["calamine"], time.perf_counter() - t)
        for mode, isolate in (("in_process", False), ("isolated", True)):
            gc.collect()
            t = time.perf_counter()
            coll = collect(files, ref, isolate=isolate)
            ev = consolidate(coll, ref, [2014, 2015, 2016])
            write_evaluation(ev, ref, out / "evaluation_2014-2016.xlsx")
            write_tidy_csv(ev, out / "evaluation_2014-2016.csv")
            best[mode] = min(best[mode], time.perf_counter() - t)
        gc.collect()
        t = time.perf_counter()
        validate_paths(files, ref, isolate=True)
        best["validate"] = min(best["validate"], time.perf_counter() - t)
        run = run_batch(Config(bilans=args.dir, sortie=out / "batch"), ref, feedback=False)
        spent = run.timings["validation"] + run.timings["consolidation"]
        if not batch_best or spent < batch_best["validation"] + batch_best["consolidation"]:
            batch_best = run.timings
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    retained = sum(s.retenu for s in coll.sources)
    cal = best["calamine"]
    print(f"files: {len(files)}  (retained: {retained})")
    print(f"calamine read, all sheets: {cal:.3f} s")
    print(
        f"consolidate 2014-2016, in this process: {best['in_process']:.3f} s, ratio {best['in_process'] / cal:.2f} (target <= 2.5)"
    )
    print(
        f"as `cess consolidate` runs it (isolated workers): {best['isolated']:.3f} s, ratio {best['isolated'] / cal:.2f}"
    )
    print(
        f"batch: validation {batch_best['validation']:.3f} s + consolidation of 3 years and the period "
        f"{batch_best['consolidation']:.3f} s (feedback to operators not counted) "
        f"vs validate {best['validate']:.3f} s + consolidate {best['isolated']:.3f} s"
    )
    print(f"peak RSS: {peak:.0f} MiB in this process, {children:.0f} MiB in the largest worker (target < 200)")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
