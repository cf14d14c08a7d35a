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
- a byte-identical copy is not a new file (nor a new version): the original counts
  once and the copy is described as its copy. The original is the file without a
  copy's sign in its name (`… - Copie.xlsx`, `… (2).xlsx`, `Copie de …`), then the
  earliest transmission, then the name that sorts first;
- files that cannot be read or identified are listed too, never dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cess_cli.catalogue import make
from cess_cli.checking.bilan import Bilan
from cess_cli.findings import Finding, Severity
from cess_cli.wording import count

if TYPE_CHECKING:
    from cess_cli.outputs.feedback import Feedback  # written by pipeline.collect; only its type here

_COPY_SUFFIX = re.compile(r"(?:\s+-\s+(?:copie|copy)(?:\s*\(\d+\))?|\s*\(\d+\))$", re.IGNORECASE)
_COPY_PREFIX = re.compile(r"^(?:copie de|copy of)\s", re.IGNORECASE)


@dataclass(slots=True)
class Source:
    """One file of the bilans folder, counted or not, and why (SPEC §6 *Sources*)."""

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
    motif: str = ""  # why it counts or not, in French (Sources sheet, manifest)
    # retenu | copie | remplace | conflit | invalide | hors_contrat | action_inconnue | non_identifie | ignore
    raison: str = ""
    copie_de: str | None = None  # a byte-identical copy: the name of the original
    remplace_par: str | None = None  # a superseded version: "2 (file of version 2)"

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


def is_copy_name(name: str) -> bool:
    """Whether a file name carries the sign of a copy a file manager or a mail client
    makes: `… - Copie.xlsx`, `… - Copy.xlsx`, `… (2).xlsx`, `Copie de ….xlsx`, `Copy of ….xlsx`."""
    stem = Path(name).stem.strip()
    return bool(_COPY_SUFFIX.search(stem) or _COPY_PREFIX.match(stem))


def _original_first(s: Source) -> tuple[bool, date, str]:
    """Sort key among byte-identical files: no sign of a copy first, then the earliest
    transmission date, then the name."""
    return (is_copy_name(s.name), s.date_transmission or date.max, s.name)


def select(coll: Collection) -> None:
    """Mark, for each action-year, the bilan that counts; give every other its reason.

    Idempotent: everything it sets (`retenu`, `raison`, `motif`, `copie_de`,
    `remplace_par`, the conflicts) is reset first, so running it twice gives the same."""
    coll.conflicts = []
    for s in coll.sources:
        s.retenu, s.raison, s.motif, s.copie_de, s.remplace_par = False, "", "", None, None
    # a byte-identical copy is not a new file: the original stands for it (whole collection,
    # so two copies of an unreadable file are one file too)
    by_sha: dict[str, list[Source]] = defaultdict(list)
    for s in coll.sources:
        if s.sha256 is not None and s.statut != "ignoré":  # an ignored file is not a bilan
            by_sha[s.sha256].append(s)
    for same in by_sha.values():
        original, *copies = sorted(same, key=_original_first)
        for s in copies:
            s.raison, s.copie_de = "copie", original.name
            s.motif = f"copie identique de {original.name} : pas un nouvel envoi, non comptée en plus"
    groups: dict[tuple[str, int], list[Source]] = defaultdict(list)
    for s in coll.sources:
        if s.raison == "copie":
            continue
        if s.statut == "ignoré":
            s.raison = "ignore"
            s.motif = (
                ("ignoré : " + s.findings[0].message.removeprefix("Fichier ignoré : ")) if s.findings else "ignoré"
            )
            continue
        if s.action is None or s.annee is None or _has(s, "annee.hors_contrat"):
            s.raison, s.motif = _unidentified(s)
            continue
        groups[(s.action, s.annee)].append(s)
    for (action, _annee), group in sorted(groups.items()):
        _select_group(coll, action, group)


def _has(s: Source, code: str) -> bool:
    return any(f.code == code for f in s.findings)


def _unidentified(s: Source) -> tuple[str, str]:
    """(raison, motif) of a file that claims no action-year of the contract, in words that say
    what is true: a year read but outside the contract, an action code read but unknown, or
    an action or year that could not be told (blank, unreadable, an unknown template)."""
    if _has(s, "annee.hors_contrat"):
        return "hors_contrat", f"année {s.annee} hors du contrat : non compté"
    if _has(s, "action.inconnue"):
        return "action_inconnue", "action inconnue du contrat : non compté"
    return "non_identifie", "non identifié (action ou année absente ou illisible) : non compté"


