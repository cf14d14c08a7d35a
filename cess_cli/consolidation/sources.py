"""Which bilans count: for each action and year, the highest version — and why every
other file does not count. (Every file is read once before, by `pipeline.collect`.)

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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cess_cli.catalogue import make
from cess_cli.checking.bilan import Bilan
from cess_cli.findings import Finding
from cess_cli.outputs.feedback import Feedback


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
    statut: str = ""  # valide | invalide | illisible | ignoré (not a spreadsheet, found in the folder)
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


def select(coll: Collection) -> None:
    """Mark, for each action-year, the bilan that counts; give every other its reason."""
    groups: dict[tuple[str, int], list[Source]] = defaultdict(list)
    for s in coll.sources:
        if s.statut == "ignoré":
            s.motif = "ignoré : " + (s.findings[0].message.removeprefix("Fichier ignoré : ") if s.findings else "")
            continue
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
