"""The unattended pre-COPIL run (SPEC §8): validate every bilan once, write feedback,
consolidate each year and the period, and leave a run folder with a manifest.

Safety of the run itself (README *cess batch*):
- one run at a time, in run folders cess made: `batch_lock.py` (its names are re-exported
  here);
- a run builds `<out>/runs/.<stamp>.partial/`, renames it to `<out>/runs/<stamp>/`
  only once everything is written, and only then moves the `latest` symbolic link
  (itself replaced atomically): a run killed at any moment, SIGKILL included, leaves
  the previous runs and `latest` whole, and the next run cleans the partial folder; a
  run stopped by Ctrl-C or SIGTERM, or that cannot write (full disk, read-only folder),
  removes its partial folder itself and says why in French;
- a run that finds no bilan at all keeps its run folder but never moves `latest`;
- the bilans folder may not be, or lie inside, what cess writes (`check_not_read_back`);
- every file is written through `outputs/atomic.py`: atomically, never through a link;
- the same inputs give the same figures and the same manifest, timestamps aside
  (workbooks are saved reproducibly).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cess_cli import __version__
from cess_cli.batch_lock import LOCK_NAME, BatchFailed, BatchLocked, batch_lock, check_run_folders
from cess_cli.config import Config
from cess_cli.consolidation.evaluation import consolidate
from cess_cli.consolidation.shared import period_label
from cess_cli.consolidation.sources import Collection
from cess_cli.findings import CessError, FileResult, Severity
from cess_cli.outputs.atomic import file_sha256, os_error_text, write_text_atomic
from cess_cli.outputs.evaluation_workbook import write_evaluation
from cess_cli.outputs.feedback import Feedback
from cess_cli.outputs.report import write_report
from cess_cli.outputs.tidy_csv import write_financing_csv, write_tidy_csv
from cess_cli.pipeline import collect
from cess_cli.reading.files import check_not_read_back, display_name, one_line
from cess_cli.referential.loading import Referential
from cess_cli.wording import EXPECTED, EXPECTEDS, count, french_number

__all__ = [
    "LOCK_NAME",
    "BatchFailed",
    "BatchLocked",
    "BatchResult",
    "batch_lock",
    "check_run_folders",
    "files_summary",
    "run_batch",
    "write_outputs",
]

Log = Callable[[str], None]


@dataclass
class BatchResult:
    run_dir: Path
    exit_code: int
    manifest: dict[str, Any]
    collection: Collection
    timings: dict[str, float]


Progress = Callable[[int, int, str, str], None]  # (done, total, file, status)


def run_batch(
    cfg: Config,
    ref: Referential,
    *,
    progress: Progress | None = None,
    say: Log | None = None,
    now: datetime | None = None,
    feedback: bool = True,
) -> BatchResult:
    """The whole unattended run (SPEC §8): validate every bilan of `cfg.bilans` once, write
    feedback, consolidate each year and the period, and publish a run folder under
    `cfg.sortie/runs/` with its manifest and log, then move `latest` to it (not when no
    bilan at all was found).

    Returns the `BatchResult` (run folder, exit code 0/1, manifest, timings in seconds).
    Raises `BatchLocked` when another batch holds the lock, `BatchFailed` when the run
    cannot write (nothing published, French message saying what to do) and `CessError`
    on a bad configuration (all exit 2). Ctrl-C (KeyboardInterrupt, which the CLI also
    raises on SIGTERM) removes the partial run and releases the lock. `feedback=False`
    skips the operators' feedback (benchmarks only)."""
    bilans, out = cfg.bilans, cfg.sortie
    if not bilans.is_dir():
        raise CessError(
            f"Dossier des bilans introuvable : {display_name(bilans)} (option --bilans ou clé « bilans » de cess.toml)."
        )
    check_not_read_back(bilans, out, [out / "runs"])
    started = now or datetime.now()
    lines: list[str] = []

    def log(message: str) -> None:
        text = _record(lines, message)
        if say is not None:
            say(text)

    with batch_lock(out, log):
        check_run_folders(out)
        work, stamp = _start_run(out, started, log)
        try:
            return _run(cfg, ref, work, stamp, started, lines, log, progress, feedback)
        except OSError as exc:
            raise BatchFailed(
                f"Exécution abandonnée : {os_error_text(exc)}. Rien n'a été publié : « latest » désigne "
                "toujours l'exécution précédente."
            ) from None
        finally:
            shutil.rmtree(work, ignore_errors=True)  # gone already once published