def _select_group(coll: Collection, action: str, group: list[Source]) -> None:
    """The files (copies aside) of one action-year: the highest version counts if valid."""
    top = max(s.version or 1 for s in group)
    current = sorted((s for s in group if (s.version or 1) == top), key=lambda s: s.name)
    names = ", ".join(s.name for s in current)
    for s in group:
        if (s.version or 1) < top:
            s.raison, s.remplace_par = "remplace", f"{top} ({names})"
            s.motif = f"remplacé par la version {top} ({names})"
            if len(current) > 1:
                s.motif += " : versions en conflit"
    if len(current) > 1:
        for s in current:
            others = ", ".join(o.name + _odd_note(o) for o in current if o is not s)  # never the file itself
            s.raison = "conflit"
            s.motif = f"conflit : même version {top} que {others} ; aucun n'est compté"
            conflict = make("bilan.conflit", s.file, None, None, detail=action, trouve=top, attendu=others)
            if (cell := _odd_cell(s)) is not None:  # this file is the one to check: say so, not « which is right »
                itself = f"ce fichier est celui à vérifier : son code action ({cell}) est contredit par ses feuilles"
                s.motif += f" ; {itself}"
                conflict = replace(conflict, hint=f"{itself[0].upper()}{itself[1:]}. {_ODD_HINT}")
            coll.conflicts.append(conflict)
        return
    [s] = current
    if s.statut == "valide":
        s.retenu, s.raison, s.motif = True, "retenu", "retenu"
    else:
        s.raison, s.motif = "invalide", f"invalide ({count(s.erreurs, 'erreur')}) : non compté"


_ODD_HINT = "Demandez au porteur de le corriger : il le renvoie avec une version supérieure."


def _odd_cell(s: Source) -> str | None:
    """The code's cell (`Identification!C2`) of a file whose own sheets are another action's
    (`action.feuilles_autre_action`), else None. In a conflict it claims the action-year all
    the same (its code says so, and cess never chooses between two files claiming one
    version), but it is the odd one, and the CRESS is told so."""
    odd = next((f for f in s.findings if f.code == "action.feuilles_autre_action"), None)
    return None if odd is None else "!".join(p for p in (odd.sheet, odd.cell) if p)


def _odd_note(s: Source) -> str:
    """« (son code action, Identification!C2, est contredit par ses feuilles : …) » after the
    name of such a file in another file's conflict, else ""."""
    cell = _odd_cell(s)
    return (
        ""
        if cell is None
        else f" (son code action, {cell}, est contredit par ses feuilles : c'est lui qu'il faut vérifier)"
    )


def first_error(source: Source) -> Finding | None:
    """The first `erreur` of a file's findings (in the order an operator reads the file), or None."""
    return next((f for f in source.findings if f.severity is Severity.ERREUR), None)


def not_counted(sources: list[Source]) -> list[Finding]:
    """One finding per file that does not count, for *Anomalies* (SPEC §6: never dropped
    silently): a copy, a superseded version (naming its replacement), an invalid bilan,
    a file that could not be identified, a file that is not a spreadsheet (its own
    finding). Conflicts are `Collection.conflicts`."""
    out: list[Finding] = []
    for s in sources:
        what = f"{s.action} {s.annee}"
        if s.raison == "copie":
            out.append(make("bilan.copie", s.file, detail=what if s.action else "non identifié", attendu=s.copie_de))
        elif s.raison == "remplace":
            out.append(make("bilan.remplace", s.file, detail=what, trouve=s.version or 1, attendu=s.remplace_par))
        elif s.raison == "invalide":  # where the first error is, and what it says: the reader sees why
            error = first_error(s)
            why = f"Première erreur : {error.message}" if error else ""
            where = (error.sheet, error.cell) if error else (None, None)
            out.append(
                make("bilan.invalide", s.file, *where, detail=what, trouve=count(s.erreurs, "erreur"), attendu=why)
            )
        elif s.raison == "ignore" and s.findings:
            out.append(s.findings[0])  # not a spreadsheet: its own finding says why
        elif s.raison in ("hors_contrat", "action_inconnue", "non_identifie"):  # the kind says what is true
            first = first_error(s)
            where = (first.sheet, first.cell) if first else (None, None)
            out.append(make(f"bilan.{s.raison}", s.file, *where, detail=first.message if first else "", trouve=what))
    return out
