"""Build bilan workbooks in code: a valid one from the template, then edits."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from cess_cli.outputs.template import write_template
from cess_cli.referential.loading import Referential

IDENT = {
    "porteur": "Union régionale des Scop",
    "siret": "73282932000074",
    "contact_nom": "Camille Martin",
    "contact_email": "camille.martin@example.org",
    "date_transmission": dt.datetime(2016, 3, 15),
}


def row_of(wb: Workbook, sheet: str, key: str) -> int:
    for row in wb[sheet].iter_rows(min_row=2):
        if row[0].value == key:
            return row[0].row
    raise KeyError(key)


def set_ident(wb: Workbook, key: str, value: Any) -> None:
    wb["Identification"].cell(row=row_of(wb, "Identification", key), column=3).value = value


def set_ind(wb: Workbook, code: str, value: Any, column: int = 5) -> None:
    wb["Indicateurs"].cell(row=row_of(wb, "Indicateurs", code), column=column).value = value


def typical_errors(wb: Workbook) -> None:
    """What an operator's bilan of III_1.1.1 typically gets wrong, one finding each: a blank
    required value, a number typed as text, a negative value, an amount shown as a percentage."""
    set_ind(wb, "structures_accompagnees", None)
    set_ind(wb, "entreprises_creees", "1 234")
    set_ind(wb, "collectivites_engagees", -2)
    wb["Financements"]["C2"].number_format = "0%"  # « 7 800 000 % »: an amount typed as a percentage


# what fill_valid types in the Indicateurs of III_1.1.3 (make_bilan's default action), by hand
FILLED_III_1_1_3 = {
    "entreprises_reprises": 10,
    "emplois_consolides": 180,
    "structures_accompagnees": 30,
    "evenements": 12,
}


def fill_valid(wb: Workbook, ref: Referential, action: str, year: int, values: dict[str, Any] | None = None) -> None:
    for key, value in IDENT.items():
        if key == "date_transmission":
            value = dt.datetime(year + 1, 3, 15)
        set_ident(wb, key, value)
    final = year == max(ref.actions[action].annees)
    territories = []
    for ia, ind in ref.typed_indicators(action):
        value = (values or {}).get(ia.code, ia.cibles[year])
        value = int(value) if ind.unite == "nombre" else value
        set_ind(wb, ia.code, value)
        if final:
            set_ind(wb, ia.code, value, column=6)
        if ind.territorial:
            territories.append((ia.code, value))
    ws = wb["Territoires"]
    for r, (code, value) in enumerate(territories, start=2):
        ws.cell(row=r, column=1, value="69")
        ws.cell(row=r, column=2, value=code)
        ws.cell(row=r, column=3, value=value)
        ws.cell(row=r, column=4, value=0)
        ws.cell(row=r, column=5, value=0)
    ws = wb["Financements"]
    ws["A2"], ws["B2"], ws["C2"] = "REGION", 80000, 78000
    wb["Bilan qualitatif"]["B2"] = "Réalisations de l'année."


def make_bilan(
    ref: Referential,
    folder: Path,
    action: str = "III_1.1.3",
    year: int = 2015,
    edit: Callable[[Workbook], None] | None = None,
    name: str | None = None,
    values: dict[str, Any] | None = None,
) -> Path:
    path = folder / (name or f"bilan_{action}_{year}.xlsx")
    write_template(ref, action, year, path)
    wb = load_workbook(path)
    fill_valid(wb, ref, action, year, values)
    if edit is not None:
        edit(wb)
    wb.save(path)
    return path


def schemas_with_inactive_year(base: Path, action: str = "III_1.1.3", year: int = 2015) -> Path:
    """A copy of the shipped referential under `base/schemas` in which `action` is not active
    in `year` (its targets for that year removed): the folder, for `load_referential`."""
    import yaml

    from cess_cli.referential.loading import load_referential

    schemas = base / "schemas"
    shutil.copytree(load_referential().folder, schemas)
    data = yaml.safe_load((schemas / "actions.yaml").read_text(encoding="utf-8"))
    found = next(a for a in data["actions"] if a["code"] == action)
    found["annees"] = [a for a in found["annees"] if a != year]
    for ind in found["indicateurs"]:
        ind["cibles"].pop(year)
    (schemas / "actions.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return schemas


def set_rows(wb: Workbook, sheet: str, rows: list[tuple[Any, ...]], first: int = 2) -> None:
    """Write `rows` from row `first` of `sheet` (column A onwards) and blank the rows below
    that the template or `fill_valid` filled, so the sheet holds exactly these rows."""
    ws = wb[sheet]
    last = max(ws.max_row, first + len(rows))
    for r in range(first, last + 1):
        values = rows[r - first] if r - first < len(rows) else ()
        for c in range(1, ws.max_column + 1):
            ws.cell(row=r, column=c).value = values[c - 1] if c - 1 < len(values) else None


def where(findings: list[Any]) -> list[tuple[str, str | None, str | None]]:
    """Findings as (code, sheet, cell), in the order found."""
    return [(f.code, f.sheet, f.cell) for f in findings]


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what no text cess writes may hold (tab, LF, CR aside)


def output_texts(folder: Path, *, own_sheets: bool = False) -> list[tuple[str, str, str]]:
    """Every text of every file under `folder` as a reader gets it back: (file, where,
    text). Workbooks: each text cell and comment of each sheet, and each formula as
    `formula:=…`; the operators' feedback copies keep the operator's own sheets as sent, so
    only their *Corrections* sheet and the comments cess added are read unless
    `own_sheets`. CSV: each field; PDF: the text a reader copies from it; any other file: its text."""
    out: list[tuple[str, str, str]] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = str(path.relative_to(folder))
        if path.suffix == ".xlsx":
            wb = load_workbook(path)
            copy = rel.endswith("_corrections.xlsx")
            for ws in wb:
                for row in ws.iter_rows():
                    for c in row:
                        at = f"{ws.title}!{c.coordinate}"
                        if c.comment is not None:
                            out.append((rel, at + " (commentaire)", c.comment.text))
                        if c.data_type == "f":
                            out.append((rel, at, f"formula:{c.value}"))
                        elif isinstance(c.value, str) and (own_sheets or not copy or ws.title == "Corrections"):
                            out.append((rel, at, c.value))
        elif path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as fh:
                for i, row in enumerate(csv.reader(fh), start=1):
                    out += [(rel, f"ligne {i}", field) for field in row]
        elif path.suffix == ".pdf":
            out.append((rel, "", pdf_text(path)))
        else:
            out.append((rel, "", path.read_text(encoding="utf-8")))
    return out


def pdf_text(path: Path) -> str:
    """The text of a PDF as a reader copies it, pages joined without a form feed (poppler's
    pdftotext, else pypdf)."""
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-nopgbrk", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
        )
        return done.stdout.decode("utf-8")
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def unsafe(texts: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The texts holding a control character or written as a formula."""
    return [t for t in texts if CONTROL.search(t[2]) or t[2].startswith("formula:")]


def shared(fixture_name: str, config: Any) -> str:
    """The scope of a costly fixture that runs the code under test: one per module, except
    while mutmut maps which tests reach which function (scripts/mutation.sh), where each test
    builds its own (mutmut credits a module fixture's calls to the first test that uses it,
    and would run only that one against a mutant). Against a mutant, a module's fixture is
    built once, under that mutant, as in a normal run."""
    return "function" if os.environ.get("MUTANT_UNDER_TEST") == "stats" else "module"
