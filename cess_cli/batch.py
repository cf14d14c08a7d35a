"""The unattended pre-COPIL run (SPEC §8): validate every bilan once, write feedback,
consolidate each year and the period, and leave a run folder with a manifest.

Safety of the run itself:
- one run at a time: an exclusive POSIX lock (`lockf`) on `<out>/.cess-batch.lock`;
  the kernel drops it when a run dies, so a lock left by a crashed run is recovered;
- a run builds `<out>/runs/.<stamp>.partial/`, renames it to `<out>/runs/<stamp>/`
  only once everything is written, and only then moves the `latest` symbolic link
  (itself replaced atomically): a run killed at any moment, SIGKILL included, leaves
  the previous runs and `latest` whole, and the next run cleans the partial folder;
- every file is written to a temporary file and moved into place;
- the same inputs give the same figures and the same manifest, timestamps aside
  (workbooks are saved reproducibly).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cess_cli import __version__
from cess_cli.cli.render import clean
from cess_cli.config import Config
from cess_cli.consolidation.evaluation import consolidate
from cess_cli.consolidation.shared import period_label
from cess_cli.consolidation.sources import Collection
from cess_cli.findings import CessError, FileResult, Severity
from cess_cli.outputs.atomic import file_sha256, write_text_atomic
from cess_cli.outputs.evaluation_workbook import write_evaluation
from cess_cli.outputs.tidy_csv import write_tidy_csv
from cess_cli.pipeline import collect
from cess_cli.referential.loading import Referential
from cess_cli.wording import french_number

LOCK_NAME = ".cess-batch.lock"


class BatchLocked(CessError):
    """Another batch holds the lock."""


@dataclass
class BatchResult:
    run_dir: Path
    exit_code: int
    manifest: dict[str, Any]
    collection: Collection
    timings: dict[str, float]


Progress = Callable[[int, int, str, str], None]  # (done, total, file, status)


@contextlib.contextmanager
def batch_lock(out: Path, log: Callable[[str], None]) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            # a POSIX record lock: held by this process only (worker processes forked later
            # do not inherit it) and dropped by the kernel when the process dies
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "inconnue"
            raise BatchLocked(
                f"Un autre « cess batch » est déjà en cours sur {out} ({holder}). Attendez qu'il se termine."
            ) from None
        previous = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        if previous:
            log(f"Verrou laissé par une exécution interrompue ({previous}) : repris.")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, démarré le {datetime.now():%d/%m/%Y à %H:%M:%S}".encode(), 0)
        os.fsync(fd)
        yield
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the lock


def run_batch(
    cfg: Config,
    ref: Referential,
    *,
    progress: Progress | None = None,
    say: Callable[[str], None] | None = None,
    now: datetime | None = None,
    feedback: bool = True,
) -> BatchResult:
    """The whole unattended run (SPEC §8): validate every bilan of `cfg.bilans` once, write
    feedback, consolidate each year and the period, and publish a run folder under
    `cfg.sortie/runs/` with its manifest and log, then move `latest` to it.

    Returns the `BatchResult` (run folder, exit code 0/1, manifest, timings in seconds).
    Raises `BatchLocked` when another batch holds the lock and `CessError` on a bad
    configuration (both exit 2). `feedback=False` skips the operators' feedback
    (benchmarks only)."""
    bilans = cfg.bilans
    if not bilans.is_dir():
        raise CessError(f"Dossier des bilans introuvable : {bilans} (option --bilans ou clé « bilans » de cess.toml).")
    out = cfg.sortie
    started = now or datetime.now()
    lines: list[str] = []

    def log(message: str) -> None:
        line = f"{datetime.now():%Y-%m-%d %H:%M:%S} {clean(message)}"
        lines.append(line)
        if say is not None:
            say(clean(message))

    with batch_lock(out, log):
        work, stamp = _start_run(out / "runs", started, log)
        t0 = time.monotonic()
        log(f"cess {__version__} — exécution {stamp} ; bilans : {bilans} ; référentiel : {ref.folder}")

        def on_file(i: int, total: int, result: FileResult, path: Path) -> None:
            status = "valide" if result.valid else f"{result.errors} erreur(s)"
            if result.ignored:
                status = "ignoré — " + result.findings[0].message.removeprefix("Fichier ignoré : ").rstrip(".")
            if result.warnings:
                status += f", {result.warnings} avertissement(s)"
            log(f"[{i}/{total}] {Path(result.file).name} : {status}")
            if progress is not None:
                progress(i, total, result.file, status)

        coll = collect(
            [bilans],
            ref,
            limits=cfg.limits(),
            isolate=True,
            timeout=cfg.limites.secondes_par_fichier,
            on_file=on_file,
            exclude=[out],
            feedback_dir=(work / "retours") if feedback else None,
        )
        (work / "retours").mkdir(exist_ok=True)
        timings = {"validation": time.monotonic() - t0}
        written = coll.feedback
        log(f"{len(written)} retour(s) aux porteurs écrit(s)")
        t1 = time.monotonic()
        outputs, incomplete = _consolidate_all(coll, ref, work, log)
        timings["consolidation"] = time.monotonic() - t1
        log(
            f"Durées : lecture, validation et retours {french_number(timings['validation'], 2)} s, "
            f"consolidation {french_number(timings['consolidation'], 2)} s"
        )
        unreadable = [s for s in coll.sources if s.statut == "illisible"]
        any_error = any(f.severity is Severity.ERREUR for s in coll.sources for f in s.findings) or bool(coll.conflicts)
        exit_code = 1 if (incomplete or unreadable or any_error) else 0
        log(f"Terminé en {french_number(time.monotonic() - t0, 1)} s ; code de sortie {exit_code}")

        log_path = work / "batch.log"
        write_text_atomic(log_path, "\n".join(lines) + "\n")
        outputs += [p.text for p in written] + [p.workbook for p in written if p.workbook] + [log_path]
        manifest = _manifest(cfg, ref, coll, work, stamp, started, outputs, exit_code)
        write_text_atomic(work / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        final = out / "runs" / stamp
        os.rename(work, final)
        _point_latest(out, final)
    return BatchResult(final, exit_code, manifest, coll, timings)


def _start_run(runs: Path, started: datetime, log: Callable[[str], None]) -> tuple[Path, str]:
    """Remove what interrupted runs left, and create this run's partial folder."""
    runs.mkdir(parents=True, exist_ok=True)
    for stale in runs.glob(".*.partial"):
        shutil.rmtree(stale, ignore_errors=True)
        log(f"Dossier d'une exécution interrompue supprimé : {stale.name}")
    stamp = started.strftime("%Y-%m-%d_%H%M%S")
    n = 2
    while (runs / stamp).exists():
        stamp, n = f"{started:%Y-%m-%d_%H%M%S}_{n}", n + 1
    work = runs / f".{stamp}.partial"
    work.mkdir()
    return work, stamp


