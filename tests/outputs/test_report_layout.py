"""The report's print layout: chart titles wrapped (never cut), tables not leaving a row
alone on a page (issue 9 review: p.5, p.7, p.9, p.10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cess_cli.outputs.report.charts import Panel, panels_chart

CSS = Path(__file__).resolve().parents[2] / "cess_cli" / "outputs" / "report" / "templates" / "rapport.css"


def test_panel_titles_wrap_between_words_and_keep_every_letter():
    labels = ["Financements mobilisés pour les projets", "Taux de sorties positives", "Entrepreneurs salariés en CAE"]
    chart = panels_chart("t", "titre", [Panel(label, "nombre", ["2014"], [1.0], [2.0]) for label in labels])
    texts = [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", chart.svg)]
    # three panels side by side on A4 are about 1.5 in wide each: a label over 1.6 in (bold 8.5 pt)
    # goes on two lines, whole words, the last letter kept (« positives », « CAE »)
    assert "Entrepreneurs salariés" in texts and "en CAE" in texts
    assert "Taux de sorties" in texts and "positives" in texts


def test_a_panel_shows_each_years_coverage_under_it_and_words_it_in_the_text_alternative():
    """« 1 / 1 » under 2014 and « 0 / 5 » under 2015; the text alternative gives every figure
    and agrees the noun with the number; a year without a value reads « — », never 0."""
    panel = Panel("Coopérations", "nombre", ["2014", "2015"], [1.0, None], [2.0, 3.0], [(1, 1), (0, 5)])
    chart = panels_chart("t", "Titre", [panel])
    texts = [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", chart.svg)]
    assert texts.index("1 / 1") == texts.index("2014") + 1 and texts.index("0 / 5") == texts.index("2015") + 1
    assert chart.alt == (
        "Titre. Coopérations (nombre) : 2014 : 1 (cible 2, 1 / 1 bilan) ; 2015 : — (cible 3, 0 / 5 bilans)."
    )


def _rows_per_page(html: str) -> list[str]:
    weasyprint = pytest.importorskip("weasyprint")
    doc = weasyprint.HTML(string=html).render()
    pages = []
    for page in doc.pages:
        words: list[str] = []

        def walk(box, words=words):
            if getattr(box, "text", None):
                words.append(box.text)
            for child in getattr(box, "children", []) or []:
                walk(child)

        walk(page._page_box)
        pages.append(" ".join(words))
    return pages


@pytest.mark.parametrize("spacer_mm", [200, 215, 225, 235])
def test_a_table_never_leaves_its_period_row_alone(spacer_mm):
    rows = "".join(
        f"<tr{' class=period' if y == 'Période' else ''}>"
        + ('<th scope="rowgroup" rowspan="4">Structures accompagnées</th>' if y == "2014" else "")
        + f"<td>{y}</td><td>1 065</td><td>1 115</td><td>95,5 %</td><td>13 / 14 bilans</td></tr>"
        for y in ("2014", "2015", "2016", "Période")
    )
    html = (
        f"<html><head><style>{CSS.read_text(encoding='utf-8')}</style></head><body>"
        f'<div style="height:{spacer_mm}mm">texte</div>'
        '<table class="figures"><thead><tr><th>Indicateur</th><th>Année</th><th>Valeur</th><th>Cible</th>'
        "<th>Taux</th><th>Couverture</th></tr></thead>"
        f'<tbody class="indicator">{rows}</tbody></table></body></html>'
    )
    pages = _rows_per_page(html)
    for text in pages:
        years = [y for y in ("2014", "2015", "2016", "Période") if y in text]
        assert years != ["Période"], pages  # never the period row alone on a page


def test_the_qualitative_bilans_name_a_file_whose_name_holds_an_exclamation_mark(ref):
    """The report names the file each year's texts come from: the whole name, even with a
    « ! » in it (the source « file!sheet!cell » is never split to find it)."""
    from cess_cli.consolidation.evaluation import consolidate
    from cess_cli.outputs.report.sections import qualitative

    from ..consolidation.synthetic import bilan, collection

    values = {"ptce_actifs": 12, "cooperations": 10, "structures_accompagnees": 15}
    item = bilan("II_3.1.1", 2015, values, file="Bilan 2015 !! CRESS.xlsx")
    item[1].qualitatif = [("realisations", "Deux PTCE accompagnés.", "Bilan qualitatif!B2")]
    [texts] = qualitative(consolidate(collection([item]), ref, [2015]), ref)
    assert texts.sources == ["Bilan 2015 !! CRESS.xlsx"]
    assert texts.rubriques == [("Réalisations de l'année", ["Deux PTCE accompagnés."])]
