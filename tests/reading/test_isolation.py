"""Worker processes: a file that hangs or kills its reader costs that file only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cess_cli import pipeline
from cess_cli.reading.limits import Limits

from ..helpers import make_bilan, set_ind
from ..hostile import INDICATEURS, on, rezip


def test_hang_and_crash_cost_one_file_each(ref, tmp_path, monkeypatch):
    good = [make_bilan(ref, tmp_path, code, 2014) for code in ("ANIM", "I_1.1.1", "I_1.2")]
    hang = tmp_path / "lent.xlsx"
    crash = tmp_path / "crash.xlsx"
    hang.write_bytes(good[0].read_bytes())
    crash.write_bytes(good[0].read_bytes())
    real = pipeline.read_bilan

    def misbehaving(path, ref, **kw):  # runs in the forked worker
        if path.name == "lent.xlsx":
            time.sleep(3600)
        if path.name == "crash.xlsx":
            os.abort()
        return real(path, ref, **kw)

    monkeypatch.setattr(pipeline, "read_bilan", misbehaving)
    files = [(p, p.name) for p in (good[0], hang, good[1], crash, good[2])]
    t0 = time.monotonic()
    results = list(pipeline.read_many(files, ref, isolate=True, timeout=2.0))
    assert time.monotonic() - t0 < 60
    names = [r.file for r, _, _ in results]
    assert names == [name for _, name in files]  # input order kept
    by_name = {r.file: (r, b) for r, b, _ in results}
    assert [f.code for f in by_name["lent.xlsx"][0].findings] == ["fichier.delai"]
    assert [f.code for f in by_name["crash.xlsx"][0].findings] == ["fichier.illisible"]
    for p in good:
        result, bilan = by_name[p.name]
        assert result.valid and bilan is not None and bilan.action == p.name.split("_", 1)[1].rsplit("_", 1)[0]


def test_single_worker_also_recovers(ref, tmp_path, monkeypatch):
    good = make_bilan(ref, tmp_path, "ANIM", 2014)
    real = pipeline.read_bilan

    def first_crashes(path, ref, **kw):
        if Path(path).name == "boom.xlsx":
            os._exit(3)
        return real(path, ref, **kw)

    monkeypatch.setattr(pipeline, "read_bilan", first_crashes)
    boom = tmp_path / "boom.xlsx"
    boom.write_bytes(good.read_bytes())
    files = [(boom, "boom.xlsx"), (good, "good.xlsx"), (boom, "boom2")]
    results = list(pipeline.read_many(files, ref, isolate=True, timeout=30, workers=1))
    assert [r.valid for r, _, _ in results] == [False, True, False]
    assert "code 3" in results[0][0].findings[0].message


def test_memory_ceiling_costs_one_file(ref, tmp_path, monkeypatch):
    good = make_bilan(ref, tmp_path, "ANIM", 2014)
    real = pipeline.read_bilan

    def greedy(path, ref, **kw):  # runs in the forked worker, under its ceiling
        if path.name == "python.xlsx":
            return [bytearray(1024**3) for _ in range(4)]  # 4 GB: MemoryError
        if path.name == "rust.xlsx":  # what the Rust reader does when an allocation fails
            os.write(2, b"memory allocation of 2199023255552 bytes failed\n")
            os.abort()
        return real(path, ref, **kw)

    monkeypatch.setattr(pipeline, "read_bilan", greedy)
    for name in ("python.xlsx", "rust.xlsx"):
        (tmp_path / name).write_bytes(good.read_bytes())
    files = [(tmp_path / n, n) for n in ("python.xlsx", "rust.xlsx")] + [(good, "good.xlsx")]
    limits = Limits(max_memory_bytes=512 * 1024 * 1024)
    results = list(pipeline.read_many(files, ref, limits=limits, isolate=True, timeout=60, workers=1))
    for result, _, _ in results[:2]:
        [finding] = result.findings
        assert finding.code == "fichier.trop_gros" and "512 Mo" in finding.message
    assert results[2][0].valid


def test_stray_far_cell_under_a_memory_ceiling(ref, tmp_path):
    good = make_bilan(ref, tmp_path, "ANIM", 2014)
    stray = tmp_path / "loin.xlsx"
    far = b'<row r="1048576"><c r="CV1048576"><v>1</v></c></row></sheetData>'
    stray.write_bytes(rezip(good.read_bytes(), on(INDICATEURS, lambda d: d.replace(b"</sheetData>", far))))
    limits = Limits(max_memory_bytes=300 * 1024 * 1024)
    files = [(stray, "loin.xlsx"), (good, "bon.xlsx")]
    results = list(pipeline.read_many(files, ref, limits=limits, isolate=True, timeout=60, workers=1))
    [finding] = results[0][0].findings
    assert finding.code == "fichier.trop_gros" and "CV1048576" in finding.message
    assert results[1][0].valid


WORKERS_THEN_WAIT = """
import sys, time
from cess_cli.reading import isolation
from cess_cli.reading.isolation import WorkerPool

