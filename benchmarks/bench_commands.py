"""Whole commands as a user meets them, against python-calamine's bare read of the same files.

    python benchmarks/bench_commands.py [--files 1000] [--runs 7] [--dir /tmp/cess-bench-commands]

Each figure is a whole process, started the way a user starts it (`cess validate DIR`,
output printed into a pipe), on N bilans *minus the same command on one bilan*, so that
what every run pays once (interpreter start, imports, loading the referential) is not
counted as the cost of the files. The baseline is one Python process reading every
sheet of the same files with python-calamine (also N minus one file). Runs are
interleaved (A B C … A B C …) so that a drift of the machine's speed touches every
command alike; the figures quoted are medians. Peak memory is the largest single
process of a run (the main process or a worker), as the kernel accounts it (wait4 of a
small process that starts the command: see `PEAK`).
CPU time (user + system, of the process and every worker it waited for, from wait4)
is printed beside the wall time, with its own ratio to calamine's: on a machine that
others share, wall time follows their load, CPU time much less. The load average is
printed before and after, to say how quiet the machine was.

The two workers of `cess` use both cores while the baseline uses one: the floor of the
ratio is near 0.5.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))

BASELINE = """
import sys
from pathlib import Path
from python_calamine import CalamineWorkbook
for f in sorted(Path(sys.argv[1]).iterdir()):
    wb = CalamineWorkbook.from_path(str(f))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()
    wb.close()
"""


def make_folders(base: Path, n: int) -> tuple[Path, Path]:
    """`base/n` with n bilans (copies of the sample set, 63 per copy, versions raised so
    that every copy counts as a resubmission) and `base/1` with one of them."""
    from bench_consolidate import ensure_files

    many, one = base / str(n), base / "1"
    many.mkdir(parents=True, exist_ok=True)
    files = ensure_files(many, n)
    for extra in sorted(set(many.iterdir()) - set(files)):
        extra.unlink()
    one.mkdir(parents=True, exist_ok=True)
    if not any(one.iterdir()):
        shutil.copy(files[0], one / files[0].name)
    return many, one


# The peak of a process is what the kernel keeps of its largest resident size, and a process
# that a big one starts (fork, then exec) inherits the big one's: measured directly, every
# command would show this script's own size. So each command is started by a small Python
# process that forks it and writes the peak its wait4 reports into the file it is given.
PEAK = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the process and its children, peak MiB of the largest
    of them: the command or one of its workers)."""
    with tempfile.NamedTemporaryFile("r") as peak:
        start = time.perf_counter()
        wrapped = [sys.executable, "-S", "-c", PEAK, peak.name, *cmd]
        proc = subprocess.Popen(wrapped, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        while proc.stdout.read(1 << 16):  # the output is printed into a pipe, and read
            pass
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        return wall, usage.ru_utime + usage.ru_stime, int(peak.read() or 0) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "cess-bench-commands")
    args = parser.parse_args()
    many, one = make_folders(args.dir, args.files)
    work = args.dir / "work"
    work.mkdir(exist_ok=True)
    (work / "cess.toml").write_text('sortie = "sorties"\n', encoding="utf-8")
    cess = str(Path(sys.executable).with_name("cess"))
    commands = {
        "calamine": lambda d: [sys.executable, "-c", BASELINE, str(d)],
        "validate": lambda d: [cess, "validate", str(d)],
        "validate --format json": lambda d: [cess, "validate", str(d), "--format", "json"],
        "consolidate 2014-2016": lambda d: [cess, "consolidate", "2014-2016", "--bilans", str(d)],
    }
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    peak: dict[str, float] = dict.fromkeys(commands, 0.0)
    helps: list[float] = []
    load_before = os.getloadavg()
    for _ in range(args.runs):
        for name, cmd in commands.items():
            w1, c1, _ = run(cmd(one), work)
            wn, cn, mn = run(cmd(many), work)
            wall[name].append(wn - w1)
            cpu[name].append(cn - c1)
            peak[name] = max(peak[name], mn)
        helps.append(run([cess, "--help"], work)[0])
    load_after = os.getloadavg()
    base, base_cpu = statistics.median(wall["calamine"]), statistics.median(cpu["calamine"])
    print(f"{args.files} bilans, {args.runs} interleaved runs, medians (N files minus 1 file)")
    print(f"load average (1, 5, 15 min): before {_load(load_before)}, after {_load(load_after)}")
    print(f"{'command':26s} {'wall s':>8s} {'ratio':>6s} {'cpu s':>7s} {'cpu ratio':>9s} {'peak MiB':>9s}")
    for name in commands:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:26s} {w:8.2f} {w / base:6.2f} {c:7.2f} {c / base_cpu:9.2f} {peak[name]:9.0f}")
    print(f"cess --help: {statistics.median(helps):.2f} s")


def _load(avg: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in avg)


if __name__ == "__main__":
    main()
