"""A declared 0 is a figure, shown « 0 € » (or 0) everywhere the workbook shows it; a figure
no bilan gives is « — » (an empty cell), never 0. And sums of decimal figures are written
without binary noise (0.1 + 0.2 is 0.3 in a cell and in the CSV).

Expected figures are the bilans' own, added by hand."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from cess_cli.consolidation.evaluation import Evaluation, consolidate
from cess_cli.outputs.evaluation_workbook import write_evaluation
from cess_cli.outputs.report.model import Table
from cess_cli.outputs.report.sections import financing_chapter
from cess_cli.outputs.report.view import _key_figures, _territories
from cess_cli.outputs.tidy_csv import write_tidy_csv

from ..consolidation.synthetic import bilan, collection

DASH = "—"
NNBSP = "\u202f"


def eur(text: str) -> str:
    return text.replace(" ", NNBSP) + NNBSP + "€"


III_113 = {"entreprises_reprises": 1, "emplois_consolides": 2, "structures_accompagnees": 3, "evenements": 4}
II_311 = {"ptce_actifs": 1, "cooperations": 2, "structures_accompagnees": 3, "emplois_crees": 1}


@pytest.fixture(scope="module")
def zeros(ref) -> Evaluation:
    """2015: III_1.1.3 obtains 500 € of the Etat and declares FEDER 0 / 0; II_3.1.1 names
    FEDER with its amounts blank and AUTRES blank too. 2016: III_1.1.3 obtains 0 € of the Etat."""
    items = [
        bilan(
            "III_1.1.3",
            2015,
            III_113,
            financements=[("ETAT", 800.0, 500.0, "Financements!C2"), ("FEDER", 0.0, 0.0, "Financements!C3")],
        ),
        bilan(
            "II_3.1.1",
            2015,
            II_311,
            financements=[("FEDER", None, None, "Financements!C2"), ("AUTRES", None, None, "Financements!C3")],
        ),
        bilan("III_1.1.3", 2016, III_113, financements=[("ETAT", 0.0, 0.0, "Financements!C2")]),
    ]
    return consolidate(collection(items), ref, [2015, 2016])


def _table(ev: Evaluation, ref, caption: str) -> Table:
    chapter = financing_chapter(ev, ref, 1)
    return next(t for b in chapter.blocks for t in b.tables if t.caption.startswith(caption))


def test_by_funder_and_year_a_declared_zero_is_0_euro_and_no_figure_a_dash(zeros, ref):
    t = _table(zeros, ref, "Financements obtenus par financeur et par année")
    rows = {r[0]: r[1:] for r in t.rows}
    assert t.headers == ["Financeur", "Obtenu 2015", "Obtenu 2016"]
    assert rows["Etat"] == [eur("500"), eur("0")]
    # FEDER: 0 € declared in 2015 (III_1.1.3; II_3.1.1's blank adds nothing); named by no bilan in 2016
    assert rows["FEDER (fonds européen de développement régional)"] == [eur("0"), DASH]
    # the Région, a signatory no line names, obtained 0 € in a year bilans declare financing
    assert rows["Région Rhône-Alpes"] == [eur("0"), eur("0")]
    assert not [name for name in rows if name.startswith("Autres")]  # amounts all blank: no figure, no row


def test_by_axis_a_declared_zero_is_0_euro_and_a_blank_amount_a_dash(zeros, ref):
    t = _table(zeros, ref, "Financements obtenus par axe")
    assert t.headers == ["Financeur", "Axe II", "Axe III"]
    rows = {r[0]: r[1:] for r in t.rows}
    assert rows["Etat"] == [DASH, eur("500")]  # 500 + 0 over the two years of axis III
    assert rows["FEDER (fonds européen de développement régional)"] == [DASH, eur("0")]
    assert not [name for name in rows if name.startswith("Autres")]  # no figure on any axis: no row


def test_the_key_figures_say_0_euro_for_zeros_and_a_dash_for_nothing_declared(ref):
    declared = [bilan("III_1.1.3", 2016, III_113, financements=[("ETAT", 0.0, 0.0, "Financements!C2")])]
    nothing = [bilan("III_1.1.3", 2016, III_113, valid=False)]
    for items, shown in ((declared, eur("0")), (nothing, DASH)):
        figures = {label: value for label, value, _ in _key_figures(consolidate(collection(items), ref, [2016]))}
        assert figures["Financements obtenus, toutes sources (sans enveloppe à comparer)"] == shown
        [signatories] = [v for k, v in figures.items() if k.startswith("Financements obtenus des signataires")]
        assert signatories == shown


def test_a_blank_dont_qpv_is_no_figure_a_declared_zero_is_one(ref):
    """II_3.1.1 2015, structures accompagnées in two départements: 69 with dont QPV 0 and dont
    ZRR blank; 38 with both blank. QPV: 0 (69 only), share 0 / 3 = 0 %; ZRR: no figure."""
    lines = [
        ("69", "structures_accompagnees", 2.0, 0.0, None, "Territoires!C2"),
        ("38", "structures_accompagnees", 1.0, None, None, "Territoires!C3"),
    ]
    ev = consolidate(collection([bilan("II_3.1.1", 2015, II_311, territoires=lines)]), ref, [2015])
    ter = ev.tables["territoires"].set_index("departement")
    assert ter.loc["69", "dont_qpv"] == 0 and ter.loc["69", "part_qpv"] == 0
    assert ter.loc["38", ["dont_qpv", "dont_zrr", "part_qpv", "part_zrr"]].isna().all()
    zones = _territories(ev, ref, "t1").tables[1]
    [row] = [r for r in zones.rows if r[0] == "Structures accompagnées"]
    assert row[1:] == ["3", "0", "0,0" + NNBSP + "%", DASH, DASH]


def test_sums_of_decimal_figures_are_written_without_binary_noise(ref, tmp_path):
    """Emplois consolidés (ETP) of 2015: axis III 0.7 (III_1.1.3) + 0.1 (III_2.1.1) = 0.8, not
    0.7999999999999999 (a cell a reader clicks shows it whole); axis II a figure 0.1 + 0.2,
    written 0.3 in its cell and in the CSV, not 0.30000000000000004."""
    iii_211 = {"structures_accompagnees": 1, "emplois_consolides": 0.1, "collectivites_engagees": 1}
    ii_11 = {"evenements": 1, "participants": 1, "structures_accompagnees": 1, "emplois_consolides": 0.1 + 0.2}
    items = [
        bilan("III_1.1.3", 2015, {**III_113, "emplois_consolides": 0.7}),
        bilan("III_2.1.1", 2015, iii_211),
        bilan("II_1.1", 2015, ii_11),
    ]
    ev = consolidate(collection(items), ref, [2015])
    ws = load_workbook(write_evaluation(ev, ref, tmp_path / "e.xlsx"))["Par axe"]
    cells = {r[0][:7]: r[3] for r in ws.iter_rows(values_only=True) if r[1] == "Emplois consolidés"}
    assert (repr(cells["Axe II "]), repr(cells["Axe III"])) == ("0.3", "0.8")
    assert repr(cells["Ensembl"]) == "1.1"  # the whole contract: 0.7 + 0.1 + 0.3
    with write_tidy_csv(ev, tmp_path / "e.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["indicateur"] == "emplois_consolides"]
    assert {r["code_action"]: r["valeur"] for r in rows} == {"III_1.1.3": "0.7", "III_2.1.1": "0.1", "II_1.1": "0.3"}


def test_an_axis_with_no_counted_events_has_no_bar_one_with_0_events_has_0(ref, tmp_path):
    """Événements of 2015: axis III declares 0 (III_1.1.3), no bilan of axes I and II counts:
    their chart data are no figure (an empty cell), axis III's 0."""
    ev = consolidate(collection([bilan("III_1.1.3", 2015, {**III_113, "evenements": 0})]), ref, [2015])
    chart = ev.tables["graphique_evenements"].set_index("axe")["valeur"]
    assert chart["III"] == 0 and chart[["I", "II"]].isna().all()
    ws = load_workbook(write_evaluation(ev, ref, tmp_path / "e.xlsx"))["Synthèse"]
    data = {r[7]: r[8] for r in ws.iter_rows(min_row=5, max_row=8, values_only=True)}
    assert (data["Axe I"], data["Axe II"], data["Axe III"]) == (None, None, 0)


