"""Findings: every data problem is a frozen value with a stable code, never an exception.

This is the vocabulary every step of the flow shares (the referential, the reader,
the checks and the consolidation all emit findings), so it sits beneath them all.
The codes, their severity and their French messages are in `catalogue.py`;
`FileResult` is what validating one file found, `Report` what a run found (SPEC §5).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """`erreur` blocks the bilan; `avertissement` does not (SPEC §5)."""

    ERREUR = "erreur"
    AVERTISSEMENT = "avertissement"


class CessError(Exception):
    """Cannot proceed at all (broken referential, bad configuration). Caught by the CLI."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, as data (SPEC §5): a stable `code` from the catalogue, its severity,
    the file, the sheet and the cell (`Indicateurs`, `E7`), a French message naming what
    was expected and found, and a hint. Built by `catalogue.make`, never raised.

    `count` is 1, except for the summary line that stands for the findings of one code
    left out of a flooded file (« … et 9 950 autres constats du même type »): it counts
    for all of them (README *Limits*)."""

    code: str
    severity: Severity
    file: str
    sheet: str | None
    cell: str | None
    message: str
    hint: str = ""
    count: int = 1

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.cell or ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        if self.count == 1:
            del data["count"]
        return data


# findings only the CRESS can act on: the shared folder's rights, a link or a special file
# cess does not follow, a file gone during the run; the operator gets no feedback for them
FOR_THE_CRESS = frozenset(
    {"fichier.acces_refuse", "fichier.lecture_impossible", "fichier.ignore", "fichier.introuvable"}
)


@dataclass(slots=True)
class FileResult:
    """What validating one file found, plus what was learned about it."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    action: str | None = None
    annee: int | None = None
    version: int | None = None
    sha256: str | None = None
    date_transmission: object = None  # datetime.date once read

    @property
    def errors(self) -> int:
        return sum(f.count for f in self.findings if f.severity is Severity.ERREUR)

    @property
    def warnings(self) -> int:
        return sum(f.count for f in self.findings if f.severity is Severity.AVERTISSEMENT)

    @property
    def for_the_operator(self) -> bool:
        """Whether the operator who sent the file has something to correct (and feedback is
        written for them, SPEC §8): it has findings, is no stray non-spreadsheet, and they
        are not all of what only the CRESS can act on (`FOR_THE_CRESS`)."""
        return not self.ignored and any(f.code not in FOR_THE_CRESS for f in self.findings)

    @property
    def ignored(self) -> bool:
        """Not a spreadsheet, found in a folder of bilans (a PDF, a note): listed as
        « ignoré » with its reason (`fichier.non_classeur`), neither valid nor invalid."""
        return any(f.code == "fichier.non_classeur" for f in self.findings)

    @property
    def valid(self) -> bool:
        return self.errors == 0 and not self.ignored

    def to_dict(self) -> dict[str, Any]:
        return {
            "fichier": self.file,
            "action": self.action,
            "annee": self.annee,
            "version": self.version,
            "valide": self.valid,
            "ignore": self.ignored,
            "erreurs": self.errors,
            "avertissements": self.warnings,
            "constats": [f.to_dict() for f in self.findings],
        }


@dataclass(slots=True)
class Report:
    """What a run of `cess validate` found: one `FileResult` per file, in input order.
    `to_dict()` is the JSON output; `flatten(["code", "sheet", "cell"])` gives rows."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings]

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.files)

    @property
    def warnings(self) -> int:
        return sum(r.warnings for r in self.files)

    def flatten(self, fields: list[str]) -> list[list[Any]]:
        """Rows of the chosen finding fields, e.g. ["code", "sheet", "cell"]."""
        return [[getattr(f, name) for name in fields] for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "fichiers": [r.to_dict() for r in self.files],
            "resume": {
                "fichiers": len(self.files),
                "valides": sum(r.valid for r in self.files),
                "ignores": sum(r.ignored for r in self.files),
                "erreurs": self.errors,
                "avertissements": self.warnings,
            },
        }
