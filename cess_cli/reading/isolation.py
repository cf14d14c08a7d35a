"""Run work on files in worker processes, so that no single file can take a run down.

python-calamine aborts the whole process (SIGABRT, no Python exception) on some
hostile files, and a pathological file could take unbounded time or memory. Each
task is therefore run by a worker process:
- bounded in time: a task that overruns its bound has its worker killed;
- bounded in memory: each worker has an address-space ceiling (`RLIMIT_AS`); a task
  that exhausts it (a Python `MemoryError`, or the reader's own "memory allocation
  failed" abort) is reported as such;
- a worker that dies or is killed costs its task only: the `lost` result stands for it
  and a fresh worker takes the next task. Results come back in input order.

A task may go through several steps (`work` yields one result per step: the findings,
then the feedback written): each step has its own time bound, and a task lost in a
later step keeps the result of the steps it finished (`lost(..., partial)`).

No worker outlives its run: each one closes the pipe ends it inherited (so it sees the
end of its pipe when the main process dies), asks the kernel to kill it when its
parent dies (Linux `PR_SET_PDEATHSIG`), ignores Ctrl-C (the main process stops it) and
dies on SIGTERM. This module knows nothing of bilans: `pipeline.py` gives it the work.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import multiprocessing as mp
import os
import resource
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Generic, Literal, TypeVar

from cess_cli.wording import french_number

T = TypeVar("T")
R = TypeVar("R")
LostKind = Literal["delai", "arret", "memoire"]
_PART, _DONE, _FINAL, _MEMORY = "part", "done", "final", "memoire"
DEPTH = 2  # tasks handed to a worker ahead: the next one waits in its pipe, never the worker
_HEADROOM = 128 * 1024 * 1024  # a ceiling is never set below the worker's size at birth + this


def default_workers() -> int:
    """Two workers where there are two cores (the machines cess runs on), one otherwise."""
    return max(1, min(2, os.cpu_count() or 1))


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent dies (Linux), and leave now
    if the parent is already gone."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)


def _vm_size() -> int:
    """This process's address-space size in bytes (0 where /proc is absent)."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _set_memory_ceiling(limit: int | None) -> None:
    if not limit:
        return
    limit = max(limit, _vm_size() + _HEADROOM)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker(
    conn: Connection,
    work: Callable[[T], Iterable[R]],
    inherited: list[int],
    stderr: int,
    memory: int | None,
    parent: int,
) -> None:
    _die_with_parent(parent)
    for fd in inherited:  # the main process's ends of every pipe: EOF when it dies
        with contextlib.suppress(OSError):
            os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A parser that aborts prints its own (Rust) message: keep it from the user, but in a
    # file the main process reads to tell a memory failure from another crash.
    faulthandler.disable()
    os.dup2(stderr, 2)
    _set_memory_ceiling(memory)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if task is None:
            return
        index, payload = task
        with contextlib.suppress(OSError):
            os.ftruncate(2, 0)
            os.lseek(2, 0, os.SEEK_SET)
        try:
            steps = work(payload)
            if isinstance(steps, list | tuple):  # every result known at once: one message
                conn.send((index, _FINAL, steps[-1]))
                continue
            for part in steps:
                conn.send((index, _PART, part))
        except MemoryError:
            with contextlib.suppress(Exception):
                conn.send((index, _MEMORY, None))
            os._exit(1)  # memory may be in a bad state: a fresh worker takes the next task
        conn.send((index, _DONE, None))


@dataclass
class _Slot(Generic[T, R]):
    """One worker, the tasks handed to it (`queue`: the first is running since `started`),
    and the running task's progress (`step`, `partial`: its last finished step)."""

    process: BaseProcess
    conn: Connection
    stderr: int
    queue: deque[tuple[int, T]] = field(default_factory=deque)
    started: float = 0.0
    step: int = 0
    partial: R | None = None


