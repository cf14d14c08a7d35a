"""Sheets and header rows: find the expected sheets and columns, walk the data rows.

What spreadsheet applications and operators do to the layout is met here (README *The
bilan workbook*): a sheet name matched twice is an `erreur` naming both; a workbook
with none of the expected sheets is one finding, not five; a title row above a header
is an `erreur` that names the shifted header, and the sheet is still read below it (so
the bilan is known, as received but invalid); merged cells down a column give their
value to each row of the merge, with an `avertissement`; formatting is not data: the
row limit counts the rows that hold a value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cess_cli.catalogue import make
from cess_cli.checking.state import FileCheck
from cess_cli.findings import Finding, Severity
from cess_cli.reading import cells
from cess_cli.reading.cells import normalize
from cess_cli.reading.limits import Limits
from cess_cli.reading.workbook import Book, Sheet, col_letter
from cess_cli.referential.bilan_format import INSTRUCTIONS_TITLE, LISTS_TITLE, SHEETS, SheetSpec

HEADER_SEARCH_ROWS = 10  # how far below row 1 a shifted header is looked for


def locate_sheets(run: FileCheck, book: Book, limits: Limits) -> dict[str, Sheet | None]:
    """The expected sheets of a bilan, by key (`identification`…), None where missing,
    doubled or too large (each with its finding)."""
    matches: dict[str, list[str]] = {}
    for name in book.sheet_names:
        matches.setdefault(normalize(name), []).append(name)
    expected = {normalize(s.title) for s in SHEETS} | {normalize(INSTRUCTIONS_TITLE), normalize(LISTS_TITLE)}
    out: dict[str, Sheet | None] = {spec.key: None for spec in SHEETS}
    if not any(normalize(spec.title) in matches for spec in SHEETS):
        titles = ", ".join(spec.title for spec in SHEETS)
        names = ", ".join(book.sheet_names[:8]) + (
            f"… ({len(book.sheet_names)} feuilles)" if len(book.sheet_names) > 8 else ""
        )
        run.add("fichier.pas_un_bilan", None, None, attendu=titles, trouve=names or "aucune")
        return out
    strangers = [n for n in book.sheet_names if normalize(n) not in expected]
    for spec in SHEETS:
        found = matches.get(normalize(spec.title), [])
        if len(found) > 1:
            names = " et ".join(f"« {n} »" for n in found)
            run.add("feuille.en_double", found[0], None, attendu=spec.title, trouve=names)
            continue
        if not found:
            run.result.findings.append(_missing_sheet(run, book, spec, strangers))
            continue
        sheet = book.sheet(found[0])
        if _too_large(run, sheet, limits):
            continue
        _fill_merged(run, sheet)
        out[spec.key] = sheet
        run.sheet_names[spec.key] = sheet.name
    return out


def _missing_sheet(run: FileCheck, book: Book, spec: SheetSpec, strangers: list[str]) -> Finding:
    finding = make(
        "feuille.manquante", run.display, spec.title, None, attendu=spec.title, trouve=", ".join(book.sheet_names)
    )
    if strangers:
        hint = f"La feuille « {strangers[0]} » a-t-elle été renommée ? Rendez-lui le nom « {spec.title} »."
        finding = Finding(**{**finding.to_dict(), "severity": finding.severity, "hint": hint})
    return finding


def _has_value(v: Any) -> bool:
    return v != "" and v is not None and not (type(v) is str and not v.strip())


def _too_large(run: FileCheck, sheet: Sheet, limits: Limits) -> bool:
    """Rows and columns that hold a value, against the limits: formatting down to row
    12 000 is not data (the zip limits of the pre-flight still bound what is inflated)."""
    if len(sheet.rows) <= limits.max_rows and all(len(row) <= limits.max_columns for row in sheet.rows):
        return False  # the whole grid is within the limits: nothing to count
    used = [
        (r, max(c for c, v in enumerate(row) if _has_value(v)))
        for r, row in enumerate(sheet.rows)
        if any(map(_has_value, row))
    ]
    rows = len(used)
    cols = max((c for _, c in used), default=-1) + 1
    if rows > limits.max_rows or cols > limits.max_columns:
        detail = f"{rows} lignes remplies et {cols} colonnes (limites {limits.max_rows} et {limits.max_columns})"
        run.add("fichier.trop_gros", sheet.name, None, detail=detail)
        return True
    return False


def _fill_merged(run: FileCheck, sheet: Sheet) -> None:
    """A merge down a column (LibreOffice and Excel keep the value in its first cell
    only): the value applies to each row of the merge, with an `avertissement`. A merge
    across columns gives nothing to the cells it covers (a comment over two columns
    must not become a second figure)."""
    for r0, c0, r1, c1 in sheet.merged:
        if r1 <= r0 or r0 >= len(sheet.rows):
            continue
        top = sheet.rows[r0]
        value = top[c0] if c0 < len(top) else ""
        if not _has_value(value):
            continue
        for r in range(r0 + 1, min(r1, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            if len(row) <= c0:
                row.extend([""] * (c0 + 1 - len(row)))
            if not _has_value(row[c0]):
                row[c0] = value
        span = f"{col_letter(c0)}{r0 + 1}:{col_letter(c1)}{r1 + 1}"
        shown = cells.parse_text(value) or str(value)
        run.add("cellule.fusionnee", sheet.name, f"{col_letter(c0)}{r0 + 1}", detail=span, trouve=shown)


def columns_of(run: FileCheck, sheet: Sheet, spec: SheetSpec) -> dict[str, int] | None:
    """The column of each expected name in the header row ({name: 0-based index}), None
    when an essential column is missing (each missing column is a finding). A header
    found below row 1 is an `erreur` (`entete.decalee`) and the sheet is read below it."""
    if not _header_matches(sheet.header(0), spec):
        _find_shifted_header(run, sheet, spec)
    header = sheet.header()
    by_norm = {name: i for i, name in reversed(list(enumerate(header))) if name}
    index = {col: by_norm[normalize(col)] for col in spec.columns if normalize(col) in by_norm}
    _warn_invisible(run, sheet, index)
    ok = True
    hrow = sheet.header_row + 1
    for pos, col in enumerate(spec.columns):
        if col in index:
            continue
        raw_header = sheet.rows[sheet.header_row] if sheet.header_row < len(sheet.rows) else []
        found = ", ".join(str(v) for v in raw_header if not cells.is_blank(v)) or "rien"
        severity = None if col in spec.essential else Severity.AVERTISSEMENT
        run.result.findings.append(
            make(
                "colonne.manquante",
                run.display,
                sheet.name,
                f"{col_letter(pos)}{hrow}",
                severity=severity,
                attendu=col,
                trouve=found,
            )
        )
        ok = ok and col not in spec.essential
    return index if ok else None


def _header_matches(header: list[str], spec: SheetSpec) -> bool:
    names = set(header)
    return all(normalize(col) in names for col in spec.essential)


def _find_shifted_header(run: FileCheck, sheet: Sheet, spec: SheetSpec) -> None:
    for r in range(1, min(HEADER_SEARCH_ROWS, len(sheet.rows))):
        if _header_matches(sheet.header(r), spec):
            above = [cells.parse_text(v) for row in sheet.rows[:r] for v in row]
            detail = " ; ".join(t for t in above if t)[:120] or "lignes vides"
            run.add("entete.decalee", sheet.name, f"A{r + 1}", trouve=r + 1, detail=detail)
            sheet.header_row = r
            return


def _warn_invisible(run: FileCheck, sheet: Sheet, index: dict[str, int]) -> None:
    """A header that matched once its invisible characters were removed: say so."""
    raw = sheet.rows[sheet.header_row] if sheet.header_row < len(sheet.rows) else []
    for idx in sorted(index.values()):
        value = raw[idx] if idx < len(raw) else None
        if isinstance(value, str):
            _, code, fields = cells.clean(value)
            if code == "texte.invisible":
                run.add(code, sheet.name, f"{col_letter(idx)}{sheet.header_row + 1}", **fields)


def data_rows(sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    """Data rows (below the header row) with their Excel row number; rows with no value
    at all are skipped. An error cell is a value: its row is never skipped."""
    for r, row in enumerate(sheet.rows[sheet.header_row + 1 :], start=sheet.header_row + 2):
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
