"""Sheets and header rows: find the expected sheets and columns, walk the data rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cess_cli.catalogue import make
from cess_cli.checking.state import FileCheck
from cess_cli.findings import Finding, Severity
from cess_cli.reading import cells
from cess_cli.reading.limits import Limits
from cess_cli.reading.workbook import Book, Sheet, col_letter, normalize
from cess_cli.referential.bilan_format import SHEETS, SheetSpec


def locate_sheets(run: FileCheck, book: Book, limits: Limits) -> dict[str, Sheet | None]:
    by_norm = {normalize(n): n for n in book.sheet_names}
    expected = {normalize(s.title) for s in SHEETS} | {
        normalize("Mode d'emploi"),
        normalize("Listes"),
    }
    strangers = [n for n in book.sheet_names if normalize(n) not in expected]
    out: dict[str, Sheet | None] = {}
    for spec in SHEETS:
        actual = by_norm.get(normalize(spec.title))
        if actual is None:
            hint = (
                f"La feuille « {strangers[0]} » a-t-elle été renommée ? Rendez-lui le nom « {spec.title} »."
                if strangers
                else None
            )
            finding = make(
                "feuille.manquante",
                run.display,
                spec.title,
                None,
                attendu=spec.title,
                trouve=", ".join(book.sheet_names),
            )
            if hint:
                finding = Finding(**{**finding.to_dict(), "severity": finding.severity, "hint": hint})
            run.result.findings.append(finding)
            out[spec.key] = None
            continue
        sheet = book.sheet(actual)
        if len(sheet.rows) > limits.max_rows:
            run.add(
                "fichier.trop_gros",
                actual,
                None,
                detail=f"{len(sheet.rows)} lignes (limite {limits.max_rows})",
            )
            out[spec.key] = None
            continue
        out[spec.key] = sheet
    return out


def columns_of(run: FileCheck, sheet: Sheet, spec: SheetSpec) -> dict[str, int] | None:
    header = sheet.header()
    by_norm = {name: i for i, name in reversed(list(enumerate(header))) if name}
    index = {col: by_norm[normalize(col)] for col in spec.columns if normalize(col) in by_norm}
    ok = True
    for pos, col in enumerate(spec.columns):
        if col in index:
            continue
        found = ", ".join(str(v) for v in (sheet.rows[0] if sheet.rows else []) if not cells.is_blank(v)) or "rien"
        severity = None if col in spec.essential else Severity.AVERTISSEMENT
        run.result.findings.append(
            make(
                "colonne.manquante",
                run.display,
                sheet.name,
                f"{col_letter(pos)}1",
                severity=severity,
                attendu=col,
                trouve=found,
            )
        )
        ok = ok and col not in spec.essential
    return index if ok else None


def data_rows(sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    """Data rows with their Excel row number; rows with no value at all are skipped."""
    for r, row in enumerate(sheet.rows[1:], start=2):
        for v in row:
            if v != "" and v is not None and not (type(v) is str and not v.strip()):
                yield r, row
                break


MAX_TEXT = 32767  # Excel's own limit for one cell


def cell_value(row: list[Any], idx: int | None) -> Any:
    return row[idx] if idx is not None and idx < len(row) else None


def too_long(run: FileCheck, value: Any, sheet: str, cell: str) -> bool:
    """A text longer than Excel allows in a cell: reported, and the value is not used."""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        run.add("valeur.trop_longue", sheet, cell, trouve=len(value), attendu=MAX_TEXT)
        return True
    return False
