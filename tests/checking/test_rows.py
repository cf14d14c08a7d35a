"""Rows and columns an operator's spreadsheet gets wrong: a value merged over several rows,
a row with content but no key, a rubrique twice, a column header twice, the expected
sheet hidden beside a visible copy (README *The bilan workbook*).

Every bilan is the template of III_1.1.3 2015 filled by `make_bilan`: Indicateurs rows 2-5
are entreprises_reprises 10, emplois_consolides 180, structures_accompagnees 30,
evenements 12 (valeur in column E); Territoires row 2 is 69 / structures_accompagnees /
30; Financements row 2 is REGION, prévu 80 000, obtenu 78 000; Bilan qualitatif row 2
is realisations. So every expected finding and figure below is read off the edit itself.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl.workbook import Workbook

from cess_cli.checking.validate import read_bilan
from cess_cli.findings import Severity

from ..helpers import FILLED_III_1_1_3, make_bilan, where

E, W = Severity.ERREUR, Severity.AVERTISSEMENT


def _read(ref, tmp_path, edit):
    return read_bilan(make_bilan(ref, tmp_path, edit=edit), ref)


def _found(result):
    return [(f.severity, f.code, f.sheet, f.cell) for f in result.findings]


# --- 1. a merged VALUE cell is never copied down ------------------------------------------


def _fin_merged(wb: Workbook) -> None:
    ws = wb["Financements"]
    ws["A3"], ws["B3"] = "ETAT", 20000
    ws.merge_cells("C2:C3")  # 78 000 shown once over REGION and ETAT


def test_an_amount_merged_over_two_funders_is_an_error_and_counts_nowhere(ref, tmp_path):
    result, bilan = _read(ref, tmp_path, _fin_merged)
    assert _found(result) == [(E, "cellule.fusionnee_valeur", "Financements", "C2")]
    message = result.findings[0].message
    assert (
        "C2:C3" in message and "« montant_obtenu »" in message and "« 78\u202f000 »" in message
    )  # French grouping, as every amount cess prints
    assert bilan is None  # not consolidated: neither 78 000 nor 2 x 78 000 is counted


def test_a_valeur_merged_over_two_indicators_is_an_error_not_two_figures(ref, tmp_path):
    def edit(wb: Workbook) -> None:
        wb["Indicateurs"]["E5"] = None
        wb["Indicateurs"].merge_cells("E4:E5")  # 30 over structures_accompagnees and evenements

    result, bilan = _read(ref, tmp_path, edit)
    # one finding: no « evenements » invented, no « structures_accompagnees » missing,
    # no Territoires sum compared with a value that is not read
    assert _found(result) == [(E, "cellule.fusionnee_valeur", "Indicateurs", "E4")]
    assert bilan is None


def test_a_territorial_value_merged_over_two_departements_is_an_error(ref, tmp_path):
    def edit(wb: Workbook) -> None:
        ws = wb["Territoires"]
        ws["A3"], ws["B3"], ws["D3"], ws["E3"] = "38", "structures_accompagnees", 0, 0
        ws.merge_cells("C2:C3")

    result, _ = _read(ref, tmp_path, edit)
    assert _found(result) == [(E, "cellule.fusionnee_valeur", "Territoires", "C2")]


@pytest.mark.parametrize("span", ["C2:C3", "C3:C4", "C8:C9", "C9:C10"])
def test_an_identification_value_merged_over_two_keys_is_one_error(ref, tmp_path, span):
    """Identification rows 2-10 hold code_action, annee, porteur, siret, contact_nom,
    contact_email, date_transmission, version, version_modele: a merge over two of them
    is its own finding alone (not also « code_action missing », « version_modele absent »)."""
    result, _ = _read(ref, tmp_path, lambda wb: wb["Identification"].merge_cells(span))
    assert _found(result) == [(E, "cellule.fusionnee_valeur", "Identification", span.split(":")[0])]


def test_a_comment_merged_over_two_rows_is_an_error_too(ref, tmp_path):
    def edit(wb: Workbook) -> None:
        wb["Indicateurs"]["G2"] = "Deux chiffres en baisse"
        wb["Indicateurs"].merge_cells("G2:G3")

    result, _ = _read(ref, tmp_path, edit)
    assert _found(result) == [(E, "cellule.fusionnee_valeur", "Indicateurs", "G2")]
    assert "« Deux chiffres en baisse »" in result.findings[0].message


def test_a_value_merged_over_one_row_and_blank_rows_stays_with_its_row(ref, tmp_path):
    result, bilan = _read(ref, tmp_path, lambda wb: wb["Financements"].merge_cells("C2:C4"))
    assert result.findings == []
    assert bilan is not None
    assert bilan.financements == [("REGION", 80000, 78000, "Financements!C2")]


def test_a_merge_in_a_column_cess_does_not_read_changes_nothing(ref, tmp_path):
    result, bilan = _read(ref, tmp_path, lambda wb: wb["Indicateurs"].merge_cells("B4:B5"))
    assert result.findings == []
    assert bilan is not None
    assert bilan.valeurs == FILLED_III_1_1_3


def test_a_merged_key_is_given_only_to_rows_that_hold_data(ref, tmp_path):
    """A département merged down onto an empty row makes no « département alone » row:
    69 over rows 2-3 (row 3 empty), 38 on row 4; 20 + 10 = the declared 30."""

    def edit(wb: Workbook) -> None:
        ws = wb["Territoires"]
        ws["C2"] = 20
        ws["A4"], ws["B4"], ws["C4"], ws["D4"], ws["E4"] = "38", "structures_accompagnees", 10, 0, 0
        ws.merge_cells("A2:A3")

    result, bilan = _read(ref, tmp_path, edit)
    assert result.findings == []
    assert bilan is not None
    assert bilan.territoires == [
        ("69", "structures_accompagnees", 20, 0, 0, "Territoires!C2"),
        ("38", "structures_accompagnees", 10, 0, 0, "Territoires!C4"),
    ]


def test_a_merged_cumul_is_one_error_not_also_a_missing_cumul(ref, tmp_path):
    """In the action's last year (2016) cumul_periode is required: F4:F5 merged (F5 blank)
    is the merge's finding alone, not also « cumul of evenements missing » at F5."""

    def edit(wb: Workbook) -> None:
        wb["Indicateurs"]["F5"] = None
        wb["Indicateurs"].merge_cells("F4:F5")

    result, _ = read_bilan(make_bilan(ref, tmp_path, year=2016, edit=edit), ref)
    assert _found(result) == [(E, "cellule.fusionnee_valeur", "Indicateurs", "F4")]


