"""Run work on files in worker processes, so that no single file can take a run down.

python-calamine aborts the whole process (SIGABRT, no Python exception) on some
hostile files — a stray cell at XFD1048576 behind an understated <dimension>,
some zip bombs — and a pathological file could take unbounded time. Each task is
therefore run by a worker process: if the worker dies, the task's `lost` result
stands for it and a new worker takes the next task; if it takes longer than the
time bound, the worker is killed the same way. Results come back in input order.
With two workers the two cores share the work.

This module knows nothing of bilans: `pipeline.py` gives it the work to do (read,
check, write feedback) and what a lost file becomes (one `erreur` finding).
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Generic, Literal, TypeVar

from cess_cli.wording import french_number

T = TypeVar("T")
R = TypeVar("R")
LostKind = Literal["delai", "arret"]


def default_workers() -> int:
    """Two workers where there are two cores (the machines cess runs on), one otherwise."""
    return max(1, min(2, os.cpu_count() or 1))


def _worker(conn: Connection, work: Callable[[T], R]) -> None:
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
        index, payload = task
        conn.send((index, work(payload)))


@dataclass
class _Slot(Generic[T]):
    process: BaseProcess
    conn: Connection
    index: int | None = None
    task: T | None = None
    started: float = 0.0


class WorkerPool(Generic[T, R]):
    """A small pool of forked worker processes running `work` on one task at a time.

    `lost(task, kind, detail)` gives the result of a task whose worker died
    (`kind="arret"`, detail: the exit code) or overran `timeout` seconds
    (`kind="delai"`, detail: the bound); the run goes on with a fresh worker."""

    def __init__(
        self,
        work: Callable[[T], R],
        lost: Callable[[T, LostKind, str], R],
        *,
        timeout: float = 30.0,
        workers: int | None = None,
    ) -> None:
        self.work, self.lost, self.timeout = work, lost, timeout
        self.workers = workers or default_workers()
        self._ctx = mp.get_context("fork")
        self._slots: list[_Slot[T]] = []

    def _spawn(self) -> _Slot[T]:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker, args=(child, self.work), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    def __enter__(self) -> WorkerPool[T, R]:
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

    def map(self, tasks: Iterable[T]) -> Iterator[R]:
        """Run every task; yield the results in input order."""
        pending = iter(enumerate(tasks))
        done: dict[int, R] = {}
        next_out = 0
        exhausted = False
        while True:
            for slot in self._slots:
                if slot.index is None and not exhausted:
                    try:
                        slot.index, slot.task = next(pending)
                    except StopIteration:
                        exhausted = True
                        break
                    slot.started = time.monotonic()
                    slot.conn.send((slot.index, slot.task))
            busy = [s for s in self._slots if s.index is not None]
            if not busy:
                break
            wait_for = max(0.0, min(s.started + self.timeout - time.monotonic() for s in busy))
            ready = wait([s.conn for s in busy], timeout=wait_for)
            for slot in busy:
                self._collect(slot, ready, done)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1

    def _collect(self, slot: _Slot[T], ready: Sequence[object], done: dict[int, R]) -> None:
        """Take a finished slot's result, or the lost result of a dead or overrunning worker."""
        index, task = slot.index, slot.task
        assert index is not None and task is not None
        if slot.conn in ready:
            try:
                _, result = slot.conn.recv()
            except (EOFError, OSError):
                slot.process.join(timeout=2)
                done[index] = self.lost(task, "arret", str(slot.process.exitcode))
                self._replace(slot)
                return
            done[index] = result
            slot.index, slot.task = None, None
        elif time.monotonic() - slot.started >= self.timeout:
            done[index] = self.lost(task, "delai", french_number(self.timeout))
            self._replace(slot)

    def _replace(self, slot: _Slot[T]) -> None:
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join()
        slot.conn.close()
        fresh = self._spawn()
        slot.process, slot.conn, slot.index, slot.task = fresh.process, fresh.conn, None, None
