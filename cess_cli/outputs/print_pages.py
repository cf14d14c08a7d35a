"""How the sheets cess writes print on A4 (README *The evaluation workbook*, *Printing*).

Every table of the evaluation workbook and the *Corrections* sheet of a feedback copy prints
one page wide (fit to width, as many pages down as needed), its header row repeated on every
page: a row is read whole on one sheet of paper. Their column widths are chosen so that this
is at a legible scale (about 70 % or more in the reader's Calibri or Carlito: 11-point text
printed at 7.7 points).

Widths are Excel's character units: the width of a digit of the workbook's font. LibreOffice
prints one unit at about 5.56 points at 100 % when Calibri is found as Carlito (its metric
twin: Excel prints it at about the same), and at about 7.05 points when it falls back to
DejaVu Sans (wider: the same sheet prints about 20 % smaller), measured on the workbooks cess
writes. The blank template (`print_wide`) keeps its own rule."""

from __future__ import annotations

import re

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

CHARS_PER_UNIT = 1.15  # characters of proportional text a width unit holds, on average
_WORDS = re.compile(r"(?<=\s)|(?<=[-—])(?=[^\W\d_])")  # a word keeps its space or hyphen: a line may end there
POINTS_PER_UNIT = 6.8  # the blank template's rule (print_wide), as it was measured for it
A4_POINTS = {"landscape": 841.9, "portrait": 595.3}
MIN_SCALE = 0.6  # below this, text of 11 pt prints under 6.6 pt: too small to read on paper
FIT_SCALE = 0.55  # one page wide down to this scale: a sheet just too wide is not split for a column


def print_setup(ws: Worksheet, title_row: int | None = None, landscape: bool = True, side_margin: float = 0.3) -> None:
    """A4, the sheet's width on one page (as many pages down as needed), the header row
    `title_row` repeated on every printed page, the sheet's name and page number in the
    footer (every workbook cess writes, the blank template included); `side_margin` in
    inches (0.3: 7.6 mm, within what printers print)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = side_margin
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if title_row is not None:
        ws.print_title_rows = f"{title_row}:{title_row}"
    ws.oddFooter.center.text = "&A — page &P / &N"
    for part in ("evenHeader", "evenFooter", "firstHeader", "firstFooter"):  # empty ones upset Gnumeric
        setattr(ws.HeaderFooter, part, None)


def wrapped_lines(text: str, width: float, chars_per_unit: float = CHARS_PER_UNIT) -> int:
    """How many lines `text` takes wrapped in a column `width` units wide (11 pt, the cell's
    padding and indent taken off), broken between words as LibreOffice and Excel do (a
    narrow column loses the end of most lines): for a row height that shows it whole."""
    per_line = max(width - 3, 1) * chars_per_unit
    if len(text) <= per_line and text.isprintable():
        return 1
    lines = 0
    for part in text.splitlines() or [""]:
        lines, used = lines + 1, 0.0
        for word in _WORDS.split(part):
            if used and used + len(word.rstrip()) > per_line:  # a line's last space takes no room
                lines, used = lines + 1, 0.0
            if len(word) > per_line:  # a word wider than the column is broken inside
                lines += int(len(word) // per_line)
                used = len(word) % per_line
            else:
                used += len(word)
    return lines


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