# --- 2. a row with content but no key is reported --------------------------------------


def _set(sheet: str, **cells: object):
    def edit(wb: Workbook) -> None:
        for cell, value in cells.items():
            wb[sheet][cell] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "cell", "key", "shown"),
    [
        (
            _set("Indicateurs", B6="Entreprises hors région", E6=12),
            "Indicateurs!A6",
            "code",
            "« Entreprises hors région » en B6",
        ),
        (_set("Indicateurs", E6=12), "Indicateurs!A6", "code", "« 12 » en E6"),
        (
            _set("Bilan qualitatif", B6="Perte d'un financeur."),
            "Bilan qualitatif!A6",
            "rubrique",
            "« Perte d'un financeur. » en B6",
        ),
        (_set("Identification", C11="2"), "Identification!A11", "cle", "« 2 » en C11"),
    ],
)
def test_a_row_without_its_key_is_an_incomplete_row(ref, tmp_path, edit, cell, key, shown):
    result, bilan = _read(ref, tmp_path, edit)
    sheet, at = cell.split("!")
    assert _found(result) == [(E, "ligne.incomplete", sheet, at)]
    assert (
        result.findings[0].message
        == f"Ligne incomplète : « {key} » n'est pas renseigné, alors que la ligne contient {shown}."
    )
    assert bilan is None


def test_a_key_cell_holding_an_error_gets_that_finding_alone(ref, tmp_path):
    result, _ = _read(ref, tmp_path, _set("Indicateurs", A6="#N/A", E6=12))
    assert where(result.findings) == [("valeur.erreur_excel", "Indicateurs", "A6")]


def test_a_financing_row_without_funder_still_says_so_once(ref, tmp_path):
    result, _ = _read(ref, tmp_path, _set("Financements", B3=5000, C3=5000))
    assert where(result.findings) == [("ligne.incomplete", "Financements", "A3")]
    assert result.findings[0].message == "Ligne incomplète : « financeur » n'est pas renseigné."


def test_a_rubrique_given_twice_is_an_error_and_neither_text_is_kept(ref, tmp_path):
    result, bilan = _read(ref, tmp_path, _set("Bilan qualitatif", A6="realisations", B6="Deuxième texte"))
    # the duplicate alone: not also « realisations is empty » once both texts are set aside
    assert _found(result) == [(E, "qualitatif.duplique", "Bilan qualitatif", "A6")]
    assert "(aussi en A2)" in result.findings[0].message
    assert bilan is None


