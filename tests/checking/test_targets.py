"""A value far from its action's target of the year, without a commentaire, is an avertissement
at its cell (checking/rules.py `check_targets`): the operator is asked for the explanation the
Mode d'emploi asks for before the COPIL reads the gap. Targets by hand from actions.yaml:
II_3.1.1 in 2015, structures_accompagnees 18, cooperations 12, ptce_actifs 14."""

from __future__ import annotations

from cess_cli.checking.validate import validate_workbook
from cess_cli.findings import Severity

from ..helpers import make_bilan, set_ind

ACTION, YEAR = "II_3.1.1", 2015


def _far(ref, tmp_path, values, comments=None):
    def edit(wb):
        for code, text in (comments or {}).items():
            set_ind(wb, code, text, column=7)

    path = make_bilan(ref, tmp_path, ACTION, YEAR, values=values, edit=edit)
    result = validate_workbook(path, ref)
    return result, [f for f in result.findings if f.code == "indicateur.ecart_cible"]


def test_a_value_far_from_target_without_commentaire_is_a_warning_at_its_cell(ref, tmp_path):
    result, [far] = _far(ref, tmp_path, {"structures_accompagnees": 37})  # 37 > 2 x 18
    assert (far.severity, far.sheet) == (Severity.AVERTISSEMENT, "Indicateurs")
    assert far.message == (
        "La valeur 37 de « structures_accompagnees » est loin de la cible de l'année (18, 206 % de la cible), "
        "sans commentaire."
    )
    assert far.hint.startswith("Si la valeur est juste, expliquez l'écart dans la colonne « commentaire »")
    assert result.valid  # a warning: the bilan counts


def test_the_thresholds_are_those_of_the_anomalies(ref, tmp_path):
    # twice the target and half of it exactly are not far (36 = 2 x 18, 6 = 12 / 2)
    assert _far(ref, tmp_path, {"structures_accompagnees": 36, "cooperations": 6})[1] == []
    _, found = _far(ref, tmp_path, {"structures_accompagnees": 8, "cooperations": 25})
    assert sorted(f.message.split("« ")[1].split(" »")[0] for f in found) == ["cooperations", "structures_accompagnees"]


def test_a_commentaire_answers_it(ref, tmp_path):
    _, found = _far(ref, tmp_path, {"structures_accompagnees": 60}, {"structures_accompagnees": "Deux salons."})
    assert found == []


def test_a_zero_width_space_is_no_commentaire(ref, tmp_path):
    """A hostile review: a commentaire made of a zero-width space silenced the warning."""
    _, found = _far(ref, tmp_path, {"structures_accompagnees": 60}, {"structures_accompagnees": "\u200b "})
    assert len(found) == 1


def test_a_tiny_share_is_not_said_zero(ref, tmp_path):
    _, [far] = _far(ref, tmp_path, {"emplois_crees": 0.05})  # 0,05 ETP against 12: 0,42 %, rounded 0
    assert "La valeur 0,05 de « emplois_crees » est loin de la cible de l'année (12, moins de 1 % de la cible)" in (
        far.message
    )


def test_a_cell_with_an_erreur_gets_no_warning_beside_it(ref, tmp_path):
    """One finding at a cell, not a cascade: a value whose breakdown by département does not
    add up (`territoire.somme`, an erreur at the value's cell) is not also said far."""

    def edit(wb):
        ws = wb["Territoires"]
        for row in ws.iter_rows(min_row=2):
            if row[1].value == "structures_accompagnees":
                row[2].value = 59  # the value is 60

    path = make_bilan(ref, tmp_path, ACTION, YEAR, values={"structures_accompagnees": 60}, edit=edit)
    codes = [f.code for f in validate_workbook(path, ref).findings]
    assert "territoire.somme" in codes and "indicateur.ecart_cible" not in codes
