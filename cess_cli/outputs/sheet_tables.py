"""Tables in output workbooks that read and print well: a styled header row tall enough for its
wrapped titles, columns sized to their content, numbers right-aligned under right-aligned
headers in French number formats, frozen and filterable, printed landscape to the page width
with the header row repeated on every page. Every text goes through `safety.set_cell`."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cess_cli.consolidation.shared import PERCENT_FORMAT
from cess_cli.outputs.print_pages import print_setup as print_setup  # re-exported: synthese, template
from cess_cli.outputs.print_pages import wrapped_lines
from cess_cli.outputs.safety import denoise, set_cell

# Named: a font without a name prints in LibreOffice's default serif (wider, and not the
# workbook's Calibri, or Carlito, whose metrics the widths are measured on)
HEADER_FONT = Font(name="Calibri", bold=True, color="FFFFFF")


HEADER_FILL = PatternFill("solid", fgColor="1F4E78")


TITLE_FONT = Font(name="Calibri", bold=True, size=14)


INT = "#,##0"


DEC = "#,##0.0"


ETP = '#,##0.0 "ETP"'  # the unit shown with the figure, as « € » and « % » are: « 4 352,1 ETP »


EUR = "#,##0 €"


PCT = PERCENT_FORMAT  # « 87,3 % »


UNIT_FORMAT = {"nombre": INT, "ETP": ETP, "euros": EUR, "%": PCT}

LINE_HEIGHT = 15.0  # points per line of 11-point text
MIN_WIDTH, MAX_NUMBER_WIDTH = 8, 18
MAX_WORD_WIDTH = 40  # a column grows to its longest word if it fits in this; a longer one (a SHA-256) wraps
BOLD_CHAR = 1.15  # width units a bold header character takes (LibreOffice's fallback bold is wide)
RIGHT = Alignment(horizontal="right", vertical="top")
TOP = Alignment(horizontal="left", vertical="top", indent=1)  # text keeps clear of a number on its left
WRAP = Alignment(horizontal="left", wrap_text=True, vertical="top", indent=1)  # (an indent needs "left")


@dataclass(frozen=True)
class Col:
    """A column: its French title, the row key, its number format (or "unit": the row's unit
    decides) and the widest it may grow before its text wraps (characters)."""

    title: str
    key: str
    fmt: str | None = None
    width: int = 14


def cell_value(v: Any) -> Any:
    """A value as a cell or a CSV field holds it: None for no figure (None, NaN), a numpy
    scalar as Python's, a float without its binary noise (`safety.denoise`)."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return denoise(v)


def year_value(value: Any) -> Any:
    """A year of an « Année » column as a number (« 2015 » -> 2015: Excel sorts and filters
    it as one, and marks no « nombre stocké sous forme de texte »); a period
    (« Période 2014-2016 ») stays text. The column keeps the alignment of its text."""
    if isinstance(value, str) and len(value) == 4 and value.isascii() and value.isdigit():
        return int(value)
    return value


