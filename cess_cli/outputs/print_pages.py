"""How a wide sheet prints (issue 9 review): fitted to the page width while that keeps the
text at 55 % of its size or more, else at 60 % on as many pages wide as needed, the columns that say what a row is (action, indicator, year…) repeated on each page,
like the header row.

Widths are Excel's character units; LibreOffice and Excel print one such unit at about
6.8 points at 100 % (Calibri or Carlito 11 pt with the cell's padding), measured on the
workbooks cess writes rendered by LibreOffice in a French locale."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

POINTS_PER_UNIT = 6.8
A4_POINTS = {"landscape": 841.9, "portrait": 595.3}
MIN_SCALE = 0.6  # below this, text of 11 pt prints under 6.6 pt: too small to read on paper
FIT_SCALE = 0.55  # one page wide down to this scale: a sheet just too wide is not split for a column


def _printable(ws: Worksheet) -> float:
    orientation = ws.page_setup.orientation or "portrait"
    margins = float(ws.page_margins.left or 0) + float(ws.page_margins.right or 0)
    return A4_POINTS.get(orientation, A4_POINTS["portrait"]) - 72 * margins


def _width(ws: Worksheet, first: int, last: int) -> float:
    return float(sum(ws.column_dimensions[get_column_letter(j)].width or 13 for j in range(first, last + 1)))


def fit_scale(ws: Worksheet) -> float:
    """The scale at which the sheet's used columns fit the printable width of one A4 page."""
    total = _width(ws, 1, ws.max_column)
    return _printable(ws) / (total * POINTS_PER_UNIT) if total else 1.0


def print_wide(ws: Worksheet, repeat: str | None) -> None:
    """Keep the sheet fitted to one page wide when that prints at `FIT_SCALE` (55 %) or more;
    otherwise print it at `MIN_SCALE` (60 %) on as many pages wide as that needs
    (LibreOffice and Excel lay the pages), with the columns `repeat`
    (« A:C ») printed again at the left of every page. The print setup (paper, header row,
    footer) is the one the sheet already has; pages go across, then down."""
    if fit_scale(ws) >= FIT_SCALE:
        return
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = None
    ws.page_setup.scale = round(MIN_SCALE * 100)  # the fewest pages that stay readable
    ws.page_setup.pageOrder = "overThenDown"  # a row's pages side by side: its figures, then the rest
    if repeat:
        ws.print_title_cols = repeat
