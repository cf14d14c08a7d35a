"""Which parts of the report are kept on one printed page (SPEC §6 *The COPIL report*: it prints
on A4).

A heading, its chart and the start of its table are always kept together by the print CSS
(`break-after: avoid`). Keeping a *whole* section together (`break-inside: avoid`, the `keep`
class) is only right where it fits on one page: a renderer pushes a section that does not fit
to the next page and breaks it there anyway, leaving a blank page end behind. This module
estimates, in millimetres of an A4 page as `rapport.css` lays it out, how tall each part will
be, and marks `keep` those that fit with a margin. The estimate errs on the tall side: a part
wrongly thought too tall is only broken between its table's rows (its heading, chart and
first rows still together), which is what happens to a part that is really too tall.
"""

from __future__ import annotations

import math
import re

from cess_cli.outputs.report.drawing import Chart
from cess_cli.outputs.report.model import ActionTexts, Block, EffectView, Report, Table

PAGE_MM = 263.0  # A4 (297 mm) less the 16 + 18 mm margins of rapport.css's @page
FIT_MM = 248.0  # what is kept together: the page, less a margin for the estimate's error
LINE_MM = 4.5  # a 9 pt table line at line-height 1.4
ROW_MM = 2.0  # a table row's padding and border
TEXT_CHARS = 100  # characters of 9 pt text on the 180 mm text width
HEADING_CHARS = 75  # characters of a 12.5 pt heading on the same width
INDICATOR_MM = 38.0  # an indicator of an effect's table: three years and the period with its rule
STOCK_MM = 4.0  # a stock's period rule is a line longer (« valeur et cible de la dernière année »)
_SVG_HEIGHT = re.compile(r'<svg\b[^>]*?\sheight="([0-9.]+)pt"')


def lines(text: str, chars: int) -> int:
    """How many lines `text` takes at `chars` characters a line (each of its own lines at least
    one)."""
    return sum(max(1, math.ceil(len(part) / max(chars, 1))) for part in text.split("\n")) if text else 0


def chart_mm(chart: Chart) -> float:
    """The printed height of a chart with its figure margins: the SVG's own height (matplotlib
    writes it in points; the chart is narrower than the text, so it is printed at its size)."""
    found = _SVG_HEIGHT.search(chart.svg)
    return (float(found[1]) * 25.4 / 72 if found else PAGE_MM) + 6.0


def heading_mm(text: str, labelled: bool = False) -> float:
    """An h2 with its top margin and rule; `labelled`: with the small « Effet attendu » line."""
    return 8.5 + 6.2 * lines(text, HEADING_CHARS) + (5.0 if labelled else 0.0)


def note_mm(text: str) -> float:
    """A note (8.5 pt) or a paragraph under a table or a heading."""
    return 2.0 + 4.2 * lines(text, TEXT_CHARS) if text else 0.0


def table_mm(t: Table) -> float:
    """A table with its caption and note: each row as tall as its tallest cell, a cell's width
    taken as an equal share of the text width."""
    chars = max(8, TEXT_CHARS // max(len(t.headers), 1) - 2)
    header = ROW_MM + LINE_MM * max((lines(h, chars) for h in t.headers), default=1)
    rows = sum(ROW_MM + LINE_MM * max((lines(c, chars) for c in row), default=1) for row in t.rows)
    return 5.0 + note_mm(t.caption) + header + rows + note_mm(t.note)


def effect_mm(e: EffectView) -> float:
    """An expected effect: heading, notes, chart, its table of indicators."""
    height = heading_mm(e.libelle, labelled=True) + note_mm(e.indirect) + (chart_mm(e.chart) if e.chart else 0.0)
    if e.indicators:
        height += 16.0 + sum(INDICATOR_MM + (STOCK_MM if i.nature.startswith("stock") else 0.0) for i in e.indicators)
    return height + note_mm(" ".join(e.computed)) + (0.0 if e.indicators or e.computed else note_mm("—"))


def block_head_mm(b: Block) -> float:
    """A block's heading, introduction, charts and first table: what is kept together."""
    return (
        heading_mm(b.title)
        + note_mm(b.intro)
        + sum(chart_mm(c) for c in b.charts)
        + (table_mm(b.tables[0]) if b.tables else 0.0)
    )


def text_row_mm(texts: list[str]) -> float:
    """A row of qualitative texts, one per year, in the columns of `table.texts` (its label
    column takes 18 % of the width, the years share the rest)."""
    chars = max(8, int(TEXT_CHARS * 0.82 / max(len(texts), 1)) - 3)
    return ROW_MM + LINE_MM * max((lines(str(t), chars) for t in texts), default=1)


def mark_long_texts(action: ActionTexts) -> None:
    """Mark the rubriques whose texts are too long to be moved whole to the next page: only
    they may break across pages (the others are never parted from their label)."""
    action.long = [text_row_mm(texts) > PAGE_MM / 2 for _, texts in action.rubriques]


def mark_keeps(report: Report) -> None:
    """Set `keep` on every effect, block head and further table of `report` that fits on one
    printed page (see the module's docstring)."""
    blocks = [b for ch in [*report.chapters, report.financing, report.completeness] for b in ch.blocks]
    for ch in report.chapters:
        for e in ch.effects:
            e.keep = effect_mm(e) <= FIT_MM
    for b in blocks:
        b.keep = block_head_mm(b) <= FIT_MM
        for t in b.tables[1:]:
            t.keep = table_mm(t) <= FIT_MM
    for action in report.qualitative:
        mark_long_texts(action)
