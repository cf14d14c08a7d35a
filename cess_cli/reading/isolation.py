"""Read bilans in worker processes, so that no single file can take a run down.

python-calamine aborts the whole process (SIGABRT, no Python exception) on some
hostile files — a stray cell at XFD1048576 behind an understated <dimension>,
some zip bombs — and a pathological file could take unbounded time. Each file is
therefore read and validated by a worker process: if the worker dies, the file
gets one `erreur` finding and a new worker takes the next file; if it takes
longer than the time bound, the worker is killed and the file gets a finding.
Results come back in input order. With two workers the two cores share the work.
Feedback for the operator (an annotated copy of the workbook, openpyxl) is written
by the same worker, under the same time bound.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing as mp
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from cess_cli.catalogue import make
from cess_cli.checking.validate import Bilan, read_bilan
from cess_cli.findings import FileResult
from cess_cli.outputs.feedback import Feedback, feedback_stem, write_feedback
from cess_cli.reading.limits import DEFAULT_LIMITS, Limits
from cess_cli.referential.loading import Referential

Target = tuple[str, str] | None  # (feedback folder, file-name stem), or no feedback wanted
Outcome = tuple[FileResult, Bilan | None, Feedback | None]


def _process(path: Path, display: str, ref: Referential, limits: Limits, target: Target) -> Outcome:
    """Read and validate one file; write its feedback when it has findings and it is asked for."""
    result, bilan = read_bilan(path, ref, display=display, limits=limits)
    feedback = None
    if target is not None and result.findings:
        folder, stem = target
        with contextlib.suppress(OSError):  # no feedback file is no reason to lose the findings
            feedback = write_feedback(result, path, Path(folder), stem=stem)
    return result, bilan, feedback


def _worker(conn: Connection, ref: Referential, limits: Limits) -> None:
    # A parser that aborts prints its own (Rust) backtrace: keep it away from the user.
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    while True:
        try:
            task = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if task is None:
            return
        index, path, display, target = task
        conn.send((index, *_process(Path(path), display, ref, limits, target)))


@dataclass
class _Slot:
    process: Any
    conn: Connection
    task: tuple[int, str, str, Target] | None = None
    started: float = 0.0


@dataclass
class IsolatedReader:
    """A small pool of worker processes reading bilans one at a time, each bounded in time."""

    ref: Referential
    limits: Limits = DEFAULT_LIMITS
    timeout: float = 30.0
    workers: int = field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)))

    def __post_init__(self) -> None:
        self._ctx = mp.get_context("fork")
        self._slots: list[_Slot] = []

    def _spawn(self) -> _Slot:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker, args=(child, self.ref, self.limits), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    def __enter__(self) -> IsolatedReader:
        self._slots = [self._spawn() for _ in range(self.workers)]
        return self

    def __exit__(self, *exc: object) -> None:
        for slot in self._slots:
            with contextlib.suppress(OSError, ValueError):
                slot.conn.send(None)
            slot.process.join(timeout=2)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
            slot.conn.close()
        self._slots = []

    def read_all(self, files: Iterable[tuple[Path, str, Target]]) -> Iterator[Outcome]:
        """Read every file; yield (result, bilan, feedback) in input order."""
        pending = iter(enumerate(files))
        done: dict[int, Outcome] = {}
        next_out = 0
        exhausted = False
        while True:
            for slot in self._slots:
                if slot.task is None and not exhausted:
                    try:
                        index, (path, display, target) = next(pending)
                    except StopIteration:
                        exhausted = True
                        break
                    slot.task = (index, str(path), display, target)
                    slot.started = time.monotonic()
                    slot.conn.send(slot.task)
            busy = [s for s in self._slots if s.task is not None]
            if not busy:
                break
            now = time.monotonic()
            wait_for = max(0.0, min(s.started + self.timeout - now for s in busy))
            ready = wait([s.conn for s in busy], timeout=wait_for)
            for slot in busy:
                assert slot.task is not None
                index, _path, display, _target = slot.task
                if slot.conn in ready:
                    try:
                        got = slot.conn.recv()
                    except (EOFError, OSError):
                        done[index] = (self._crashed(display, slot), None, None)
                        self._replace(slot)
                        continue
                    done[index] = (got[1], got[2], got[3])
                    slot.task = None
                elif time.monotonic() - slot.started >= self.timeout:
                    result = FileResult(display)
                    result.findings.append(
                        make("fichier.delai", display, detail=f"lecture interrompue après {self.timeout:g} s")
                    )
                    done[index] = (result, None, None)
                    self._replace(slot)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
        while next_out in done:
            yield done.pop(next_out)
            next_out += 1

    def _crashed(self, display: str, slot: _Slot) -> FileResult:
        slot.process.join(timeout=2)
        code = slot.process.exitcode
        result = FileResult(display)
        result.findings.append(
            make("fichier.illisible", display, detail=f"le lecteur de classeurs s'est arrêté brutalement (code {code})")
        )
        return result

    def _replace(self, slot: _Slot) -> None:
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join()
        slot.conn.close()
        fresh = self._spawn()
        slot.process, slot.conn, slot.task = fresh.process, fresh.conn, None


def read_many(
    files: Iterable[tuple[Path, str]],
    ref: Referential,
    *,
    limits: Limits = DEFAULT_LIMITS,
    isolate: bool = False,
    timeout: float = 30.0,
    feedback_dir: Path | None = None,
) -> Iterator[Outcome]:
    """Read and validate files in order: in this process, or isolated in worker processes.

    With `feedback_dir`, each file with findings also gets its feedback files there."""
    tasks = list(_with_targets(list(files), feedback_dir))
    if not isolate:
        for path, display, target in tasks:
            yield _process(path, display, ref, limits, target)
        return
    with IsolatedReader(ref, limits, timeout) as reader:
        yield from reader.read_all(tasks)


def _with_targets(files: list[tuple[Path, str]], folder: Path | None) -> Iterator[tuple[Path, str, Target]]:
    """Give each file a feedback stem, unique within the folder, in input order."""
    if folder is None:
        for path, display in files:
            yield path, display, None
        return
    folder.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for path, display in files:
        stem = base = feedback_stem(display)
        n = 2
        while stem in used:
            stem, n = f"{base}_{n}", n + 1
        used.add(stem)
        yield path, display, (str(folder), stem)
