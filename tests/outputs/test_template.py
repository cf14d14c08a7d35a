"""Templates: pre-filled from the referential, locked, with data validation; round trip."""

from __future__ import annotations

import pytest
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
    guide = " ".join(str(c.value) for c in wb["Mode d'emploi"]["A"])
    assert "dernière année" in guide
    # dont_qpv / dont_zrr are counts in the value's unit: a share typed as 15 (%) would pass unseen
    assert "un nombre, pas un pourcentage" in guide and "parts en" not in guide
    # a user's review: 0 is a number too; where a funder outside the contract goes; an operator
    # cannot check the bilan themselves before sending it
    assert "« nombre » = entier positif ou nul" in guide
    assert "Un financeur qui n'est pas partenaire du contrat s'inscrit AUTRES." in guide
    assert "vérifie votre bilan" in guide and "Vous pouvez vérifier" not in guide
    # labels wrap in their column (30 wide, so the sheet prints on one page wide at 60 % or more)
    assert ws.column_dimensions["B"].width >= 30 and rows["personnes_en_parcours"][1].alignment.wrap_text


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


def _hue_distance(a: str, b: str) -> float:
    import colorsys

    ha = colorsys.rgb_to_hls(*(int(a[i : i + 2], 16) / 255 for i in (0, 2, 4)))[0]
    hb = colorsys.rgb_to_hls(*(int(b[i : i + 2], 16) / 255 for i in (0, 2, 4)))[0]
    d = abs(ha - hb)
    return min(d, 1 - d) * 360


def test_template_prints_each_sheet_on_the_page_width(ref, tmp_path):
    path = write_template(ref, "III_1.1.3", 2016, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    for ws in wb.worksheets:
        if ws.sheet_state == "hidden":
            continue
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        if ws.title == "Indicateurs":  # one page wide at 60 % or more (A4 landscape, 6.8 pt a unit)
            from openpyxl.utils import get_column_letter

            total = sum(ws.column_dimensions[get_column_letter(j)].width for j in range(1, ws.max_column + 1))
            printable = 841.9 - 72 * (ws.page_margins.left + ws.page_margins.right)
            assert printable / (total * 6.8) >= 0.6, total
        if ws.title != "Mode d'emploi":
            assert ws.print_title_rows.replace("$", "") == "1:1", ws.title
    guide = wb["Mode d'emploi"]
    width = guide.column_dimensions["A"].width
    for row in guide.iter_rows(min_col=1, max_col=1):
        cell = row[0]
        if cell.value:  # a line of wrapped text per ~0.9 × the column's width, at >= 14 pt a line
            lines = -(-len(cell.value) // int(width * 0.9))
            assert guide.row_dimensions[cell.row].height >= 14 * lines, cell.value[:40]


def test_blank_territoires_prints_the_lines_an_action_can_need(ref, tmp_path):
    for action in ("III_1.1.3", "II_3.1.1"):
        wb = load_workbook(write_template(ref, action, 2016, tmp_path / f"{action}.xlsx"))
        territorial = [ind for _, ind in ref.typed_indicators(action) if ind.territorial]
        # one line per territorial indicator and per département or Hors Rhône-Alpes (8 + 1:
        # contrat.yaml), at least one indicator's worth, below the header row
        lines = max(1, len(territorial)) * 9
        assert wb["Territoires"].print_area == f"'Territoires'!$A$1:$E${1 + min(lines, 80)}"


def test_input_cells_are_not_in_feedback_colours(ref, tmp_path):
    from cess_cli.outputs.feedback import ERROR_FILL, WARNING_FILL

    wb = load_workbook(write_template(ref, "III_1.1.3", 2016, tmp_path / "t.xlsx"))
    inputs = {
        c.fill.fgColor.rgb[-6:]
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if not c.protection.locked
    }
    inputs.discard("000000")  # unlocked cells without a fill
    assert inputs, "input cells are coloured"
    for colour in inputs:
        for feedback in (ERROR_FILL.fgColor.rgb[-6:], WARNING_FILL.fgColor.rgb[-6:]):
            assert _hue_distance(colour, feedback) > 90, (colour, feedback)


@pytest.mark.libreoffice
def test_libreoffice_prints_whole_sheets(ref, tmp_path):
    import shutil
    import subprocess

    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or poppler (pdftotext) is not installed")
    path = write_template(ref, "III_1.1.3", 2016, tmp_path / "t.xlsx")
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    pages = (
        subprocess.run(["pdftotext", "-layout", str(tmp_path / "t.pdf"), "-"], capture_output=True, check=True)
        .stdout.decode()
        .split("\f")
    )
    pages = [p for p in pages if p.strip()]
    assert len(pages) <= 10  # 14 before: one column a page
    indicateurs = [p for p in pages if "Indicateurs — page" in p]  # each page's footer names its sheet
    assert len(indicateurs) == 1 and all(h in indicateurs[0] for h in ("code", "libelle", "commentaire", "obligatoire"))
    guide = next(p for p in pages if "Comment remplir ce bilan" in p)
    assert "Les cellules bleues sont à remplir" in " ".join(guide.split())