def shown_length(value: Any, fmt: str | None) -> int:
    """About how many characters a value takes once formatted (for column widths)."""
    if value is None:
        return 0
    if type(value) is str and value.isprintable():  # one line (every line break is unprintable)
        return len(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 10 if isinstance(value, date) else max((len(part) for part in str(value).splitlines()), default=0)
    if fmt == PCT:
        return len(f"{value * 100:.1f} %")
    decimals = 1 if fmt in (DEC, ETP, "#,##0.0#") else 0
    return len(f"{value:,.{decimals}f}") + {EUR: 2, ETP: 4}.get(fmt or "", 0)


_BREAKS = re.compile(r"\s+|(?<=[-—])(?=[^\W\d_])")  # where LibreOffice and Excel may wrap a line


def longest_word(text: str) -> int:
    """The length of the longest piece of `text` a line cannot be broken in (characters):
    lines wrap at spaces and after a hyphen (« reprise- » / « transmission »)."""
    return max((len(w) for w in _BREAKS.split(text)), default=0)


def header_lines(title: str, width: float) -> int:
    """Lines a header title takes once wrapped at `width` characters (whole words)."""
    lines, used = 1, 0
    for word in title.split():
        if used and used + 1 + len(word) > width:
            lines, used = lines + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return lines


def write_table(
    ws: Worksheet,
    rows: Sequence[dict[str, Any]],
    cols: Sequence[Col],
    start: int = 1,
    unit_key: str | None = None,
    main: bool = True,
) -> int:
    """Header + rows from `start`; formats, widths (never narrowing a column an earlier table
    of the sheet needs) and, for the sheet's `main` table, frozen header, filter and print
    setup. Returns the next free row."""
    numeric = [False] * len(cols)
    longest = [0] * len(cols)
    word = [0] * len(cols)  # the longest word of each text column: it is never broken
    styles = _Styles()
    grid: list[list[Any]] = []  # the cells written, row by row, for the second pass
    for i, row in enumerate(rows, start=start + 1):
        unit_fmt = UNIT_FORMAT.get(row.get(unit_key, "")) if unit_key else None
        line: list[Any] = []
        grid.append(line)
        for j, col in enumerate(cols, start=1):
            cell = ws.cell(row=i, column=j)
            line.append(cell)
            value = year_value(cell_value(row.get(col.key))) if col.key == "annee" else cell_value(row.get(col.key))
            set_cell(cell, value)
            fmt = unit_fmt if col.fmt == "unit" else col.fmt
            is_number = isinstance(value, int | float) and not isinstance(value, bool) and col.key != "annee"
            if is_number:
                numeric[j - 1] = True
            styles.apply(cell, RIGHT if is_number or isinstance(value, date) else None, fmt)  # dates top, too
            longest[j - 1] = max(longest[j - 1], shown_length(value, fmt))
            if type(value) is str and len(value) > word[j - 1]:  # (no longer word in a shorter text)
                word[j - 1] = max(word[j - 1], longest_word(value))
    widths = _widths(ws, cols, numeric, longest, start, keep=not main, words=word)
    for i, (row, line) in enumerate(zip(rows, grid, strict=True), start=start + 1):  # text wraps past its
        lines = 1  # column; rows as tall as their lines
        for j, col in enumerate(cols):
            value = row.get(col.key)
            if col.key == "annee" and isinstance(value, int):
                value = str(value)  # a year is aligned as the period text of its column
            if isinstance(value, str) and not numeric[j]:
                n = wrapped_lines(value, widths[j])
                styles.apply(line[j], WRAP if n > 1 else TOP)
                lines = max(lines, n)
        if lines > 1:
            ws.row_dimensions[i].height = LINE_HEIGHT * lines + 2
    last = start + len(rows)
    if main:
        ws.freeze_panes = ws.cell(row=start + 1, column=1)
        print_setup(ws, title_row=start)
        ws.auto_filter.ref = f"A{start}:{get_column_letter(len(cols))}{max(last, start + 1)}"
    return last + 2


class _Styles:
    """Styles given to many cells at once. openpyxl looks each style object up in the
    workbook's style tables on every assignment (most of the time a large table takes);
    a cell's style is a small array of those indices, so the array a first cell got is
    copied to the next ones given the same alignment and format: the same workbook, bytes
    for bytes, in a fraction of the time."""

    def __init__(self) -> None:
        self._done: dict[tuple[int, int, str | None], StyleArray] = {}

    def apply(self, cell: Any, alignment: Alignment | None, fmt: str | None = None) -> None:
        """Give `cell` `alignment` (None: keep its own) and number format `fmt` (None: keep)."""
        if alignment is None and fmt is None:
            return
        key = (id(alignment), hash(cell._style), fmt)  # the same starting style, the same changes
        done = self._done.get(key)
        if done is not None:
            cell._style = copy(done)
            return
        if alignment is not None:
            cell.alignment = alignment
        if fmt:
            cell.number_format = fmt
        self._done[key] = copy(cell._style)


def _widths(
    ws: Worksheet,
    cols: Sequence[Col],
    numeric: list[bool],
    longest: list[int],
    start: int,
    keep: bool = False,
    words: Sequence[int] = (),
) -> list[float]:
    """Size each column to its content (text up to its `Col.width`, but never narrower than its
    longest word, up to `MAX_WORD_WIDTH`: a file name or a code is not broken on paper; numbers
    whole) and write the header row, numeric headers right-aligned, tall enough for its wrapped
    titles."""
    widths: list[float] = []
    header_height = 1
    for j, col in enumerate(cols, start=1):
        is_number = numeric[j - 1] or col.fmt not in (None, "DD/MM/YYYY")
        cap = MAX_NUMBER_WIDTH if is_number else col.width
        word = max((len(w) for w in col.title.split()), default=4)
        word_width = math.ceil(word * BOLD_CHAR) + 3  # a header word is never broken: bold, indent, padding
        width = float(max(MIN_WIDTH, word_width, min(longest[j - 1] + 3, max(cap, 10))))
        if words and not is_number and words[j - 1] + 3 <= MAX_WORD_WIDTH:
            width = max(width, float(words[j - 1] + 3))
        if keep:  # a second table of the sheet: as wide as the first one needs, too
            width = max(width, ws.column_dimensions[get_column_letter(j)].width or 0)
        widths.append(width)
        ws.column_dimensions[get_column_letter(j)].width = width
        header_height = max(header_height, header_lines(col.title, (width - 3) / BOLD_CHAR))
        cell = ws.cell(row=start, column=j)
        set_cell(cell, col.title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        align = {"horizontal": "right"} if is_number else {"horizontal": "left", "indent": 1}
        cell.alignment = Alignment(wrap_text=True, vertical="bottom", **align)
    ws.row_dimensions[start].height = LINE_HEIGHT * header_height + 3
    return widths


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")] if len(df) else []


def sheet_title(ws: Worksheet, text: str, sub: str = "") -> int:
    set_cell(ws.cell(row=1, column=1), text)
    ws.cell(row=1, column=1).font = TITLE_FONT
    if sub:
        set_cell(ws.cell(row=2, column=1), sub)
        ws.cell(row=2, column=1).alignment = Alignment(wrap_text=False)
    return 4
