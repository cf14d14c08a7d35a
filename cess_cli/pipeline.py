"""Files -> findings, content and feedback: read and check every file once, in isolated workers.

This is where the steps meet: the files a run reads (reading/files.py), the worker
processes that bound each file in time and memory (reading/isolation.py), the checks
(checking/), the feedback for operators (outputs/feedback.py), and the decision of
which bilans count (consolidation/sources.py). `validate_paths` serves
`cess validate`; `collect` serves `consolidate`, `status`, `rapport` and `batch`.

Each file is one task in two steps, each with its own time bound: validation (whose
findings stand whatever happens next), then, for a file with findings, its feedback,
written by the worker into a private staging folder and published by this process
(so a worker killed mid-write never leaves a file behind).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Generator, Iterable, Iterator
from datetime import date
from pathlib import Path

from cess_cli.catalogue import CATALOGUE, make
from cess_cli.checking.bilan import Bilan
from cess_cli.checking.validate import read_bilan
from cess_cli.consolidation.sources import Collection, Source, select
from cess_cli.findings import FileResult, Finding, Report, Severity
from cess_cli.outputs.atomic import TMP_PREFIX, TMP_SUFFIX, os_error_text, remove_stale_temporaries
from cess_cli.outputs.feedback import (
    Feedback,
    feedback_names,
    feedback_stem,
    publish_feedback,
    stage_feedback,
    supersede_feedback,
)
from cess_cli.reading.files import Scan, scan_bilan_files
from cess_cli.reading.isolation import LostKind, WorkerPool
from cess_cli.reading.limits import DEFAULT_LIMITS, Limits
from cess_cli.referential.loading import Referential

Target = tuple[str, str] | None  # (staging folder, file-name stem), or no feedback wanted
Task = tuple[Path, str, Target]  # (path, name shown to the user, feedback target)
Outcome = tuple[FileResult, Bilan | None, Feedback | None]

MAX_PER_CODE = 50  # findings of one code listed per file; the others are summed up in one line
MAX_PER_FILE = 500  # findings listed per file (the first of each code always is)


def process_file(ref: Referential, limits: Limits, task: Task) -> Iterable[Outcome]:
    """Read and check one file (first result), then, when it has findings and feedback is
    asked for, stage its feedback (second result, a step of its own). Runs in a worker.
    Without a feedback step the single result is returned as a list (one message)."""
    path, display, target = task
    result, bilan = read_bilan(path, ref, display=display, limits=limits)
    cap_findings(result)
    if target is None or not result.for_the_operator:
        return [(result, bilan, None)]
    return _with_feedback(result, bilan, path, target, limits)


def _with_feedback(
    result: FileResult, bilan: Bilan | None, path: Path, target: tuple[str, str], limits: Limits
) -> Iterator[Outcome]:
    yield result, bilan, None  # the findings stand whatever the feedback step does
    staging, stem = target
    staged = stage_feedback(result, path, Path(staging), stem, max_bytes=limits.max_file_bytes)
    yield result, bilan, staged


def cap_findings(result: FileResult, per_code: int = MAX_PER_CODE, per_file: int = MAX_PER_FILE) -> None:
    """Keep a flood of findings usable (README *Limits*): at most `per_code` findings of one
    code and `per_file` in all (the first of each code is always kept); the rest of each
    code becomes one summary line after its last kept finding, « … et 9 950 autres
    constats du même type », whose `count` keeps the totals right."""
    if len(result.findings) <= per_code:
        return
    kept: list[Finding] = []
    seen: Counter[str] = Counter()
    left: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        seen[f.code] += 1
        if seen[f.code] == 1 or (seen[f.code] <= per_code and len(kept) < per_file):
            kept.append(f)
        else:
            left[f.code].append(f)
    if not left:
        return
    last = {f.code: i for i, f in enumerate(kept)}
    out: list[Finding] = []
    for i, f in enumerate(kept):
        out.append(f)
        if last[f.code] == i and f.code in left:
            out.append(_summary(left[f.code]))
    result.findings = out


def _summary(rest: list[Finding]) -> Finding:
    first = rest[0]
    n = sum(f.count for f in rest)
    sheets = {f.sheet for f in rest}
    number = f"{n:,}".replace(",", "\u202f")
    message = f"… et {number} autres constats du même type, non détaillés ici."
    sheet = sheets.pop() if len(sheets) == 1 else None
    return Finding(first.code, first.severity, first.file, sheet, None, message, "", n)


def _lost(limits: Limits, task: Task, kind: LostKind, detail: str, partial: Outcome | None) -> Outcome:
    """A file whose worker died, ran out of memory or overran its time bound: one `erreur`
    finding; or, when only its feedback was lost, its findings and the reason."""
    display = task[1]
    mb = limits.max_memory_bytes // (1024 * 1024)
    if partial is not None:
        result, bilan, _ = partial
        reason = {
            "delai": f"écriture du retour interrompue après {detail} s",
            "memoire": f"l'écriture du retour demande plus de mémoire que la limite de {mb} Mo par processus",
            "arret": f"le processus s'est arrêté brutalement pendant l'écriture du retour (code {detail})",
        }[kind]
        return result, bilan, Feedback(display, None, None, f"retour non écrit : {reason}")
    result = FileResult(display)
    if kind == "delai":
        result.findings.append(make("fichier.delai", display, detail=f"lecture interrompue après {detail} s"))
    elif kind == "memoire":
        why = f"sa lecture demande plus de mémoire que la limite de {mb} Mo par processus"
        result.findings.append(make("fichier.trop_gros", display, detail=why))
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
) -> Generator[Outcome, None, None]:
    """Read and check files (path, name shown), in order: in this process, or isolated in
    worker processes (`isolate`: a crash, an overrun or an exhausted memory ceiling costs
    that file one finding).

    With `feedback_dir`, each file with findings also gets its feedback files there
    (never replacing a file; `Feedback.problem` says what could not be written)."""
    files = list(files)
    staging: Path | None = None
    refused: str | None = None
    if feedback_dir is not None:
        made = _staging(feedback_dir)
        staging, refused = (made, None) if isinstance(made, Path) else (None, made)
    tasks: list[Task] = list(_with_targets(files, feedback_dir, staging))
    try:
        for result, bilan, feedback in _run(tasks, ref, limits, isolate, timeout, workers):
            if refused is not None and result.findings:
                feedback = Feedback(result.file, None, None, refused)
            elif feedback is not None and feedback_dir is not None:
                feedback = publish_feedback(feedback, feedback_dir)
            yield result, bilan, feedback
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _run(
    tasks: list[Task], ref: Referential, limits: Limits, isolate: bool, timeout: float, workers: int | None
) -> Iterator[Outcome]:
    def work(task: Task) -> Iterable[Outcome]:
        return process_file(ref, limits, task)

    def lost(task: Task, kind: LostKind, detail: str, partial: Outcome | None) -> Outcome:
        return _lost(limits, task, kind, detail, partial)

    if not isolate:
        for task in tasks:
            *_, last = work(task)
            yield last
        return
    pool = WorkerPool(work, lost, timeout=timeout, workers=workers, memory=limits.max_memory_bytes)
    with pool:
        yield from pool.map(tasks)


def _staging(folder: Path) -> Path | str:
    """A private folder inside `folder` where workers write feedback before it is published
    (same file system, so publishing is a link); a French reason when it cannot be made."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(folder)
        return Path(tempfile.mkdtemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=folder))
    except OSError as exc:
        return f"retour non écrit : {os_error_text(exc)}"


