"""The report's charts, and drawing them together on every core.

matplotlib draws one chart at a time in one process (about 0.07 s a chart; the report of a
period has 17), while the machine's second core waits. So the view asks for its charts
inside `drawn_together()`: each chart function decorated with `deferrable` then returns an
empty `Chart` at once, and when the block ends every chart is drawn by the same function
with the same arguments in the worker processes of `reading.isolation` (two where there
are two cores), then filled in. The SVG is the same, byte for byte, as a chart drawn at
once (ids are salted with the chart's id, never with a process's state). A chart whose
worker dies or overruns its bound is drawn in this process instead, as before. Outside
`drawn_together()` a chart is drawn at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec

from cess_cli.reading.isolation import LostKind, WorkerPool, default_workers

P = ParamSpec("P")
DRAW_SECONDS = 120.0  # a chart takes well under a second; a worker stuck past this is replaced


@dataclass
class Chart:
    """An inline SVG chart: `svg` (markup for an HTML page), `title` and `alt` (the same
    figures in words, for readers who cannot see the chart). Empty until drawn when it was
    asked for inside `drawn_together()`."""

    svg: str
    title: str
    alt: str


Job = tuple[Callable[..., Chart], tuple[Any, ...], dict[str, Any]]
_ASKED: ContextVar[list[tuple[Chart, Job]] | None] = ContextVar("cess_report_charts", default=None)


def deferrable(draw: Callable[P, Chart]) -> Callable[P, Chart]:
    """`draw` itself outside `drawn_together()`; inside it, an empty `Chart` that is filled in
    when the block ends. `draw` must be a module-level function (a worker finds it by name)."""

    @functools.wraps(draw)
    def asked(*args: P.args, **kwargs: P.kwargs) -> Chart:
        batch = _ASKED.get()
        if batch is None:
            return draw(*args, **kwargs)
        chart = Chart("", "", "")
        batch.append((chart, (asked, args, kwargs)))
        return chart

    return asked


@contextmanager
def drawn_together(workers: int | None = None) -> Iterator[None]:
    """Charts asked for inside the block are drawn when it ends, `workers` at a time (by
    default one per core, at most two); with one worker, or one chart, in this process.
    When the block raises, nothing is drawn."""
    batch: list[tuple[Chart, Job]] = []
    token = _ASKED.set(batch)
    try:
        yield
    finally:
        _ASKED.reset(token)
    for (chart, _), drawn in zip(batch, draw_all([job for _, job in batch], workers), strict=True):
        chart.svg, chart.title, chart.alt = drawn.svg, drawn.title, drawn.alt


def draw_all(jobs: list[Job], workers: int | None = None) -> list[Chart]:
    """Each job's chart, in the jobs' order: in worker processes when there are several
    jobs and `workers` (default: `default_workers()`) is more than one."""
    count = min(len(jobs), workers or default_workers())
    if count < 2:
        return [_draw(job)[0] for job in jobs]
    pool: WorkerPool[Job, Chart] = WorkerPool(_draw, _draw_here, timeout=DRAW_SECONDS, workers=count)
    with pool:
        return list(pool.map(jobs))


def _draw(job: Job) -> list[Chart]:
    draw, args, kwargs = job
    return [draw(*args, **kwargs)]  # a list: the result crosses the pipe in one message


def _draw_here(job: Job, _kind: LostKind, _detail: str, _partial: Chart | None) -> Chart:
    """A chart whose worker was lost is drawn in this process (as every chart once was)."""
    return _draw(job)[0]
