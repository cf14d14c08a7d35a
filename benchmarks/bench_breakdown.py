"""Where one file's time goes, in one process: each step of a worker's work, cumulated.

    python benchmarks/bench_breakdown.py [--files 1000] [--runs 3] [--dir /tmp/cess-bench-commands/1000]

CPU time (`time.process_time`) per file, the best of `--runs` passes over the same files
after one warm-up pass (so that the per-action models and the caches by content are
built, as they are after a worker's first files). Each line runs the steps above it
too; the difference between two lines is the cost of the step it names. The files are
those of `bench_commands.py` (made there if missing).
"""

from __future__ import annotations

import argparse
import io
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path

from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))

from cess_cli.checking.validate import read_bilan  # noqa: E402
from cess_cli.pipeline import process_file  # noqa: E402
from cess_cli.reading.limits import DEFAULT_LIMITS  # noqa: E402
from cess_cli.reading.preflight import preflight  # noqa: E402
from cess_cli.reading.workbook import open_book  # noqa: E402
from cess_cli.referential.loading import load_referential  # noqa: E402


def per_file(files: list[Path], step: Callable[[Path], object], runs: int) -> float:
    """Best CPU milliseconds per file of `step` over `files`, after one warm-up pass."""
    for f in files:
        step(f)
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        for f in files:
            step(f)
        best = min(best, time.process_time() - start)
    return best / len(files) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cess-bench-commands"))
    args = parser.parse_args()
    from bench_commands import make_folders

    many, _ = make_folders(args.dir, args.files)
    files = sorted(many.iterdir())
    ref = load_referential()
    limits = DEFAULT_LIMITS

    def calamine(f: Path) -> None:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(f.read_bytes()))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
        wb.close()

    def calamine_five(f: Path) -> None:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(f.read_bytes()))
        for name in wb.sheet_names[:5]:  # the five sheets of the bilan format, nothing else
            wb.get_sheet_by_name(name).to_python()
        wb.close()

    def opened(f: Path) -> None:
        book, _, _ = open_book(f, f.name, limits)
        assert book is not None
        book.close()

    def sheets(f: Path) -> None:
        book, _, _ = open_book(f, f.name, limits)
        assert book is not None
        for name in book.sheet_names[:5]:  # the five sheets of the bilan format
            book.sheet(name)
        book.close()

    steps: list[tuple[str, Callable[[Path], object]]] = [
        ("calamine alone, every sheet (the baseline)", calamine),
        ("calamine alone, the 5 sheets cess reads", calamine_five),
        ("pre-flight: lstat, read, SHA-256, zip checks, sheet parts", lambda f: preflight(f, f.name, limits)),
        ("+ calamine opens the workbook", opened),
        ("+ the 5 sheets read, error cells looked for", sheets),
        ("+ every check and the model: read_bilan", lambda f: read_bilan(f, ref, display=f.name, limits=limits)),
        ("+ what a worker sends back (pickled)", lambda f: pickle.dumps(process_file(ref, limits, (f, f.name, None)))),
    ]
    print(f"{len(files)} bilans, CPU ms per file, best of {args.runs} passes after a warm-up")
    cost: dict[str, float] = {}
    for label, step in steps:
        cost[label] = per_file(files, step, args.runs)
        print(f"{label:62s} {cost[label]:6.3f}")
    base, five, pre, whole = (cost[label] for label, _ in (steps[0], steps[1], steps[2], steps[-2]))
    # Floors of `cess validate`'s wall ratio (README, Speed): two workers sharing the files
    # perfectly on two cores, no worker warm-up, no main process, no pipe. What a worker must
    # do for a file costs at least calamine's read of its five sheets plus the pre-flight that
    # the untrusted-workbook rules require before calamine touches the file.
    print()
    print("floors of the wall ratio to calamine's read, with two perfect workers and nothing else:")
    print(f"  calamine's 5 sheets + the pre-flight, no check at all        {(five + pre) / 2 / base:5.2f}")
    print(f"  + every check and the model, at today's cost (read_bilan)     {whole / 2 / base:5.2f}")


if __name__ == "__main__":
    main()
