"""Every way a workbook can hold a cell, and every format an operator can send.

Error cells are known by the reader itself (reading/kinds.py, reading/workbook.py):
in every sheet, with or without cell references, under another part name, as an
error cell or as the error's text in a shared or an inline string. Workbooks are
built by code from a template cess wrote (tests/helpers.py), then their XML edited."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cess_cli.pipeline import validate_paths

from ..helpers import make_bilan, set_ident, set_ind
from ..hostile import rezip

SHEETS = {
    "Identification": "xl/worksheets/sheet1.xml",
    "Indicateurs": "xl/worksheets/sheet2.xml",
    "Financements": "xl/worksheets/sheet3.xml",
    "Territoires": "xl/worksheets/sheet4.xml",
    "Bilan qualitatif": "xl/worksheets/sheet5.xml",
}
# One cell cess reads in each sheet of a filled III_1.1.3 2015 bilan (tests/helpers.py).
ERROR_AT = {
    "Identification": "C3",  # annee
    "Indicateurs": "E2",  # entreprises_reprises (required)
    "Financements": "C2",  # montant_obtenu of REGION
    "Territoires": "D2",  # dont_qpv of 69
    "Bilan qualitatif": "B2",  # realisations
}


def _codes(path: Path, ref) -> list[tuple[str, str | None, str | None]]:
    [result] = validate_paths([path], ref).files
    return [(f.code, f.sheet, f.cell) for f in result.findings]


def _set_cell(xml: bytes, ref: str, cell: bytes) -> bytes:
    new, n = re.subn(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', lambda _: cell, xml, count=1, flags=re.S)
    assert n == 1, ref
    return new


def _error_cell(ref: str, text: bytes = b"#N/A") -> bytes:
    return b'<c r="' + ref.encode() + b'" t="e"><f>NA()</f><v>' + text + b"</v></c>"


def _strip_refs(xml: bytes) -> bytes:
    """Omit every `r` reference that the position implies (rows following each other,
    cells following each other from column A), as some exporters write sheets."""
    prev_row = 0

    def row(m: re.Match[bytes]) -> bytes:
        nonlocal prev_row
        number = int(m.group(1))
        head = m.group(0).split(b">", 1)[0]
        body = m.group(0)[len(head) :]
        if number == prev_row + 1:
            head = head.replace(b' r="%d"' % number, b"", 1)
        prev_row = number
        col = 0

        def cell(c: re.Match[bytes]) -> bytes:
            nonlocal col
            letters = c.group(1).decode()
            index = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(letters)))
            implied = index == col + 1
            col = index
            return c.group(0).replace(b' r="' + c.group(1) + c.group(2) + b'"', b"", 1) if implied else c.group(0)

        return head + re.sub(rb'<c r="([A-Z]+)(\d+)"', cell, body)

    return re.sub(rb'<row r="(\d+)"[^>]*>.*?</row>', row, xml, flags=re.S)


@pytest.fixture(scope="module")
def good(ref, tmp_path_factory) -> bytes:
    return make_bilan(ref, tmp_path_factory.mktemp("good")).read_bytes()


@pytest.mark.parametrize("without_refs", [False, True], ids=["avec_r", "sans_r"])
@pytest.mark.parametrize("sheet", sorted(ERROR_AT))
def test_an_error_cell_is_an_erreur_in_every_sheet(ref, tmp_path, good, sheet, without_refs):
    part, cell = SHEETS[sheet], ERROR_AT[sheet]

    def patch(name: str, data: bytes) -> bytes:
        if name == part:
            data = _set_cell(data, cell, _error_cell(cell, b"#REF!"))
        if name in SHEETS.values() and without_refs:
            data = _strip_refs(data)
            assert b' r="' not in data.split(b"<sheetData>")[1].split(b"</row>")[0]
        return data

    path = tmp_path / "bilan.xlsx"
    path.write_bytes(rezip(good, patch))
    assert ("valeur.erreur_excel", sheet, cell) in _codes(path, ref)
    [result] = validate_paths([path], ref).files
    assert not result.valid
    assert (
        next(f for f in result.findings if f.cell == cell).message
        == "La cellule contient l'erreur de calcul #REF! au lieu d'une valeur."
    )


def test_stripping_references_alone_changes_nothing(ref, tmp_path, good):
    path = tmp_path / "bilan.xlsx"
    path.write_bytes(rezip(good, lambda name, data: _strip_refs(data) if name in SHEETS.values() else data))
    assert b' r="E2"' not in zipfile.ZipFile(path).read(SHEETS["Indicateurs"])
    assert _codes(path, ref) == []


def test_an_error_cell_under_another_part_name(ref, tmp_path, good):
    other = "xl/feuilles/financements_2015.xml"

    def patch(name: str, data: bytes) -> bytes | None:
        if name == SHEETS["Financements"]:
            return None
        if name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            return data.replace(b"/xl/worksheets/sheet3.xml", b"/" + other.encode())
        return data

    moved = _set_cell(zipfile.ZipFile(io.BytesIO(good)).read(SHEETS["Financements"]), "C2", _error_cell("C2"))
    path = tmp_path / "bilan.xlsx"
    path.write_bytes(rezip(good, patch, {other: moved}))
    assert _codes(path, ref) == [("valeur.erreur_excel", "Financements", "C2")]


@pytest.mark.parametrize("stored", ["inline", "shared"])
def test_the_text_of_an_error_is_an_erreur_too(ref, tmp_path, good, stored):
    if stored == "shared":  # a text of the shared strings table, in a file Excel wrote (C00, Indicateurs!E4)
        control = (Path(__file__).parents[1] / "fixtures" / "field_cases" / "C00_control_excel.xlsx").read_bytes()

        def patch(name: str, data: bytes) -> bytes:
            if name == "xl/sharedStrings.xml":
                assert b'uniqueCount="134"' in data
                return data.replace(b"</sst>", b"<si><t>#N/A</t></si></sst>").replace(b'"134"', b'"135"')
            if name == SHEETS["Indicateurs"]:
                return _set_cell(data, "E4", b'<c r="E4" t="s"><v>134</v></c>')
            return data

        path = tmp_path / "bilan.xlsx"
        path.write_bytes(rezip(control, patch))
    else:
        cell = b'<c r="E4" t="inlineStr"><is><t>#N/A</t></is></c>'
        path = tmp_path / "bilan.xlsx"
        path.write_bytes(rezip(good, lambda n, d: _set_cell(d, "E4", cell) if n == SHEETS["Indicateurs"] else d))
    assert _codes(path, ref) == [("valeur.erreur_excel", "Indicateurs", "E4")]


def test_a_formula_without_its_result_is_an_erreur_in_any_sheet(ref, tmp_path):
    def edit(wb):
        wb["Financements"]["C2"] = "=B2*0.9"  # openpyxl saves the formula, no result
        set_ident(wb, "contact_nom", '=CONCAT("Camille";" Martin")')

    codes = _codes(make_bilan(ref, tmp_path, edit=edit), ref)
    assert ("formule.sans_valeur", "Financements", "C2") in codes
    assert ("formule.sans_valeur", "Identification", "C6") in codes


@pytest.mark.parametrize("space", ["\n", "\t", "\r\n"], ids=["saut", "tab", "crlf"])
def test_a_formula_whose_tag_breaks_a_line_is_known_too(ref, tmp_path, good, space):
    """`<f` followed by any XML white space is a formula: the byte test that spares most
    parts the walk (kinds.xlsx_needs_walk) must not miss it."""
    cell = b'<c r="C2"><f' + space.encode() + b">B2*0.9</f></c>"
    path = tmp_path / "bilan.xlsx"
    path.write_bytes(rezip(good, lambda n, d: _set_cell(d, "C2", cell) if n == SHEETS["Financements"] else d))
    assert ("formule.sans_valeur", "Financements", "C2") in _codes(path, ref)


def test_two_sheets_matching_one_name_are_an_erreur_naming_both(ref, tmp_path):
    def edit(wb):
        copy = wb.copy_worksheet(wb["Indicateurs"])
        copy.title = "INDICATEURS "

    [result] = validate_paths([make_bilan(ref, tmp_path, edit=edit)], ref).files
    [finding] = [f for f in result.findings if f.code == "feuille.en_double"]
    assert finding.severity == "erreur" and "« Indicateurs »" in finding.message
    assert "« INDICATEURS  »" in finding.message or "« INDICATEURS »" in finding.message


def test_a_workbook_that_is_no_bilan_gets_one_finding(ref, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Feuil1"
    wb.create_sheet("Budget")
    wb.save(tmp_path / "budget.xlsx")
    [result] = validate_paths([tmp_path / "budget.xlsx"], ref).files
    assert [(f.code, str(f.severity)) for f in result.findings] == [("fichier.pas_un_bilan", "erreur")]
    assert "Feuil1, Budget" in result.findings[0].message


def test_a_title_row_above_any_header_is_named(ref, tmp_path):
    def edit(wb):
        ws = wb["Financements"]
        ws.protection.sheet = False
        ws.insert_rows(1)
        ws["A1"] = "Financements 2015"

    codes = _codes(make_bilan(ref, tmp_path, edit=edit), ref)
    assert codes == [("entete.decalee", "Financements", "A2")]


def test_rows_that_only_carry_formatting_are_no_data(ref, tmp_path):
    from openpyxl.styles import Border, Side

    def edit(wb):
        ws = wb["Territoires"]
        thin = Side(style="thin")
        for r in range(2, 12_001):
            ws.cell(row=r, column=5).border = Border(bottom=thin)

    path = make_bilan(ref, tmp_path, edit=edit)
    assert b'ref="A1:E12000"' in zipfile.ZipFile(path).read(SHEETS["Territoires"])
    assert _codes(path, ref) == []


def test_invisible_characters_in_codes_and_keys(ref, tmp_path):
    def edit(wb):
        ws = wb["Identification"]
        ws["A2"] = "\u200bcode_action"  # a zero-width space before a key
        wb["Financements"]["A2"] = "REGION\u2060"  # a word joiner after a funder code
        set_ind(wb, "evenements", "\ufeff7")

    codes = _codes(make_bilan(ref, tmp_path, edit=edit), ref)
    assert codes == [
        ("texte.invisible", "Identification", "A2"),
        ("nombre.texte", "Indicateurs", "E5"),
        ("texte.invisible", "Financements", "A2"),
    ]


def test_feedback_of_a_strict_workbook_holds_the_operators_sheets(ref, tmp_path):
    source = Path(__file__).parents[1] / "fixtures" / "field_cases" / "C02b_strict_late.xlsx"
    validate_paths([source], ref, feedback_dir=tmp_path)
    wb = load_workbook(tmp_path / "C02b_strict_late_corrections.xlsx")
    assert wb.sheetnames[:2] == ["Corrections", "Identification"] and "Territoires" in wb.sheetnames
    cell = wb["Identification"]["C8"]
    assert "après l'échéance" in cell.comment.text and cell.fill.fgColor.rgb.endswith("FFE699")
    assert wb["Indicateurs"]["E2"].value == 11  # the operator's figures are there, unchanged


@pytest.mark.parametrize("suffix", [".ods", ".xls"])
def test_feedback_of_an_ods_or_xls_bilan_is_a_corrections_workbook_and_the_text(ref, tmp_path, suffix):
    source = Path(__file__).parents[1] / "fixtures" / "field_cases" / f"C08_error_cells_fin_ter{suffix}"
    validate_paths([source], ref, feedback_dir=tmp_path)
    wb = load_workbook(tmp_path / "C08_error_cells_fin_ter_corrections.xlsx")
    assert wb.sheetnames == ["Corrections"]
    rows = [[c.value for c in row] for row in wb["Corrections"].iter_rows(min_row=2, max_col=3)]
    assert rows == [["erreur", "Financements", "C2"], ["erreur", "Territoires", "D2"]]
    text = (tmp_path / "C08_error_cells_fin_ter_retour.txt").read_text(encoding="utf-8")
    assert "récapitule ces points" in text and "colorées" not in text


def test_an_xlsm_is_read_for_its_values(ref, tmp_path, good):
    path = tmp_path / "bilan.xlsm"
    path.write_bytes(rezip(good, lambda n, d: d, {"xl/vbaProject.bin": b"\0" * 100}))
    assert _codes(path, ref) == []


C00 = Path(__file__).parents[1] / "fixtures" / "field_cases" / "C00_control_excel.xlsx"
DAMAGED = {  # one '>' and '<v>' lost in a cell Excel wrote: python-calamine reads on, the figure gone
    "Financements": (
        SHEETS["Financements"],
        b'<c r="C2" s="11" t="n"><v>78000</v></c>',
        b'<c r="C2" s="11" t="n"00</v></c>',
    ),
    "Indicateurs": (SHEETS["Indicateurs"], b'<c r="E5" s="5" t="n"><v>7</v></c>', b'<c r="E5" s="5" t="n"7</v></c>'),
}


@pytest.mark.parametrize("sheet", sorted(DAMAGED))
def test_a_damaged_cell_is_refused_not_read_as_a_blank(ref, tmp_path, sheet):
    # calamine gives no error here: the count of values in the part against the cells it
    # filled tells the damage (workbook._all_read), then expat names it
    part, before, after = DAMAGED[sheet]
    assert before in zipfile.ZipFile(C00).read(part)
    path = tmp_path / "bilan_III_1.1.3_2015.xlsx"
    path.write_bytes(
        rezip(C00.read_bytes(), lambda name, data: data.replace(before, after, 1) if name == part else data)
    )
    [result] = validate_paths([path], ref).files
    assert [(f.code, f.sheet) for f in result.findings] == [("fichier.illisible", sheet)]
    assert "XML mal formé (ligne " in result.findings[0].message and not result.valid


@pytest.mark.parametrize("sheet", sorted(ERROR_AT))
def test_a_damaged_sheet_part_calamine_refuses_names_its_sheet(ref, tmp_path, good, sheet):
    part, cell = SHEETS[sheet], ERROR_AT[sheet]

    def patch(name: str, data: bytes) -> bytes:
        return _set_cell(data, cell, b'<c r="' + cell.encode() + b'" t="n"00</v></c>') if name == part else data

    path = tmp_path / "bilan.xlsx"
    path.write_bytes(rezip(good, patch))
    [result] = validate_paths([path], ref).files
    assert [(f.code, f.sheet) for f in result.findings] == [("fichier.illisible", sheet)]
    assert "XML mal formé (ligne " in result.findings[0].message and not result.valid


def test_error_cells_and_empty_formula_results_are_no_damage(ref):
    # calamine leaves them blank, so the quick count differs; expat then finds the part sound
    for name in ("C08_error_cells_fin_ter.xlsx", "C07_lo_empty_string_formula.xlsx"):
        [result] = validate_paths([C00.with_name(name)], ref).files
        assert "fichier.illisible" not in {f.code for f in result.findings}, name


def test_a_damaged_part_too_large_to_inflate_whole_is_refused_too(ref, tmp_path, good, monkeypatch):
    from cess_cli.reading import zip_parts

    monkeypatch.setattr(zip_parts, "_QUICK_PART", 10)  # every part streamed, a chunk at a time
    monkeypatch.setattr(zip_parts, "_CHUNK", 64)
    damaged = rezip(
        good,
        lambda name, data: data.replace(b"</sheetData>", b"</sheetDat>") if name == SHEETS["Territoires"] else data,
    )
    (tmp_path / "bad.xlsx").write_bytes(damaged)
    (tmp_path / "good.xlsx").write_bytes(good)
    assert _codes(tmp_path / "good.xlsx", ref) == []  # streamed whole, a good part passes
    assert [c[:2] for c in _codes(tmp_path / "bad.xlsx", ref)] == [("fichier.illisible", "Territoires")]


def test_an_end_tag_written_with_a_space_does_not_hide_a_damaged_cell(ref, tmp_path):
    """A hostile review: `</v >` is the same XML as `</v>`, but was not counted; written once
    beside a damaged cell, the counts agreed again and the lost figure went unseen."""
    part, before, after = DAMAGED["Financements"]
    data = zipfile.ZipFile(C00).read(part)
    assert data.count(b"</v></c>") > 1

    def patch(name: str, data: bytes) -> bytes:
        return data.replace(before, after, 1).replace(b"</v></c>", b"</v ></c>", 1) if name == part else data

    path = tmp_path / "bilan_III_1.1.3_2015.xlsx"
    path.write_bytes(rezip(C00.read_bytes(), patch))
    [result] = validate_paths([path], ref).files
    assert [(f.code, f.sheet) for f in result.findings] == [("fichier.illisible", "Financements")]