def _with_targets(files: list[tuple[Path, str]], folder: Path | None, staging: Path | None) -> Iterator[Task]:
    """Give each file a feedback stem, unique within the run and free in the folder (no file
    of its names exists there: cess never replaces a file it did not write), in input order."""
    if folder is None or staging is None:
        for path, display in files:
            yield path, display, None
        return
    used: set[str] = set()
    for path, display in files:
        stem = base = feedback_stem(display)
        n = 2
        while stem in used or any(p.exists() or p.is_symlink() for p in feedback_names(folder, stem)):
            stem, n = f"{base}_{n}", n + 1
        used.add(stem)
        yield path, display, (str(staging), stem)


def iter_files(
    paths: Iterable[Path],
    ref: Referential,
    *,
    limits: Limits = DEFAULT_LIMITS,
    isolate: bool = False,
    timeout: float = 30.0,
    feedback_dir: Path | None = None,
) -> Iterator[tuple[FileResult, Feedback | None]]:
    """Validate files and folders, yielding each file's result (and its feedback, when
    it has findings and `feedback_dir` is given) as soon as it is known, in input order;
    then one `dossier.illisible` result per folder that could not be read. `cess
    validate` prints each file while the workers read the next ones."""
    paths = list(paths)
    explicit = set(paths)
    scan = scan_bilan_files(paths)
    with contextlib.closing(
        read_many(scan.files, ref, limits=limits, isolate=isolate, timeout=timeout, feedback_dir=feedback_dir)
    ) as results:
        for (path, _), (result, _, fb) in zip(scan.files, results, strict=True):
            yield (named_explicitly(result) if path in explicit else result), fb
    for _, display, reason in scan.unreadable:
        yield folder_result(display, reason), None


