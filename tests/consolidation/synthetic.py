"""Collections built in code, without files: what `pipeline.collect` would hand to `select`."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from cess_cli.checking.bilan import Bilan
from cess_cli.consolidation.sources import Collection, Source, select
from cess_cli.findings import Finding, Severity


def bilan(
    action: str,
    year: int,
    values: dict[str, float],
    *,
    version: int = 1,
    file: str | None = None,
    sent: dt.date | None = None,
    valid: bool = True,
    financements: list[tuple[str, float | None, float | None, str]] | None = None,
    territoires: list[tuple[str, str, float, float | None, float | None, str]] | None = None,
    cumuls: dict[str, float] | None = None,
    content: str | None = None,
) -> tuple[Source, Bilan | None]:
    """One file: its Source and, when valid, its content. `content` seeds the SHA-256 (two
    files with the same `content` are byte-identical); default: the file name."""
    name = file or f"bilan_{action}_{year}_v{version}.xlsx"
    sent = sent or dt.date(year + 1, 1, 15)
    cells = {k: f"Indicateurs!E{i}" for i, k in enumerate(values, start=2)}
    b = Bilan(
        name,
        action,
        year,
        version,
        "P",
        sent,
        dict(values),
        cells,
        cumuls=dict(cumuls or {}),
        cellules_cumul={k: f"Indicateurs!F{i}" for i, k in enumerate(cumuls or {}, start=2)},
        financements=list(financements or []),
        territoires=list(territoires or []),
    )
    sha = hashlib.sha256((content or name).encode()).hexdigest()
    findings = [] if valid else [Finding("indicateur.manquant", Severity.ERREUR, name, "Indicateurs", "E2", "x", "")]
    s = Source(
        None,
        name,
        sha,
        action,
        year,
        version,
        sent,
        0 if valid else 1,
        0,
        findings,
        statut="valide" if valid else "invalide",
    )
    return s, (b if valid else None)


def copy_of(item: tuple[Source, Bilan | None], name: str) -> tuple[Source, Bilan | None]:
    """A byte-identical copy of a file under another name (same SHA-256, same content)."""
    s, b = item
    c = Source(
        None,
        name,
        s.sha256,
        s.action,
        s.annee,
        s.version,
        s.date_transmission,
        s.erreurs,
        s.avertissements,
        list(s.findings),
        statut=s.statut,
    )
    return c, (None if b is None else Bilan(**{**{f: getattr(b, f) for f in b.__slots__}, "file": name}))


def unreadable(name: str) -> Source:
    return Source(
        None,
        name,
        hashlib.sha256(name.encode()).hexdigest(),
        None,
        None,
        None,
        None,
        1,
        0,
        [Finding("fichier.tronque", Severity.ERREUR, name, None, None, "Le fichier est incomplet.", "")],
        statut="illisible",
    )


def collection(items: list[tuple[Source, Bilan | None]], extra: list[Source] | None = None) -> Collection:
    coll = Collection(
        sources=[s for s, _ in items] + list(extra or []),
        bilans={s.file: b for s, b in items if b is not None},
    )
    select(coll)
    return coll


def names(sources: list[Source]) -> list[str]:
    return [Path(s.file).name for s in sources]
