"""Templates: pre-filled from the referential, locked, with data validation; round trip."""

from __future__ import annotations

from openpyxl import load_workbook

from cess_cli.checking.validate import read_bilan, validate_workbook
from cess_cli.outputs.template import write_template

from ..helpers import fill_valid


def test_template_content(ref, tmp_path):
    path = write_template(ref, "II_2.1.2", 2016, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "Identification",
        "Indicateurs",
        "Financements",
        "Territoires",
        "Bilan qualitatif",
        "Mode d'emploi",
        "Listes",
    ]
    ident = {row[0].value: row[2] for row in wb["Identification"].iter_rows(min_row=2)}
    assert ident["code_action"].value == "II_2.1.2" and ident["annee"].value == 2016
    assert ident["version_modele"].value == "1"
    assert ident["code_action"].protection.locked and not ident["porteur"].protection.locked
    ws = wb["Indicateurs"]
    assert [c.value for c in ws[1]][:7] == [
        "code",
        "libelle",
        "unite",
        "cible",
        "valeur",
        "cumul_periode",
        "commentaire",
    ]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert set(rows) == {"personnes_en_parcours", "sorties_emploi_durable", "personnes_formees"}  # no ratio row
    assert rows["personnes_en_parcours"][3].value == 200
    assert rows["personnes_en_parcours"][0].protection.locked and not rows["personnes_en_parcours"][4].protection.locked
    assert ws.protection.sheet
    kinds = {(dv.type, dv.operator) for dv in ws.data_validations.dataValidation}
    assert ("whole", "greaterThanOrEqual") in kinds
    lists = [dv.formula1 for dv in wb["Territoires"].data_validations.dataValidation if dv.type == "list"]
    assert any("Listes!$D$2" in f for f in lists)
    assert any(
        "Listes!$A$2" in dv.formula1 for dv in wb["Financements"].data_validations.dataValidation if dv.type == "list"
    )
    assert wb["Listes"].sheet_state == "hidden"
    assert "dernière année" in " ".join(str(c.value) for c in wb["Mode d'emploi"]["A"])
    assert ws.column_dimensions["B"].width >= 40


def test_template_round_trip_for_every_action(ref, tmp_path):
    for code, action in ref.actions.items():
        for year in action.annees:
            path = write_template(ref, code, year, tmp_path / f"{code}_{year}.xlsx")
            wb = load_workbook(path)
            fill_valid(wb, ref, code, year)
            wb.save(path)
            result, bilan = read_bilan(path, ref)
            assert result.findings == [], (code, year, result.findings)
            assert bilan is not None and bilan.action == code and bilan.annee == year


def test_blank_template_lists_what_to_fill(ref, tmp_path):
    path = write_template(ref, "ANIM", 2014, tmp_path / "t.xlsx")
    codes = {f.code for f in validate_workbook(path, ref).findings}
    assert codes == {"identification.manquant", "indicateur.manquant", "qualitatif.manquant"}