def _consolidate_all(
    coll: Collection, ref: Referential, work: Path, log: Callable[[str], None]
) -> tuple[list[Path], bool]:
    """The workbook and CSV of each year and of the period; whether a bilan is not counted."""
    outputs: list[Path] = []
    periods = [[y] for y in ref.periode] + ([list(ref.periode)] if len(ref.periode) > 1 else [])
    incomplete = False
    for years in periods:
        ev = consolidate(coll, ref, years)
        label = period_label(years)
        outputs.append(write_evaluation(ev, ref, work / f"evaluation_{label}.xlsx"))
        outputs.append(write_tidy_csv(ev, work / f"evaluation_{label}.csv"))
        df = ev.tables["completude"]
        incomplete = incomplete or bool((df["etat"] != "valide").any())
        log(f"Consolidation {label} : {int(df['valide'].sum())} / {len(df)} bilans attendus comptés")
    return outputs, incomplete


def _point_latest(out: Path, final: Path) -> None:
    """Move `<out>/latest` to the finished run, atomically (a new link renamed over the old)."""
    tmp = out / f".latest.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(os.path.relpath(final, out), tmp)
    os.replace(tmp, out / "latest")


def _manifest(
    cfg: Config,
    ref: Referential,
    coll: Collection,
    work: Path,
    stamp: str,
    started: datetime,
    outputs: list[Path],
    exit_code: int,
) -> dict[str, Any]:
    bilans = cfg.bilans
    inputs = []
    for s in sorted(coll.sources, key=lambda s: str(s.path or s.file)):
        try:
            rel = str(Path(s.path or s.file).relative_to(bilans))
        except ValueError:
            rel = str(s.path or s.file)
        inputs.append(
            {
                "fichier": rel,
                "sha256": s.sha256,
                "action": s.action,
                "annee": s.annee,
                "version": s.version,
                "statut": s.statut,
                "erreurs": s.erreurs,
                "avertissements": s.avertissements,
                "retenu": s.retenu,
                "motif": s.motif,
            }
        )
    outs = [{"fichier": str(p.relative_to(work)), "sha256": file_sha256(p)} for p in sorted(set(outputs))]
    return {
        "cess_version": __version__,
        "execution": stamp,
        "debut": started.isoformat(timespec="seconds"),
        "fin": datetime.now().isoformat(timespec="seconds"),
        "referentiel": {"dossier": str(ref.folder), "sha256": ref.digest},
        "configuration": {
            "bilans": str(bilans),
            "sortie": str(cfg.sortie),
            "limites": cfg.limites.model_dump(),
        },
        "entrees": inputs,
        "sorties": outs,
        "resume": {
            "fichiers": len(inputs),
            "valides": sum(i["statut"] == "valide" for i in inputs),
            "invalides": sum(i["statut"] == "invalide" for i in inputs),
            "illisibles": sum(i["statut"] == "illisible" for i in inputs),
            "ignores": sum(i["statut"] == "ignoré" for i in inputs),
            "retenus": sum(i["retenu"] for i in inputs),
            "conflits": len(coll.conflicts),
        },
        "code_sortie": exit_code,
    }
