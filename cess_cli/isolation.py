"""Read bilans in worker processes, so that no single file can take a run down.

python-calamine aborts the whole process (SIGABRT, no Python exception) on some
hostile files — a stray cell at XFD1048576 behind an understated <dimension>,
some zip bombs — and a pathological file could take unbounded time. Each file is
therefore read and validated by a worker process: if the worker dies, the file
gets one `erreur` finding and a new worker takes the next file; if it takes
longer than the time bound, the worker is killed and the file gets a finding.
Results come back in input order. With two workers the two cores share the work.
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

from .findings import FileResult, make
from .referential import Referential
from .validate import Bilan, read_bilan
from .workbook import DEFAULT_LIMITS, Limits


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
        index, path, display = task
        conn.send((index, *read_bilan(Path(path), ref, display=display, limits=limits)))


@dataclass
class _Slot:
    process: Any
    conn: Connection
    task: tuple[int, str, str] | None = None
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

    def read_all(self, files: Iterable[tuple[Path, str]]) -> Iterator[tuple[FileResult, Bilan | None]]:
        """Read every file; yield (result, bilan) in input order."""
        pending = iter(enumerate(files))
        done: dict[int, tuple[FileResult, Bilan | None]] = {}
        next_out = 0
        exhausted = False
        while True:
            for slot in self._slots:
                if slot.task is None and not exhausted:
                    try:
                        index, (path, display) = next(pending)
                    except StopIteration:
                        exhausted = True
                        break
                    slot.task = (index, str(path), display)
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
                index, _path, display = slot.task
                if slot.conn in ready:
                    try:
                        got = slot.conn.recv()
                    except (EOFError, OSError):
                        done[index] = (self._crashed(display, slot), None)
                        self._replace(slot)
                        continue
                    done[index] = (got[1], got[2])
                    slot.task = None
                elif time.monotonic() - slot.started >= self.timeout:
                    result = FileResult(display)
                    result.findings.append(
                        make("fichier.delai", display, detail=f"lecture interrompue après {self.timeout:g} s")
                    )
                    done[index] = (result, None)
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
) -> Iterator[tuple[FileResult, Bilan | None]]:
    """Read and validate files in order: in this process, or isolated in worker processes."""
    if not isolate:
        for path, display in files:
            yield read_bilan(path, ref, display=display, limits=limits)
        return
    with IsolatedReader(ref, limits, timeout) as reader:
        yield from reader.read_all(files)