if sys.argv[1] == "eof":  # no parent-death signal: idle workers must see the end of their pipe
    isolation._die_with_parent = lambda parent: None

def work(x):
    if x == 0:
        time.sleep(3600)  # busy: only the kernel's parent-death signal stops it
    yield x

with WorkerPool(work, lambda *a: None, workers=3, timeout=3600) as pool:
    print(" ".join(str(s.process.pid) for s in pool._slots), flush=True)
    list(pool.map([0] if sys.argv[1] != "eof" else [1]))
    time.sleep(3600)
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True
    return state in ("Z", "X")  # dead, waiting to be reaped by whoever adopted it


@pytest.mark.parametrize(
    ("sig", "how"), [(signal.SIGKILL, "signal"), (signal.SIGTERM, "signal"), (signal.SIGKILL, "eof")]
)
def test_workers_die_with_the_main_process(sig, how):
    main = subprocess.Popen([sys.executable, "-c", WORKERS_THEN_WAIT, how], stdout=subprocess.PIPE, text=True)
    assert main.stdout is not None
    pids = [int(p) for p in main.stdout.readline().split()]
    assert len(pids) == 3 and not any(_gone(p) for p in pids)
    main.send_signal(sig)  # the main process alone, not its group
    main.wait()
    deadline = time.monotonic() + 30  # generous: only a worker left alive for good fails
    while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(p) for p in pids), [p for p in pids if not _gone(p)]


def test_feedback_step_has_its_own_bound_and_leaves_nothing(ref, tmp_path, monkeypatch):
    bad = make_bilan(ref, tmp_path, "ANIM", 2014, edit=lambda wb: set_ind(wb, "evenements", -1))
    real = pipeline.stage_feedback

    def slow(result, source, staging, stem, **kw):  # runs in the worker, after validation
        staged = real(result, source, staging, stem, **kw)
        time.sleep(3600)
        return staged

    monkeypatch.setattr(pipeline, "stage_feedback", slow)
    out = tmp_path / "retours"
    [(result, _, feedback)] = pipeline.read_many([(bad, bad.name)], ref, isolate=True, timeout=2, feedback_dir=out)
    assert [f.code for f in result.findings] == ["valeur.negative"]  # the findings stand
    assert feedback is not None and feedback.text is None and "interrompue après 2 s" in (feedback.problem or "")
    assert list(out.iterdir()) == []  # no text, no workbook, no temporary file


def test_far_cell_only_matters_in_a_sheet_cess_reads(ref, tmp_path):
    """The sheets of the bilan format are streamed for far cells; a sheet cess never reads
    (*Mode d'emploi*, sheet6) is never parsed by any reader, so a stray cell there costs
    nothing and refuses nothing."""
    good = make_bilan(ref, tmp_path)
    far = b'<row r="1048576"><c r="CV1048576"><v>1</v></c></row></sheetData>'
    in_notice = tmp_path / "notice.xlsx"
    in_notice.write_bytes(
        rezip(good.read_bytes(), on("xl/worksheets/sheet6.xml", lambda d: d.replace(b"</sheetData>", far)))
    )
    in_indicators = tmp_path / "indicateurs.xlsx"
    in_indicators.write_bytes(rezip(good.read_bytes(), on(INDICATEURS, lambda d: d.replace(b"</sheetData>", far))))
    limits = Limits(max_memory_bytes=300 * 1024 * 1024)
    files = [(in_notice, "notice.xlsx"), (in_indicators, "indicateurs.xlsx")]
    (notice, _, _), (indicators, _, _) = pipeline.read_many(files, ref, limits=limits, isolate=True, workers=1)
    assert notice.valid and notice.findings == []
    assert [f.code for f in indicators.findings] == ["fichier.trop_gros"]


def test_files_queued_behind_a_lost_one_are_all_read_in_order(ref, tmp_path, monkeypatch):
    """Each worker has the next file waiting in its pipe; when a file kills its worker, the
    files queued behind it go to the fresh worker, none lost, none read twice."""
    good = make_bilan(ref, tmp_path, "ANIM", 2014)
    real = pipeline.read_bilan
    seen = tmp_path / "seen.txt"

    def record(path, ref, **kw):  # runs in the forked worker
        with open(seen, "a", encoding="utf-8") as fh:
            fh.write(Path(path).name + "\n")
        if Path(path).name.startswith("boom"):
            os._exit(3)
        return real(path, ref, **kw)

    monkeypatch.setattr(pipeline, "read_bilan", record)
    names = ["a.xlsx", "boom1.xlsx", "b.xlsx", "c.xlsx", "boom2.xlsx", "d.xlsx", "e.xlsx"]
    for name in names:
        (tmp_path / name).write_bytes(good.read_bytes())
    files = [(tmp_path / n, n) for n in names]
    results = list(pipeline.read_many(files, ref, isolate=True, timeout=60, workers=1))
    assert [r.file for r, _, _ in results] == names
    assert [r.valid for r, _, _ in results] == [not n.startswith("boom") for n in names]
    assert sorted(seen.read_text(encoding="utf-8").split()) == sorted(names)  # each read once