def test_a_doubled_key_is_echoed_as_typed(ref, tmp_path):
    """The duplicate's message shows the cell as the operator typed it, not cess's
    normalised key (« Réalisations de l'année », not « realisations »)."""
    edit = _set("Bilan qualitatif", A6="Réalisations de l'année", B6="Deuxième texte")
    result, _ = _read(ref, tmp_path, edit)
    doubled = next(f for f in result.findings if f.code == "qualitatif.duplique")
    assert doubled.message.startswith("La rubrique « Réalisations de l'année » apparaît plusieurs fois (aussi en A2)")
    result, _ = _read(ref, tmp_path, _set("Financements", A3="Region", C3=5))
    doubled = next(f for f in result.findings if f.code == "financeur.duplique")
    assert doubled.message == "Le financeur « Region » apparaît plusieurs fois (aussi en A2)."
    result, _ = _read(ref, tmp_path, _set("Indicateurs", A6="Evenements"))
    doubled = next(f for f in result.findings if f.code == "indicateur.duplique")
    assert doubled.message.startswith("L'indicateur « Evenements » apparaît plusieurs fois")


# --- 3. a column header twice -------------------------------------------------------------


def test_two_amount_columns_are_an_error_naming_both_header_cells(ref, tmp_path):
    def edit(wb: Workbook) -> None:
        ws = wb["Financements"]
        ws["C2"] = 0  # the old column, left at 0
        ws["E1"], ws["E2"] = "montant_obtenu", 78000  # the operator's real figure

    result, bilan = _read(ref, tmp_path, edit)
    assert _found(result) == [(E, "colonne.en_double", "Financements", "C1")]
    assert (
        result.findings[0].message == "La colonne « montant_obtenu » apparaît plusieurs fois dans l'en-tête : C1 et E1."
    )
    assert bilan is None


def test_headers_that_differ_only_in_case_and_spacing_are_the_same_column(ref, tmp_path):
    result, _ = _read(ref, tmp_path, _set("Indicateurs", I1=" Valeur", I2=99))
    assert where(result.findings) == [("colonne.en_double", "Indicateurs", "E1")]
    assert result.findings[0].message.endswith(": E1 et I1.")


def test_two_columns_cess_does_not_know_are_no_concern(ref, tmp_path):
    result, bilan = _read(ref, tmp_path, _set("Indicateurs", I1="notes", J1="notes"))
    assert result.findings == [] and bilan is not None


# --- 4. the expected sheet hidden beside a visible near namesake ------------------------------


def _hidden_copy(wb: Workbook) -> None:
    src = wb["Indicateurs"]
    copy = wb.copy_worksheet(src)
    copy.title = "Indicateurs (2)"
    copy["E2"] = 99
    src.sheet_state = "hidden"
    wb.active = wb.sheetnames.index("Indicateurs (2)")


def test_a_hidden_sheet_beside_a_visible_copy_is_a_warning_naming_both(ref, tmp_path):
    result, bilan = _read(ref, tmp_path, _hidden_copy)
    assert _found(result) == [(W, "feuille.masquee", "Indicateurs", None)]
    assert "« Indicateurs »" in result.findings[0].message
    assert "« Indicateurs (2) »" in result.findings[0].message
    assert bilan is not None and bilan.valeurs["entreprises_reprises"] == 10  # the sheet cess reads


def test_a_hidden_sheet_alone_or_beside_a_hidden_copy_says_nothing(ref, tmp_path):
    def hidden(wb: Workbook) -> None:
        wb["Indicateurs"].sheet_state = "hidden"

    def both_hidden(wb: Workbook) -> None:
        _hidden_copy(wb)
        wb.active = 0
        wb["Indicateurs (2)"].sheet_state = "hidden"

    assert _read(ref, tmp_path, hidden)[0].findings == []
    assert _read(ref, tmp_path, both_hidden)[0].findings == []


# --- the same in the files LibreOffice Calc writes ------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) absent: .ci/run installs it")
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_the_same_findings_in_an_ods_and_an_xls(ref, tmp_path, fmt):
    edits = {"fusion": _fin_merged, "masquee": _hidden_copy, "sans_code": _set("Indicateurs", E6=12)}
    for name, edit in edits.items():
        make_bilan(ref, tmp_path, edit=edit, name=f"{name}.xlsx")
    profile = f"-env:UserInstallation=file://{tmp_path}/profil"
    files = sorted(str(p) for p in tmp_path.glob("*.xlsx"))
    subprocess.run(
        ["soffice", "--headless", profile, "--convert-to", fmt, "--outdir", str(tmp_path / fmt), *files],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for name in edits:
        expected = _found(read_bilan(tmp_path / f"{name}.xlsx", ref)[0])
        assert _found(read_bilan(Path(tmp_path / fmt / f"{name}.{fmt}"), ref)[0]) == expected, name