def validate_files(
    paths: Iterable[Path],
    ref: Referential,
    *,
    limits: Limits = DEFAULT_LIMITS,
    isolate: bool = False,
    timeout: float = 30.0,
    feedback_dir: Path | None = None,
) -> tuple[Report, list[Feedback]]:
    """`validate_paths`, with the feedback of each file that has findings: what was written
    and, in `Feedback.problem`, what could not be (never counted as written)."""
    report = Report()
    feedback: list[Feedback] = []
    for result, fb in iter_files(
        paths, ref, limits=limits, isolate=isolate, timeout=timeout, feedback_dir=feedback_dir
    ):
        report.files.append(result)
        if fb is not None:
            feedback.append(fb)
    return report, feedback


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

    With `isolate`, files are read in worker processes: a file that crashes the reader,
    exceeds `timeout` seconds or its memory ceiling gets a finding, the others go on. A
    folder that cannot be read is one `dossier.illisible` finding. With `feedback_dir`,
    every file with findings gets its feedback files there. Never raises for a bad file."""
    report, _ = validate_files(paths, ref, limits=limits, isolate=isolate, timeout=timeout, feedback_dir=feedback_dir)
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


def folder_result(display: str, reason: str) -> FileResult:
    """A folder of bilans that could not be read: one `dossier.illisible` finding."""
    return FileResult(display, [make("dossier.illisible", display, detail=reason)])


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
    Returns the `Collection`: one `Source` per file (never dropped) and per folder that
    could not be read, the content of the valid bilans, the conflicts, and the feedback
    (`Feedback.problem` set where it could not be written)."""
    coll = Collection()
    paths = list(paths)
    explicit = set(paths)
    written: dict[str, Feedback] = {}
    scan = scan_bilan_files(paths, exclude)
    files = scan.files
    # closed at once on an interruption: the workers are stopped before anyone cleans up
    with contextlib.closing(
        read_many(files, ref, limits=limits, isolate=isolate, timeout=timeout, feedback_dir=feedback_dir)
    ) as results:
        for i, ((path, display), (result, bilan, feedback)) in enumerate(zip(files, results, strict=True), start=1):
            if path in explicit:
                result = named_explicitly(result)
            if feedback is not None:
                written[display] = feedback
            if on_file is not None:
                on_file(i, len(files), result, path)
            coll.sources.append(_source(path, display, result, ref.periode))
            if bilan is not None:
                coll.bilans[display] = bilan
    folders = _unreadable_sources(scan)
    coll.sources += folders
    select(coll)
    for s in folders:
        s.motif = "dossier illisible : les bilans qu'il contient ne sont pas lus"
    coll.feedback = [_after_selection(s, written[s.file]) for s in coll.sources if s.file in written]
    return coll


def _source(path: Path, display: str, result: FileResult, periode: Container[int] = ()) -> Source:
    identified = result.action is not None and result.annee in periode
    return Source(
        path=path,
        file=display,
        sha256=result.sha256,  # None for what was refused unread (a 32 GB file is never hashed)
        action=result.action,
        annee=result.annee,
        version=result.version if result.action is not None and result.annee is not None else None,
        date_transmission=result.date_transmission if isinstance(result.date_transmission, date) else None,
        erreurs=result.errors,
        avertissements=result.warnings,
        findings=result.findings,
        statut=_status(result, identified),
    )


def _status(result: FileResult, identified: bool) -> str:
    """« illisible » only for a file (or folder) that could not be read as a workbook or is no
    bilan (a `fichier.*` or `dossier.*` erreur); a file that was read but not identified — a
    year outside the contract, an unknown action code, a blank code, an unknown template
    version — is « invalide », and its motif says why (`sources.select`)."""
    if result.ignored:
        return "ignoré"
    if result.valid:
        return "valide"
    unread = any(
        f.severity is Severity.ERREUR and f.code.split(".")[0] in ("fichier", "dossier") for f in result.findings
    )
    return "invalide" if identified or not unread else "illisible"


def _after_selection(s: Source, feedback: Feedback) -> Feedback:
    """A superseded version's feedback says it was replaced; it asks for no correction."""
    if s.raison != "remplace" or s.remplace_par is None or feedback.text is None:
        return feedback
    with contextlib.suppress(OSError):  # the original feedback stays rather than none
        return supersede_feedback(feedback, s.file, s.action, s.annee, s.version or 1, s.remplace_par)
    return feedback


def _unreadable_sources(scan: Scan) -> list[Source]:
    out = []
    for path, display, reason in scan.unreadable:
        out.append(_source(path, display, folder_result(display, reason)))
    return out