def test_a_period_target_no_action_gives_is_no_target_not_0(ref):
    """Flux over 2015-2016 for an action whose referential gives no target in any year:
    the period's value is 3 + 4 = 7, its target none (never a target of 0)."""
    import pandas as pd

    from cess_cli.consolidation.figures import figures

    facts = pd.DataFrame(
        [(2015, "III", "III_1.1.3", "evenements", 3.0), (2016, "III", "III_1.1.3", "evenements", 4.0)],
        columns=["annee", "axe", "code_action", "indicateur", "valeur"],
    )
    expect = pd.DataFrame(
        [(y, "III", "III_1.1.3", "evenements", None, None) for y in (2015, 2016)],
        columns=["annee", "axe", "code_action", "indicateur", "cible", "cible_periode"],
    )
    out = figures(facts, expect, ref, [2015, 2016], ["axe"]).set_index("annee")
    assert out.loc["période", "valeur"] == 7
    assert pd.isna(out.loc["période", "cible"]) and pd.isna(out.loc["période", "taux_realisation"])


def test_only_binary_noise_is_taken_off_never_a_figure():
    """0.7 + 0.1 is 0.8 and 4352.099999999999 is 4352.1 (noise of one unit in the last place);
    a figure with more than 9 decimals (1/3, 2000/3) and a tiny one (10⁻¹³) are written as
    they are; no figure moves by more than 1,024 units in its last place (2.3 × 10⁻¹³ of it)."""
    import math
    import random

    from cess_cli.outputs.safety import denoise

    assert denoise(0.7 + 0.1) == 0.8 and denoise(4352.099999999999) == 4352.1
    for figure in (1 / 3, 2000 / 3, -2000 / 3, 1e-13, 5e-10):
        assert denoise(figure) == figure
    draw = random.Random(2016)
    for figure in [100000 / 3, 1e15 / 7] + [draw.uniform(-1e7, 1e7) / draw.choice((1, 3, 7, 1e4)) for _ in range(5000)]:
        assert abs(denoise(figure) - figure) <= 1024 * math.ulp(figure)
