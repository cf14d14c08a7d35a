"""Files -> findings, content and feedback: read and check every file once, in isolated workers.

This is where the steps meet: the files a run reads (reading/files.py), the worker
processes that bound each file in time (reading/isolation.py), the checks
(checking/), the feedback for operators (outputs/feedback.py), and the decision of
which bilans count (consolidation/sources.py). `validate_paths` serves
`cess validate`; `collect` serves `consolidate`, `status`, `rapport` and `batch`.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

from cess_cli.catalogue import CATALOGUE, make
from cess_cli.checking.bilan import Bilan
from cess_cli.checking.validate import read_bilan
from cess_cli.consolidation.sources import Collection, Source, select
from cess_cli.findings import FileResult, Report
from cess_cli.outputs.atomic import file_sha256
from cess_cli.outputs.feedback import Feedback, feedback_stem, write_feedback
from cess_cli.reading.files import iter_bilan_files
from cess_cli.reading.isolation import LostKind, WorkerPool
from cess_cli.reading.limits import DEFAULT_LIMITS, Limits
from cess_cli.referential.loading import Referential

Target = tuple[str, str] | None  # (feedback folder, file-name stem), or no feedback wanted
Task = tuple[Path, str, Target]  # (path, name shown to the user, feedback target)
Outcome = tuple[FileResult, Bilan | None, Feedback | None]


def process_file(ref: Referential, limits: Limits, task: Task) -> Outcome:
    """Read and check one file; write its feedback when it has findings and it is asked for."""
    path, display, target = task
    result, bilan = read_bilan(path, ref, display=display, limits=limits)
    feedback = None
    if target is not None and result.findings and not result.ignored:
        folder, stem = target
        with contextlib.suppress(OSError):  # no feedback file is no reason to lose the findings
            feedback = write_feedback(result, path, Path(folder), stem=stem)
    return result, bilan, feedback


def _lost(task: Task, kind: LostKind, detail: str) -> Outcome:
    """A file whose worker died or overran its time bound: one `erreur` finding."""
    display = task[1]
    result = FileResult(display)
    if kind == "delai":
        result.findings.append(make("fichier.delai", display, detail=f"lecture interrompue après {detail} s"))
    else:
        reason = f"le lecteur de classeurs s'est arrêté brutalement (code {detail})"
        result.findings.append(make("fichier.illisible", display, detail=reason))
    return result, None, None


def read_many(
    files: Iterable[tuple[Path, str]],
    ref: Referential,
    *,
    limits: Limits = DEFAULT_LIMITS,
    isolate: bool = False,
    timeout: float = 30.0,
    feedback_dir: Path | None = None,
    workers: int | None = None,
) -> Iterator[Outcome]:
    """Read and check files (path, name shown), in order: in this process, or isolated in
    worker processes (`isolate`: a crash or an overrun costs that file one finding).

    With `feedback_dir`, each file with findings also gets its feedback files there."""
    tasks = list(_with_targets(list(files), feedback_dir))

    def work(task: Task) -> Outcome:
        return process_file(ref, limits, task)

    if not isolate:
        yield from map(work, tasks)
        return
    with WorkerPool(work, _lost, timeout=timeout, workers=workers) as pool:
        yield from pool.map(tasks)


def _with_targets(files: list[tuple[Path, str]], folder: Path | None) -> Iterator[Task]:
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


def validate_paths(
    paths: Iterable[Path],
    ref: Referential,
    *,
    limits: Limits = DEFAULT_LIMITS,
    isolate: bool = False,
    timeout: float = 30.0,
    feedback_dir: Path | None = None,
) -> Report:
    """Validate files and folders (recursively, spreadsheet files), one file at a time (SPEC §5, §7).

    With `isolate`, files are read in worker processes: a file that crashes the reader
    or exceeds `timeout` seconds gets a finding, the others go on. With `feedback_dir`,
    every file with findings gets its feedback files there. Never raises for a bad file."""
    report = Report()
    paths = list(paths)
    explicit = set(paths)
    files = list(iter_bilan_files(paths))
    results = read_many(files, ref, limits=limits, isolate=isolate, timeout=timeout, feedback_dir=feedback_dir)
    for (path, _), (result, _, _) in zip(files, results, strict=True):
        report.files.append(named_explicitly(result) if path in explicit else result)
    return report


def named_explicitly(result: FileResult) -> FileResult:
    """A file named on the command line is meant as a bilan: what would be listed as
    ignored in a folder (a PDF, a note) is an `erreur` there (README `cess validate`)."""
    if not result.ignored:
        return result
    head, tail = CATALOGUE["fichier.non_classeur"][1].split("{detail}")
    result.findings = [
        make("fichier.pas_un_classeur", f.file, detail=f.message.removeprefix(head).removesuffix(tail))
        if f.code == "fichier.non_classeur"
        else f
        for f in result.findings
    ]
    return result


def _sha_of(path: Path) -> str | None:
    """SHA-256 of a regular file refused before it was read (over the size limit)."""
    try:
        return file_sha256(path) if stat.S_ISREG(os.lstat(path).st_mode) else None
    except OSError:
        return None


def collect(
    paths: Iterable[Path],
    ref: Referential,
    *,
    limits: Limits = DEFAULT_LIMITS,
    isolate: bool = False,
    timeout: float = 30.0,
    on_file: Callable[[int, int, FileResult, Path], None] | None = None,
    exclude: Iterable[Path] = (),
    feedback_dir: Path | None = None,
) -> Collection:
    """Read and validate every bilan file once, then decide which ones count (SPEC §6).

    `on_file(done, total, result, path)` is called after each file (progress, logs).
    Returns the `Collection`: one `Source` per file (never dropped), the content of the
    valid bilans, the conflicts, and the feedback files written."""
    coll = Collection()
    paths = list(paths)
    explicit = set(paths)
    files = list(iter_bilan_files(paths, exclude))
    results = read_many(files, ref, limits=limits, isolate=isolate, timeout=timeout, feedback_dir=feedback_dir)
    for i, ((path, display), (result, bilan, feedback)) in enumerate(zip(files, results, strict=True), start=1):
        if path in explicit:
            result = named_explicitly(result)
        if feedback is not None:
            coll.feedback.append(feedback)
        if on_file is not None:
            on_file(i, len(files), result, path)
        identified = result.action is not None and result.annee is not None
        coll.sources.append(
            Source(
                path=path,
                file=display,
                sha256=result.sha256 or _sha_of(path),
                action=result.action,
                annee=result.annee,
                version=result.version if identified else None,
                date_transmission=result.date_transmission if isinstance(result.date_transmission, date) else None,
                erreurs=result.errors,
                avertissements=result.warnings,
                findings=result.findings,
                statut=_status(result, identified),
            )
        )
        if bilan is not None:
            coll.bilans[display] = bilan
    select(coll)
    return coll


def _status(result: FileResult, identified: bool) -> str:
    if result.ignored:
        return "ignoré"
    if result.valid:
        return "valide"
    return "invalide" if identified else "illisible"
