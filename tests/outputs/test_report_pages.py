"""The printed report read page by page, as a COPIL member reads it: a chart stands on the
page where its table starts, and no heading is left alone at the foot of a page (the review of
issue 9: a chart printed a page away from its table, a heading alone at a page foot).

The rule is checked on the PDF's own text (pdftotext, else pypdf), page by page, for the
sample bilans of the repository (a report of 38 pages). What is expected is read from the HTML
the PDF is made from: each chart's title (its text alternative, printed with it as hidden
text, starts with it), the caption, header and first cell of the table after it, each heading
and the first thing under it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

from cess_cli.consolidation.evaluation import consolidate
from cess_cli.outputs.report import write_report
from cess_cli.pipeline import collect

ROOT = Path(__file__).resolve().parents[2]
INTRODUCING = {"kicker", "precision", "intro", "axis", "hint", "indirect", "legend"}


@pytest.fixture(scope="module")
def printed(ref, tmp_path_factory):
    ev = consolidate(collect([ROOT / "sample_reports"], ref), ref, [2014, 2015, 2016])
    files = write_report(ev, ref, tmp_path_factory.mktemp("rapport_pages"), today=dt.date(2017, 4, 3))
    if files.pdf is None:
        pytest.skip(f"no PDF on this machine: {files.pdf_problem}")
    return lxml_html.fromstring(files.html.read_text(encoding="utf-8")), _pages(files.pdf)


def _norm(text: str) -> str:
    """Case and every kind of space left aside (the PDF prints « Effet attendu » in capitals)."""
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " ")).strip().casefold()


def _pages(pdf: Path) -> list[str]:
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
        pages = out.stdout.decode("utf-8").split("\f")
    else:
        from pypdf import PdfReader

        pages = [p.extract_text() for p in PdfReader(pdf).pages]
    # a word broken after its hyphen at a line's end (« Rhône-⏎Alpes ») is read whole
    return [_norm(re.sub(r"-[ \t]*\n\s*", "-", p)) for p in pages if p.strip()]


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _text(el) -> str:
    return _norm(el.text_content())


def _table_start(table) -> str:
    """A table's caption, header row and the text of its first cell: where it starts (a header
    repeated on a later page is followed by another row)."""
    caption = table.find("caption")
    head = [_text(th) for th in table.find("thead").iter("th")]
    first = next(table.find("tbody").iter("th", "td"))
    parts = ([_text(caption)] if caption is not None else []) + head + [_norm(first.text or "")]
    return " ".join(p for p in parts if p)


def _content_start(el) -> str | None:
    """What the reader sees first of `el`, as it is in the PDF's text."""
    if el.tag == "figure":  # its title, as its text alternative starts: « Titre. Figures… »
        return _text(el.find(".//title")) + "."
    if el.tag == "table":
        return _table_start(el)
    if _classes(el) & INTRODUCING:  # a kicker, an introduction, a legend: what it introduces counts
        return None
    if el.tag in ("ul", "ol", "dl"):
        return _text(el[0])[:60]
    if el.tag == "pre":
        return _text(el)[:60]
    if el.tag in ("section", "div"):
        return next((_content_start(c) for c in el if _content_start(c)), None)
    if el.tag in ("h1", "h2", "h3"):
        return _text(el)
    if el.tag == "p":
        return _text(el)[:60]
    return None


def _page_of(pages: list[str], marker: str, start: int) -> int:
    found = next((i for i in range(start, len(pages)) if marker in pages[i]), None)
    assert found is not None, f"not found from page {start + 1}: {marker!r}"
    return found


def test_each_chart_is_printed_on_the_page_where_its_table_starts(printed):
    page, pages = printed
    checked, cursor = 0, 1
    for fig in page.iter("figure"):
        table = next((s for s in fig.itersiblings() if s.tag == "table"), None)
        if table is None:
            continue
        title = _content_start(fig)
        chart_page = _page_of(pages, title, cursor)
        assert _table_start(table) in pages[chart_page], (
            f"page {chart_page + 1}: the chart « {title} » is printed without the start of its table"
        )
        checked, cursor = checked + 1, chart_page
    assert checked >= 15  # every effect with indicators, Q3's départements, Q4, financing, completeness


def test_no_heading_is_left_alone_at_the_foot_of_a_page(printed):
    page, pages = printed
    checked, cursor = 0, 1
    for heading in page.find(".//main").iter("h1", "h2"):
        after = next((m for m in map(_content_start, heading.itersiblings()) if m), None)
        if after is None:  # the last heading of its section: what follows is the next section's
            continue
        where = _page_of(pages, _text(heading), cursor)
        assert after in pages[where], f"page {where + 1}: « {_text(heading)} » is not followed by « {after} »"
        checked, cursor = checked + 1, where
    assert checked >= 50  # chapters, effects, blocks, anomaly kinds, each action's qualitative bilans


def test_an_effect_that_fits_on_a_page_is_printed_whole_on_one_page(printed):
    """An effect with at most three indicators is never split across two pages: its heading (at
    most three lines, 26 mm), one row of panels (80 mm) and a table of three indicators (16 mm
    and 41 mm each, measured on the sample set) take at most 245 of the 263 mm of an A4 page."""
    page, pages = printed
    checked, cursor = 0, 1
    for section in page.iter("section"):
        bodies = section.findall(".//tbody")
        if "effect" not in _classes(section) or not 1 <= len(bodies) <= 3:
            continue
        first_row = bodies[-1].find("tr")
        last = _norm(" ".join(first_row[0].itertext()) + " " + (first_row[1].text or ""))
        where = _page_of(pages, _text(section.find("h2")), cursor)
        assert last in pages[where], f"page {where + 1}: « {_text(section.find('h2'))} » does not end on its page"
        checked, cursor = checked + 1, where
    assert checked >= 10
