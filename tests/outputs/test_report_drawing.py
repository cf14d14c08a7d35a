"""The report's charts drawn together in worker processes (outputs/report/drawing.py): the
same charts, byte for byte and in order, as drawn one by one; nothing drawn for a view that
failed; a chart whose worker is lost drawn in the main process. And the PDF the same, byte
for byte, whatever the clock."""

from __future__ import annotations

import os

import pytest

from cess_cli.outputs.report.charts import Panel, Series, grouped_bars, panels_chart
from cess_cli.outputs.report.drawing import Chart, deferrable, draw_all, drawn_together

MAIN = os.getpid()


def _ask() -> list[Chart]:
    """Four different charts, asked for in one order."""
    return [
        panels_chart("a", "Bénévoles", [Panel("Bénévoles", "nombre", ["2014", "2015"], [3.0, 5.0], [4.0, 4.0])]),
        grouped_bars("b", "Emplois par département", ["Ain", "Isère"], [Series("2015", [1.0, 2.0])], "ETP"),
        panels_chart("c", "Taux", [Panel("Taux de sorties", "%", ["2016"], [0.41], [0.5])]),
        grouped_bars("d", "Financements", ["Région", "État"], [Series("2014", [1200.0, None])], "euros"),
    ]


def test_charts_drawn_together_in_two_workers_are_those_drawn_one_by_one_in_order():
    at_once = _ask()
    with drawn_together(workers=2):
        asked = _ask()
        assert all(c.svg == "" for c in asked)  # not drawn yet: drawn when the block ends
    assert [(c.svg, c.title, c.alt) for c in asked] == [(c.svg, c.title, c.alt) for c in at_once]
    assert len({c.svg for c in asked}) == 4 and asked[1].title == "Emplois par département"


def test_nothing_is_drawn_when_the_view_fails_and_charts_are_drawn_at_once_afterwards():
    with pytest.raises(ZeroDivisionError), drawn_together(workers=2):
        chart = panels_chart("a", "Bénévoles", [Panel("Bénévoles", "nombre", ["2014"], [3.0], [4.0])])
        _ = 1 / 0
    assert chart.svg == ""
    later = panels_chart("a", "Bénévoles", [Panel("Bénévoles", "nombre", ["2014"], [3.0], [4.0])])
    assert later.svg.startswith("<svg")  # outside a block: drawn at once, as before


@deferrable
def _dies_in_a_worker(title: str) -> Chart:
    """A chart function whose worker process dies (a crash of the drawing library)."""
    if os.getpid() != MAIN:
        os._exit(3)
    return Chart(f"<svg>{title}</svg>", title, title)


def test_a_chart_whose_worker_is_lost_is_drawn_in_the_main_process():
    charts = draw_all([(_dies_in_a_worker, ("un",), {}), (_dies_in_a_worker, ("deux",), {})], workers=2)
    assert [c.svg for c in charts] == ["<svg>un</svg>", "<svg>deux</svg>"]


def test_the_same_report_gives_the_same_pdf_whatever_the_clock_where_fonttools_subsets_the_fonts(monkeypatch):
    """Without HarfBuzz's subsetter, WeasyPrint subsets with fontTools, which stamps each font
    with the time of the run: the report's date is stamped instead (the batch's manifest
    compares runs by their outputs' SHA-256)."""
    import datetime as dt
    import time

    weasy_fonts = pytest.importorskip("weasyprint.pdf.fonts")
    from cess_cli.outputs.report.render import render_pdf

    monkeypatch.setattr(weasy_fonts, "harfbuzz_subset", None)  # the fontTools path, on every machine
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    html = "<html><body><p>Financements obtenus : 1 234,5 €</p><p><b>Bilan</b> <i>comptés</i></p></body></html>"
    pdfs = []
    for clock in (1_700_000_000.0, 1_800_000_000.0):  # two runs years apart
        monkeypatch.setattr(time, "time", lambda clock=clock: clock)
        pdfs.append(render_pdf(html, created=dt.date(2016, 11, 28)))
    assert pdfs[0] == pdfs[1]
    assert "SOURCE_DATE_EPOCH" not in os.environ  # the process's environment is given back


def test_a_report_dated_before_1970_still_gets_its_pdf(monkeypatch):
    """SOURCE_DATE_EPOCH counts seconds since 1970: an earlier date is not given to fontTools
    (which cannot date a font before 1904), the PDF is made all the same."""
    import datetime as dt

    weasy_fonts = pytest.importorskip("weasyprint.pdf.fonts")
    from cess_cli.outputs.report.render import render_pdf

    monkeypatch.setattr(weasy_fonts, "harfbuzz_subset", None)
    assert render_pdf("<html><body><p>1 234,5 €</p></body></html>", created=dt.date(1903, 1, 1)).startswith(b"%PDF")
