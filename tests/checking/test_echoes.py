"""A finding echoes what the operator typed, and suggests the nearest valid code."""

from __future__ import annotations

import pytest

from cess_cli.checking.validate import validate_workbook

from ..helpers import make_bilan, set_ident


def _findings(ref, path):
    return {f.code: f for f in validate_workbook(path, ref).findings}


def test_unknown_codes_echoed_as_typed_with_a_suggestion(ref, tmp_path):
    def edit(wb):
        wb["Financements"]["A2"] = "Région"
        wb["Territoires"]["A2"] = "Isère"
        wb["Territoires"]["B2"] = "structures_acompagnees"

    found = _findings(ref, make_bilan(ref, tmp_path, edit=edit))
    funder = found["financeur.inconnu"]
    assert (funder.sheet, funder.cell, funder.message) == ("Financements", "A2", "Financeur « Région » inconnu.")
    assert funder.hint.startswith("Vouliez-vous dire « REGION » (Région Rhône-Alpes) ? Codes acceptés : REGION, ETAT")
    dep = found["departement.inconnu"]
    assert (dep.cell, dep.message) == ("A2", "Département « Isère » inconnu.")
    assert dep.hint.startswith("Vouliez-vous dire « 38 » (Isère) ? Codes acceptés : 01, 07")
    indicator = found["territoire.indicateur_inconnu"]
    assert indicator.message.startswith("« structures_acompagnees » n'est pas")
    assert indicator.hint.startswith("Vouliez-vous dire « structures_accompagnees » ?")


@pytest.mark.parametrize(
    ("typed", "code", "label"),
    [
        ("Conseil Général de l'Isère", "CG38", "Le Conseil Général de l'Isère"),
        ("Conseil départemental de l'Isère", "CG38", "Le Conseil Général de l'Isère"),
        ("CONSEIL DEPARTEMENTAL DE L'ARDECHE", "CG07", "Le Conseil Général de l'Ardèche"),
        ("conseil general isere", "CG38", "Le Conseil Général de l'Isère"),
        ("Grenoble Alpes Métropole", "GRENOBLE_METRO", "La Communauté d'Agglomération Grenoble Alpes Métropole"),
        ("Saint-Étienne Métropole", "ST_ETIENNE_METRO", "Saint-Etienne Métropole"),
        ("CG 38", "CG38", "Le Conseil Général de l'Isère"),
    ],
)
def test_a_funder_typed_by_its_name_suggests_its_code(ref, tmp_path, typed, code, label):
    """An operator types the funder's name (« Conseil départemental » since 2015, the
    referential's « Conseil Général »): the suggestion matches the labels too, and says
    the code with its label."""
    found = _findings(ref, make_bilan(ref, tmp_path, edit=lambda wb: wb["Financements"].__setitem__("A2", typed)))
    assert found["financeur.inconnu"].hint.startswith(f"Vouliez-vous dire « {code} » ({label}) ? Codes acceptés : ")


def test_unknown_action_suggests_the_nearest(ref, tmp_path):
    found = _findings(ref, make_bilan(ref, tmp_path, edit=lambda wb: set_ident(wb, "code_action", "III_1.1.33")))
    action = found["action.inconnue"]
    assert action.message == "Action « III_1.1.33 » inconnue du contrat."
    assert action.hint.startswith("Vouliez-vous dire « III_1.1.3 » ? ")


def test_nothing_close_gives_no_suggestion(ref, tmp_path):
    found = _findings(ref, make_bilan(ref, tmp_path, edit=lambda wb: wb["Financements"].__setitem__("A2", "XYZW")))
    assert found["financeur.inconnu"].hint.startswith("Codes acceptés : ")


def test_operator_hints_carry_no_markdown(ref):
    from cess_cli.catalogue import CATALOGUE

    for code, (_, message, hint) in CATALOGUE.items():
        assert "`" not in message + hint, code