def _run(
    cfg: Config,
    ref: Referential,
    work: Path,
    stamp: str,
    started: datetime,
    lines: list[str],
    log: Log,
    progress: Progress | None,
    feedback: bool,
) -> BatchResult:
    bilans, out = cfg.bilans, cfg.sortie
    t0 = time.monotonic()
    log(
        f"cess {__version__} — exécution {stamp} ; bilans : {display_name(bilans)} ; référentiel : {display_name(ref.folder)}"
    )

    def to_log_only(message: str) -> None:
        _record(lines, message)

    # with a progress bar, each file's line goes to the log only (the bar shows it)
    coll = _validate(cfg, ref, work if feedback else None, log, progress, log if progress is None else to_log_only)
    timings = {"validation": time.monotonic() - t0}
    t1 = time.monotonic()
    outputs, incomplete = write_outputs(coll, ref, work, log)
    timings["consolidation"] = time.monotonic() - t1
    log(
        f"Durées : lecture, validation et retours {french_number(timings['validation'], 2)} s, "
        f"consolidation {french_number(timings['consolidation'], 2)} s"
    )
    unreadable = [s for s in coll.sources if s.statut == "illisible"]
    any_error = any(f.severity is Severity.ERREUR for s in coll.sources for f in s.findings) or bool(coll.conflicts)
    exit_code = 1 if (incomplete or unreadable or any_error) else 0
    found = any(s.statut != "ignoré" and not _is_folder(s.findings) for s in coll.sources)
    if not found:
        log(
            f"Aucun bilan trouvé dans {display_name(bilans)} : « latest » n'est pas déplacé et désigne toujours "
            "la dernière exécution qui en avait trouvé. Vérifiez le dossier des bilans (montage, droits, chemin)."
        )
        exit_code = 1
    log(f"Terminé en {french_number(time.monotonic() - t0, 1)} s ; code de sortie {exit_code}")
    log_path = work / "batch.log"
    write_text_atomic(log_path, "\n".join(lines) + "\n")
    outputs += [p for fb in coll.feedback for p in fb.paths] + [log_path]
    manifest = _manifest(cfg, ref, coll, work, stamp, started, outputs, exit_code)
    manifest["latest_deplace"] = found
    write_text_atomic(work / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    final = out / "runs" / stamp
    os.rename(work, final)
    if found:
        _point_latest(out, final)
    return BatchResult(final, exit_code, manifest, coll, timings)


# pragma: no mutate start (reading and logging: outside the publication, scripts/mutation.sh)
def _record(lines: list[str], message: str) -> str:
    """Add one record to the run's log (`lines`), on one line and time-stamped; the text."""
    text = one_line(message)
    lines.append(f"{datetime.now():%Y-%m-%d %H:%M:%S} {text}")
    return text


def _validate(
    cfg: Config, ref: Referential, work: Path | None, log: Log, progress: Progress | None, per_file: Log
) -> Collection:
    """Read and validate every file once (feedback into `work/retours` unless None); each
    file's line goes to `per_file`, everything else to `log`."""

    def on_file(i: int, total: int, result: FileResult, path: Path) -> None:
        status = "valide" if result.valid else count(result.errors, "erreur")
        if result.ignored:
            status = "ignoré — " + result.findings[0].message.removeprefix("Fichier ignoré : ").rstrip(".")
        if result.warnings:
            status += f", {count(result.warnings, 'avertissement')}"
        per_file(f"[{i}/{total}] {Path(result.file).name} : {status}")
        if progress is not None:
            progress(i, total, result.file, status)

    coll = collect(
        [cfg.bilans],
        ref,
        limits=cfg.limits(),
        isolate=True,
        timeout=cfg.limites.secondes_par_fichier,
        on_file=on_file,
        exclude=[cfg.sortie],
        feedback_dir=(work / "retours") if work is not None else None,
    )
    for s in coll.sources:
        if _is_folder(s.findings):
            log(f"Dossier illisible : {s.file} — {s.findings[0].message}")
    if work is not None:
        (work / "retours").mkdir(exist_ok=True)
    log(_files_summary(coll))
    failed = [fb for fb in coll.feedback if fb.problem]
    for fb in failed:
        log(f"Retour pour {Path(fb.file).name} : {fb.problem}")
    written = sum(fb.text is not None for fb in coll.feedback)
    not_written = sum(fb.text is None for fb in coll.feedback)
    log(
        f"Retours aux porteurs : {count(written, 'écrit')}"
        + (f", {count(not_written, 'non écrit')}" if not_written else "")
    )
    return coll


def files_summary(counts: dict[str, int]) -> str:
    """« 63 fichiers : 55 valides, 8 invalides, 0 illisible ; 10 erreurs, 4 avertissements »:
    files and findings counted apart, from a manifest's `resume`."""
    ignored = f", {count(counts['ignores'], 'ignoré')}" if counts.get("ignores") else ""
    return (
        f"{count(counts['fichiers'], 'fichier')} : {count(counts['valides'], 'valide')}, "
        f"{count(counts['invalides'], 'invalide')}, {count(counts['illisibles'], 'illisible')}{ignored} ; "
        f"{count(counts['erreurs'], 'erreur')}, {count(counts['avertissements'], 'avertissement')}"
    )


def _files_summary(coll: Collection) -> str:
    statuses = [s.statut for s in coll.sources]
    return files_summary(
        {
            "fichiers": len(statuses),
            "valides": statuses.count("valide"),
            "invalides": statuses.count("invalide"),
            "illisibles": statuses.count("illisible"),
            "ignores": statuses.count("ignoré"),
            "erreurs": sum(s.erreurs for s in coll.sources),
            "avertissements": sum(s.avertissements for s in coll.sources),
        }
    )


def _is_folder(findings: list[Any]) -> bool:
    return any(f.code == "dossier.illisible" for f in findings)


# pragma: no mutate end
def write_outputs(coll: Collection, ref: Referential, work: Path, log: Log) -> tuple[list[Path], bool]:
    """Every output of the run, written into `work`: the workbook and the two CSVs of each
    year and of the period (more outputs of a run belong here). Returns the paths written and
    whether a bilan is not counted."""
    outputs: list[Path] = []
    periods = [[y] for y in ref.periode] + ([list(ref.periode)] if len(ref.periode) > 1 else [])
    incomplete = False
    for years in periods:
        ev = consolidate(coll, ref, years)
        label = period_label(years)
        outputs.append(write_evaluation(ev, ref, work / f"evaluation_{label}.xlsx"))
        outputs.append(write_tidy_csv(ev, work / f"evaluation_{label}.csv"))
        outputs.append(write_financing_csv(ev, work / f"evaluation_{label}_financements.csv"))
        if years == list(ref.periode):  # the COPIL report of the whole period, from the same evaluation
            outputs += write_report(ev, ref, work, log=log).paths
        df = ev.tables["completude"]
        incomplete = incomplete or bool((df["etat"] != "valide").any())
        log(f"Consolidation {label} : {int(df['valide'].sum())} / {count(len(df), EXPECTED, EXPECTEDS)}")
        if years == list(ref.periode):  # each action-year that does not count, named once
            for r in df[df["etat"] != "valide"].itertuples(index=False):
                log(f"  {r.code_action} {r.annee} : {r.etat}, non compté")
    return outputs, incomplete


def _start_run(out: Path, started: datetime, log: Log) -> tuple[Path, str]:
    """Remove what interrupted runs left, and create this run's partial folder."""
    runs = out / "runs"
    try:
        runs.mkdir(exist_ok=True)  # in `out`, which the lock made
        for stale in runs.glob(".*.partial"):
            shutil.rmtree(stale, ignore_errors=True)  # what cannot go (held on a share) stays, and is said
            if os.path.lexists(stale):
                log(
                    f"Dossier d'une exécution interrompue impossible à supprimer en entier : "
                    f"{display_name(stale.name)} ; supprimez-le à la main (le reste de l'exécution n'en dépend pas)."
                )
            else:
                log(f"Dossier d'une exécution interrompue supprimé : {display_name(stale.name)}")
        for stale in out.glob(".latest.*"):
            with contextlib.suppress(OSError):
                if stale.is_symlink():
                    stale.unlink()
        stamp = started.strftime("%Y-%m-%d_%H%M%S")
        n = 2
        while os.path.lexists(runs / stamp):  # a link there, even dangling, is not overwritten at the end
            stamp, n = f"{started:%Y-%m-%d_%H%M%S}_{n}", n + 1
        work = runs / f".{stamp}.partial"
        work.mkdir()
    except OSError as exc:
        raise BatchFailed(f"Dossier d'exécution impossible à créer : {os_error_text(exc)}") from None
    return work, stamp


def _point_latest(out: Path, final: Path) -> None:
    """Move `<out>/latest` to the finished run, atomically (a new link renamed over the old)."""
    tmp = out / f".latest.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(os.path.relpath(final, out), tmp)
    try:
        check_run_folders(out)  # `latest` made a folder during the run
        os.replace(tmp, out / "latest")
    except (CessError, OSError) as exc:
        tmp.unlink()
        why = str(exc) if isinstance(exc, CessError) else os_error_text(exc)
        raise BatchFailed(
            f"Exécution terminée dans {display_name(final)}, mais « latest » n'a pas été déplacé : {why}"
        ) from None


# pragma: no mutate start (the manifest's content: outside the publication, scripts/mutation.sh)
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
    by_file: dict[str, Feedback] = {fb.file: fb for fb in coll.feedback}
    inputs = []
    for s in sorted(coll.sources, key=lambda s: str(s.path or s.file)):
        try:
            rel = display_name(Path(s.path or s.file).relative_to(bilans))
        except ValueError:
            rel = s.file
        entry: dict[str, Any] = {
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
        fb = by_file.get(s.file)
        if fb is not None:
            entry["retour"] = {"fichiers": [str(p.relative_to(work)) for p in fb.paths], "probleme": fb.problem}
        inputs.append(entry)
    outs = [{"fichier": str(p.relative_to(work)), "sha256": file_sha256(p)} for p in sorted(set(outputs))]
    return {
        "cess_version": __version__,
        "execution": stamp,
        "debut": started.isoformat(timespec="seconds"),
        "fin": datetime.now().isoformat(timespec="seconds"),
        "referentiel": {"dossier": display_name(ref.folder), "sha256": ref.digest},
        "configuration": {
            "bilans": display_name(bilans),
            "sortie": display_name(cfg.sortie),
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
            "erreurs": sum(i["erreurs"] for i in inputs),
            "avertissements": sum(i["avertissements"] for i in inputs),
            "retenus": sum(i["retenu"] for i in inputs),
            "conflits": len(coll.conflicts),
            "retours_ecrits": sum(fb.text is not None for fb in coll.feedback),
            "retours_non_ecrits": sum(fb.text is None for fb in coll.feedback),
        },
        "code_sortie": exit_code,
    }


# pragma: no mutate end
