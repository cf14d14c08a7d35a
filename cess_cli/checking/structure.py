"""Sheets and header rows: find the expected sheets and columns, walk the data rows.

What spreadsheet applications and operators do to the layout is met here (README *The
bilan workbook*): a sheet name matched twice is an `erreur` naming both; a workbook
with none of the expected sheets is one finding, not five; a title row above a header
is an `erreur` that names the shifted header, and the sheet is still read below it (so
the bilan is known, as received but invalid); a merge down a key column gives its key
to each row of the merge, with an `avertissement`, a merge down a value column over
several rows is an `erreur` and is not read; two header cells with one name are an
`erreur`; an expected sheet hidden beside a visible near namesake is an
`avertissement`; a row with content but no key is `ligne.incomplete`; formatting is not
data: the row limit counts the rows that hold a value.
"""

from __future__ import annotations

from collections.abc import Iterator
from difflib import SequenceMatcher
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
        if sheet.name in book.hidden:
            _hidden_sheet(run, book, spec, sheet.name, strangers)
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


def _hidden_sheet(run: FileCheck, book: Book, spec: SheetSpec, name: str, strangers: list[str]) -> None:
    """The expected sheet is hidden while a visible sheet has a near name (Excel's copy
    « Indicateurs (2) », « Copie de Indicateurs »): the operator may have typed the figures
    in the copy, which cess does not read; an `avertissement` (`feuille.masquee`) naming both."""
    title = normalize(spec.title)
    for other in strangers:
        norm = normalize(other)
        if other not in book.hidden and (title in norm or SequenceMatcher(None, title, norm).ratio() >= 0.8):
            run.add("feuille.masquee", name, None, trouve=name, detail=other, attendu=spec.title)
            return


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


def _merged_rows(run: FileCheck, sheet: Sheet, spec: SheetSpec, index: dict[str, int]) -> None:
    """Merges down a column below the header (Excel and LibreOffice keep the value in the
    merge's first cell only). Down a key column (a département over two indicator rows)
    the key applies to each row of the merge that holds data, with an `avertissement`
    (`cellule.fusionnee`). Down a column whose value cess reads (an amount, a valeur, a
    text), over two rows or more that hold data, it is an `erreur`
    (`cellule.fusionnee_valeur`) naming the range: one figure cannot stand for several
    rows, and none of its cells is read (`FileCheck.merged`). A merge across columns, or
    in a column cess does not read, gives nothing to the cells it covers."""
    keys = {index[c] for c in spec.keys if c in index}
    values = {index[c]: c for c in spec.columns if c in index and c not in spec.keys and c not in spec.informative}
    for r0, c0, r1, c1 in sheet.merged:
        if r1 <= r0 or r0 <= sheet.header_row or r0 >= len(sheet.rows) or (c0 not in keys and c0 not in values):
            continue
        value = cell_value(sheet.rows[r0], c0)
        if not _has_value(value):
            continue
        last = min(r1, len(sheet.rows) - 1)
        holding = [r for r in range(r0, last + 1) if _holds_data(sheet.rows[r], c0, c1)]
        span = f"{col_letter(c0)}{r0 + 1}:{col_letter(c1)}{r1 + 1}"
        shown = cells.shown(value)
        if c0 in values:
            if len(holding) > 1:
                run.merged.update((sheet.name, f"{col_letter(c0)}{r + 1}") for r in range(r0, last + 1))
                run.add(
                    "cellule.fusionnee_valeur",
                    sheet.name,
                    f"{col_letter(c0)}{r0 + 1}",
                    detail=span,
                    trouve=value if isinstance(value, int | float) and not isinstance(value, bool) else shown,
                    attendu=values[c0],
                )
            continue
        filled = False
        for r in holding:
            row = sheet.rows[r]
            if len(row) <= c0:
                row.extend([""] * (c0 + 1 - len(row)))
            if not _has_value(row[c0]):
                row[c0], filled = value, True
        if filled:
            run.add("cellule.fusionnee", sheet.name, f"{col_letter(c0)}{r0 + 1}", detail=span, trouve=shown)


def _holds_data(row: list[Any], c0: int, c1: int) -> bool:
    """Whether a row holds a value outside the merged columns c0..c1."""
    return any(_has_value(v) for c, v in enumerate(row) if c < c0 or c > c1)


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
    if not ok:
        return None
    _doubled_columns(run, sheet, spec, header)
    if sheet.merged:
        _merged_rows(run, sheet, spec, index)
    return index


def _doubled_columns(run: FileCheck, sheet: Sheet, spec: SheetSpec, header: list[str]) -> None:
    """Two header cells with one expected name (`montant_obtenu` twice): an `erreur`
    (`colonne.en_double`) naming both cells; cess never picks one (the first is read,
    the bilan is blocked)."""
    hrow = sheet.header_row + 1
    for col in spec.columns:
        where = [f"{col_letter(i)}{hrow}" for i, name in enumerate(header) if name == normalize(col)]
        if len(where) > 1:
            run.add("colonne.en_double", sheet.name, where[0], attendu=col, trouve=" et ".join(where))


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


def keyless_row(run: FileCheck, sheet: Sheet, row: list[Any], r: int, key: int, name: str) -> None:
    """A data row whose key cell (`key`, 0-based; `name` its column) is blank while the row
    holds a value (a libellé and a valeur without a code, a text without a rubrique):
    `ligne.incomplete` at the key cell, naming the row's first value and its cell, as the
    model says of a Financements or Territoires row; nothing typed is dropped in silence.
    A key cell holding an error cell has its own finding already."""
    if cells.marker(cell_value(row, key)) is not None:
        return
    found = next(((c, v) for c, v in enumerate(row) if c != key and _has_value(v)), None)
    if found is None:
        return
    c, v = found
    shown = cells.shown(v)
    shown = shown if len(shown) <= 60 else shown[:59] + "…"
    detail = f", alors que la ligne contient « {shown} » en {col_letter(c)}{r}"
    run.add("ligne.incomplete", sheet.name, f"{col_letter(key)}{r}", attendu=name, detail=detail)


MAX_TEXT = 32767  # Excel's own limit for one cell


def cell_value(row: list[Any], idx: int | None) -> Any:
    return row[idx] if idx is not None and idx < len(row) else None


def too_long(run: FileCheck, value: Any, sheet: str, cell: str) -> bool:
    """A text longer than Excel allows in a cell: reported, and the value is not used."""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        run.add("valeur.trop_longue", sheet, cell, trouve=len(value), attendu=MAX_TEXT)
        return True
    return False
