"""Benchmark `cess validate` against python-calamine's bare read of the same files.

    python benchmarks/bench_validate.py [--files 1000] [--dir /tmp/cess-bench]

Generates the bilans once (copies of the sample set), then times, inside one
process and after imports: (a) python-calamine reading every sheet of every
file; (b) the validation of the same files as `cess validate` does it. Prints
both, the ratio, and the peak resident memory (ru_maxrss), which must stay flat
as files are added (files are streamed one at a time).
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from cess_cli.pipeline import validate_paths  # noqa: E402
from cess_cli.referential.loading import load_referential  # noqa: E402


def ensure_files(folder: Path, n: int) -> list[Path]:
    import generate_samples

    files = sorted(folder.glob("*.xlsx"))
    if len(files) < n:
        ref = load_referential()
        copies = -(-n // 63)
        for old in files:
            old.unlink()
        generate_samples.generate(folder, ref, copies)
        files = sorted(folder.glob("*.xlsx"))
    return files[:n]


def read_all_calamine(files: list[Path]) -> int:
    cells = 0
    for f in files:
        wb = CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            cells += len(wb.get_sheet_by_name(name).to_python())
        wb.close()
    return cells


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cess-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    files = ensure_files(args.dir, args.files)
    ref = load_referential()
    validate_paths(files[:5], ref)  # build the per-action models once, as any run does
    best_cal = best_val = best_iso = float("inf")
    for _ in range(args.repeat):
        gc.collect()
        t = time.perf_counter()
        read_all_calamine(files)
        best_cal = min(best_cal, time.perf_counter() - t)
        gc.collect()
        t = time.perf_counter()
        report = validate_paths(files, ref)
        best_val = min(best_val, time.perf_counter() - t)
        gc.collect()
        t = time.perf_counter()
        validate_paths(files, ref, isolate=True)
        best_iso = min(best_iso, time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"files: {len(files)}  (valid: {sum(r.valid for r in report.files)})")
    print(f"calamine read, all sheets: {best_cal:.3f} s ({best_cal / len(files) * 1000:.2f} ms/file)")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"validation in this process: {best_val:.3f} s ({best_val / len(files) * 1000:.2f} ms/file)")
    print(f"ratio: {best_val / best_cal:.2f}  (target <= 1.5)")
    print(
        f"as `cess validate` runs it (2 isolated worker processes): {best_iso:.3f} s, ratio {best_iso / best_cal:.2f}"
    )
    print(f"peak RSS: {peak:.0f} MiB in this process, {children:.0f} MiB in the largest worker (target < 200)")


if __name__ == "__main__":
    main()
