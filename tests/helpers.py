"""Build bilan workbooks in code: a valid one from the template, then edits."""

from __future__ import annotations

import datetime as dt
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
