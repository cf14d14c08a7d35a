"""Tables in output workbooks: a styled header row, French number formats, frozen and
filterable, printed landscape to the page width. Every text goes through `safety.set_cell`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cess_cli.outputs.safety import set_cell

HEADER_FONT = Font(bold=True, color="FFFFFF")


HEADER_FILL = PatternFill("solid", fgColor="1F4E78")


TITLE_FONT = Font(bold=True, size=14)


INT = "#,##0"


DEC = "#,##0.0"


EUR = "#,##0 €"


PCT = "0.0%"


UNIT_FORMAT = {"nombre": INT, "ETP": DEC, "euros": EUR, "%": PCT}


@dataclass(frozen=True)
class Col:
    title: str
    key: str
    fmt: str | None = None
    width: int = 14


def cell_value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


def write_table(
    ws: Worksheet, rows: Sequence[dict[str, Any]], cols: Sequence[Col], start: int = 1, unit_key: str | None = None
) -> int:
    """Header + rows from `start`; frozen header, filter, formats. Returns the next free row."""
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=start, column=j)
        set_cell(cell, col.title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(j)].width = col.width
    for i, row in enumerate(rows, start=start + 1):
        unit_fmt = UNIT_FORMAT.get(row.get(unit_key, "")) if unit_key else None
        for j, col in enumerate(cols, start=1):
            cell = ws.cell(row=i, column=j)
            set_cell(cell, cell_value(row.get(col.key)))
            fmt = unit_fmt if col.fmt == "unit" else col.fmt
            if fmt:
                cell.number_format = fmt
    last = start + len(rows)
    ws.freeze_panes = ws.cell(row=start + 1, column=1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.auto_filter.ref = f"A{start}:{get_column_letter(len(cols))}{max(last, start + 1)}"
    return last + 2


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")] if len(df) else []


def sheet_title(ws: Worksheet, text: str, sub: str = "") -> int:
    set_cell(ws.cell(row=1, column=1), text)
    ws.cell(row=1, column=1).font = TITLE_FONT
    if sub:
        set_cell(ws.cell(row=2, column=1), sub)
        ws.cell(row=2, column=1).alignment = Alignment(wrap_text=False)
    return 4
