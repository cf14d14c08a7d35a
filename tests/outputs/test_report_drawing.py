"""The report's charts drawn together in worker processes (outputs/report/drawing.py): the
same charts, byte for byte and in order, as drawn one by one; nothing drawn for a view that
failed; a chart whose worker is lost drawn in the main process."""

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
