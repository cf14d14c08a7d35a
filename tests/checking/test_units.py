"""A percentage typed where the unit is not one, and where each figure of a bilan points
(issue 7, points 10-11)."""

from __future__ import annotations

import pytest

from cess_cli.checking.validate import read_bilan, validate_workbook
from cess_cli.consolidation.evaluation import consolidate
from cess_cli.findings import Severity
from cess_cli.pipeline import collect

from ..helpers import make_bilan, set_ind


def _percent_everywhere(wb) -> None:
    set_ind(wb, "emplois_consolides", "12 %")  # ETP
    set_ind(wb, "entreprises_reprises", "100 %")  # nombre: not read as 1
    set_ind(wb, "structures_accompagnees", "30 %", column=6)  # cumul_periode (2016)
    wb["Financements"]["C2"] = "78 000 %"  # euros
    wb["Territoires"]["C2"] = "35 %"  # the indicator's unit (nombre)


def test_a_percentage_outside_a_percent_unit_is_an_error_that_says_so(ref, tmp_path):
    path = make_bilan(ref, tmp_path, "III_1.1.3", 2016, edit=_percent_everywhere)
    found = [f for f in validate_workbook(path, ref).findings if f.code == "valeur.pourcentage"]
    assert {(f.sheet, f.cell) for f in found} == {
        ("Indicateurs", "E3"),
        ("Indicateurs", "E2"),
        ("Indicateurs", "F4"),
        ("Financements", "C2"),
        ("Territoires", "C2"),
    }
    assert all(f.severity is Severity.ERREUR for f in found)
    by_cell = {f.cell: f.message for f in found if f.sheet == "Indicateurs"}
    assert by_cell["E3"] == "Valeur « 12 % » : un pourcentage n'est pas accepté dans cette cellule (unité : ETP)."
    assert "(unité : nombre)" in by_cell["E2"]
    # nothing else is said of these cells (no « non entier », no « lu comme 0,12 »)
    others = {(f.sheet, f.cell) for f in validate_workbook(path, ref).findings if f.code != "valeur.pourcentage"}
    assert not others & {(f.sheet, f.cell) for f in found}


def test_an_ordinary_french_number_is_still_accepted(ref, tmp_path):
    path = make_bilan(ref, tmp_path, "III_1.1.3", 2015, edit=lambda wb: set_ind(wb, "emplois_consolides", "144,4"))
    result, bilan = read_bilan(path, ref)
    assert [f.code for f in result.findings] == ["nombre.texte"] and bilan is not None
    assert bilan.valeurs["emplois_consolides"] == pytest.approx(144.4)


def test_each_figure_points_at_its_value_cell_on_the_real_sheet_name(ref, tmp_path):
    def rename(wb):
        wb["Territoires"].title = "Territoires "
        wb["Financements"].title = " Financements"

    path = make_bilan(ref, tmp_path, "III_1.1.3", 2015, edit=rename)
    result, bilan = read_bilan(path, ref)
    assert bilan is not None, result.findings
    assert bilan.territoires[0][-1] == "Territoires !C2"  # the value, not the département (A2)
    assert bilan.financements[0][-1] == " Financements!C2"  # the obtained amount
    tidy = consolidate(collect([tmp_path], ref), ref, [2015]).tables["tidy"]
    [terr] = tidy[tidy["departement"] == "69"].to_dict("records")
    assert terr["source"] == f"{path.name}!Territoires !C2"


def test_tidy_rows_for_blank_optional_indicators_and_computed_ratios(ref, tmp_path):
    # II_2.1.2: taux_sorties_positives is computed (no row); III_1.1.3: evenements (optional) left blank (no row)
    make_bilan(ref, tmp_path, "II_2.1.2", 2015)
    make_bilan(ref, tmp_path, "III_1.1.3", 2015, edit=lambda wb: set_ind(wb, "evenements", None))
    ev = consolidate(collect([tmp_path], ref), ref, [2015])
    tidy = ev.tables["tidy"]
    rows = {(r["code_action"], r["indicateur"]) for r in tidy[tidy["departement"] == ""].to_dict("records")}
    assert rows == {
        ("II_2.1.2", "personnes_en_parcours"),
        ("II_2.1.2", "sorties_emploi_durable"),
        ("II_2.1.2", "personnes_formees"),
        ("III_1.1.3", "entreprises_reprises"),
        ("III_1.1.3", "emplois_consolides"),
        ("III_1.1.3", "structures_accompagnees"),
    }
    # the ratio is still in the evaluation tables, computed from the rows above
    by_action = ev.tables["par_action"]
    assert (by_action["indicateur"] == "taux_sorties_positives").any()
