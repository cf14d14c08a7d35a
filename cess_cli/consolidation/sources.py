"""Which bilans count: read every file once, then keep, for each action and year,
the highest version — and say why every other file does not count.

Rules (SPEC §6, issue 3):
- the bilan with the highest `version` of an action-year is the current one; if it
  is invalid, the action-year is *invalide* and nothing of it is counted (an older
  valid version is superseded all the same: its figures are no longer the
  operator's word);
- two different files (different SHA-256) with the same action, year and version
  are a conflict: both are reported as an `erreur` and neither counts (a higher
  version resolves it);
- a byte-identical copy of a file counts once;
- files that cannot be read or identified are listed too, never dropped.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cess_cli.catalogue import make
from cess_cli.checking.validate import Bilan, iter_bilan_files
from cess_cli.findings import FileResult, Finding
from cess_cli.outputs.atomic import file_sha256
from cess_cli.outputs.feedback import Feedback
from cess_cli.reading.limits import DEFAULT_LIMITS, Limits
from cess_cli.referential.loading import Referential


@dataclass(slots=True)
class Source:
    path: Path | None
    file: str
    sha256: str | None
    action: str | None
    annee: int | None
    version: int | None
    date_transmission: date | None
    erreurs: int
    avertissements: int
    findings: list[Finding]
    statut: str = ""  # valide | invalide | illisible
    retenu: bool = False
    motif: str = ""

    @property
    def name(self) -> str:
        return Path(self.file).name


@dataclass(slots=True)
class Collection:
    """Every file read once: its source record and, when valid, its content."""

    sources: list[Source] = field(default_factory=list)
    bilans: dict[str, Bilan] = field(default_factory=dict)  # file -> content of valid bilans
    conflicts: list[Finding] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)  # files written for operators

    def retained(self, years: Iterable[int] | None = None) -> list[Bilan]:
        wanted = None if years is None else set(years)
        return [self.bilans[s.file] for s in self.sources if s.retenu and (wanted is None or s.annee in wanted)]


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
    """Read and validate every bilan file once, then decide which ones count.

    `on_file(done, total, result, path)` is called after each file (progress, logs)."""
    from cess_cli.reading.isolation import read_many

    coll = Collection()
    files = list(iter_bilan_files(paths, exclude))
    results = read_many(files, ref, limits=limits, isolate=isolate, timeout=timeout, feedback_dir=feedback_dir)
    for i, ((path, display), (result, bilan, feedback)) in enumerate(zip(files, results, strict=True), start=1):
        if feedback is not None:
            coll.feedback.append(feedback)
        if on_file is not None:
            on_file(i, len(files), result, path)
        identified = result.action is not None and result.annee is not None
        source = Source(
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
            statut="valide" if result.valid else ("invalide" if identified else "illisible"),
        )
        coll.sources.append(source)
        if bilan is not None:
            coll.bilans[display] = bilan
    select(coll)
    return coll


def select(coll: Collection) -> None:
    """Mark, for each action-year, the bilan that counts; give every other its reason."""
    groups: dict[tuple[str, int], list[Source]] = defaultdict(list)
    for s in coll.sources:
        if s.action is None or s.annee is None:
            s.motif = "non identifié (action ou année illisible) : non compté"
            continue
        groups[(s.action, s.annee)].append(s)
    coll.conflicts = []
    for (action, _annee), group in sorted(groups.items()):
        # a byte-identical copy counts once
        seen: dict[str, Source] = {}
        unique: list[Source] = []
        for s in sorted(group, key=lambda x: x.file):
            if s.sha256 is not None and s.sha256 in seen:
                s.motif = f"copie identique de {seen[s.sha256].name} : comptée une fois"
                continue
            if s.sha256 is not None:
                seen[s.sha256] = s
            unique.append(s)
        top = max(s.version or 1 for s in unique)
        current = [s for s in unique if (s.version or 1) == top]
        for s in unique:
            if (s.version or 1) < top:
                s.motif = f"remplacé par la version {top}"
        if len(current) > 1:
            names = ", ".join(s.name for s in current)
            for s in current:
                s.motif = f"conflit : même version {top} que {names} ; aucun n'est compté"
                coll.conflicts.append(
                    make("bilan.conflit", s.file, None, None, detail=action, trouve=top, attendu=names)
                )
            continue
        [s] = current
        if s.statut == "valide":
            s.retenu = True
            s.motif = "retenu"
        else:
            s.motif = f"invalide ({s.erreurs} erreur(s)) : non compté"