class WorkerPool(Generic[T, R]):
    """A small pool of forked worker processes running `work` on one task at a time.

    `work(task)` yields one result per step; the last one is the task's result (a list
    or tuple instead of a generator says that every result is known at once: only the
    last one crosses the pipe). Up to `DEPTH` tasks wait in each worker's pipe, so that a
    worker never waits for the main process between two files. Step 0
    has `timeout` seconds, each later step `later_timeout` seconds (default: the same),
    each its own budget. `lost(task, kind, detail, partial)` gives the result of a task
    whose worker died (`kind="arret"`, detail: the exit code), exhausted its memory
    ceiling of `memory` bytes (`"memoire"`) or overran its bound (`"delai"`, detail: the
    bound in seconds); `partial` is the result of its last finished step, or None."""

    def __init__(
        self,
        work: Callable[[T], Iterable[R]],
        lost: Callable[[T, LostKind, str, R | None], R],
        *,
        timeout: float = 30.0,
        later_timeout: float | None = None,
        workers: int | None = None,
        memory: int | None = None,
    ) -> None:
        self.work, self.lost, self.timeout = work, lost, timeout
        self.later_timeout = timeout if later_timeout is None else later_timeout
        self.workers = workers or default_workers()
        self.memory = memory
        self._ctx = mp.get_context("fork")
        self._slots: list[_Slot[T, R]] = []

    def _spawn(self, replacing: _Slot[T, R] | None = None) -> _Slot[T, R]:
        parent, child = self._ctx.Pipe()
        with tempfile.TemporaryFile() as stderr:  # anonymous: gone with its last descriptor
            err_fd = os.dup(stderr.fileno())
        inherited = [parent.fileno()]
        for slot in self._slots:
            if slot is not replacing:
                with contextlib.suppress(OSError, ValueError):
                    inherited.append(slot.conn.fileno())
                inherited.append(slot.stderr)
        args = (child, self.work, inherited, err_fd, self.memory, os.getpid())
        process = self._ctx.Process(target=_worker, args=args, daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent, err_fd)

    def __enter__(self) -> WorkerPool[T, R]:
        for _ in range(self.workers):
            self._slots.append(self._spawn())
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        for slot in self._slots:
            if exc_type is None:
                with contextlib.suppress(OSError, ValueError):
                    slot.conn.send(None)
                slot.process.join(timeout=2)
            if slot.process.is_alive():
                slot.process.kill()
            slot.process.join()
            slot.conn.close()
            with contextlib.suppress(OSError):
                os.close(slot.stderr)
        self._slots = []

    def map(self, tasks: Iterable[T]) -> Iterator[R]:
        """Run every task; yield the results in input order."""
        pending = iter(enumerate(tasks))
        done: dict[int, R] = {}
        next_out = 0
        exhausted = False
        while True:
            for slot in self._slots:
                while len(slot.queue) < DEPTH and not exhausted:
                    try:
                        index, task = next(pending)
                    except StopIteration:
                        exhausted = True
                        break
                    self._hand(slot, index, task, done)
            busy = [s for s in self._slots if s.queue]
            if not busy:
                break
            wait_for = max(0.0, min(s.started + self._bound(s) - time.monotonic() for s in busy))
            ready = wait([s.conn for s in busy], timeout=wait_for)
            for slot in busy:
                self._collect(slot, ready, done)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1

    def _bound(self, slot: _Slot[T, R]) -> float:
        return self.timeout if slot.step == 0 else self.later_timeout

    def _hand(self, slot: _Slot[T, R], index: int, task: T, done: dict[int, R]) -> None:
        """Queue a task on a worker; a worker found dead meanwhile is replaced first."""
        for _ in range(2):
            try:
                slot.conn.send((index, task))
            except OSError:
                self._replace(slot)  # what was queued on it is handed to the fresh worker
                continue
            if not slot.queue:
                slot.started, slot.step, slot.partial = time.monotonic(), 0, None
            slot.queue.append((index, task))
            return
        done[index] = self.lost(task, "arret", "le processus de lecture n'a pas pu démarrer", None)

    def _collect(self, slot: _Slot[T, R], ready: Sequence[object], done: dict[int, R]) -> None:
        """Take what a worker sent, or the lost result of a dead or overrunning worker."""
        if slot.conn in ready:
            while slot.queue:
                index = slot.queue[0][0]
                try:
                    _, kind, payload = slot.conn.recv()
                except (EOFError, OSError):
                    slot.process.join(timeout=2)
                    dead: LostKind = "memoire" if self._out_of_memory(slot) else "arret"
                    self._lose(slot, done, dead, str(slot.process.exitcode))
                    return
                if kind == _PART:
                    slot.partial, slot.step, slot.started = payload, slot.step + 1, time.monotonic()
                elif kind == _MEMORY:
                    self._lose(slot, done, "memoire", "")
                    return
                else:
                    result = payload if kind == _FINAL else slot.partial
                    assert result is not None, "work must yield at least one result"
                    done[index] = result
                    slot.queue.popleft()
                    slot.started, slot.step, slot.partial = time.monotonic(), 0, None
                if not slot.conn.poll():
                    return
        elif time.monotonic() - slot.started >= self._bound(slot):
            self._lose(slot, done, "delai", french_number(self._bound(slot)))

    def _lose(self, slot: _Slot[T, R], done: dict[int, R], kind: LostKind, detail: str) -> None:
        """The running task's lost result; a fresh worker takes the tasks queued behind it."""
        index, task = slot.queue.popleft()
        done[index] = self.lost(task, kind, detail, slot.partial)
        self._replace(slot)

    @staticmethod
    def _out_of_memory(slot: _Slot[T, R]) -> bool:
        """Whether a dead worker said it could not allocate memory (Rust's abort message)."""
        try:
            said = os.pread(slot.stderr, 4096, 0)
        except OSError:
            return False
        return b"memory allocation of" in said or b"MemoryError" in said

    def _replace(self, slot: _Slot[T, R]) -> None:
        """A fresh worker in the slot; the tasks that were queued on the old one, not yet
        begun, are handed to the new one."""
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join()
        slot.conn.close()
        with contextlib.suppress(OSError):
            os.close(slot.stderr)
        fresh = self._spawn(replacing=slot)
        slot.process, slot.conn, slot.stderr = fresh.process, fresh.conn, fresh.stderr
        slot.partial, slot.step, slot.started = None, 0, time.monotonic()
        for index, task in slot.queue:
            slot.conn.send((index, task))
