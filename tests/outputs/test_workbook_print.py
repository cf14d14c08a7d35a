"""The evaluation workbook reads and prints well: widths, wrapped headers, alignment, print
titles, page width, the qualitative sheet, and charts that Gnumeric reads too."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cess_cli.consolidation.evaluation import consolidate
from cess_cli.outputs.evaluation_workbook import write_evaluation
from cess_cli.pipeline import collect

from ..helpers import make_bilan

LONG = "Première ligne du bilan qualitatif.\n" + ("Une phrase longue qui décrit l'action. " * 40).strip()


@pytest.fixture(scope="module")
def workbook(ref, tmp_path_factory):
    d = tmp_path_factory.mktemp("bilans_classeur")

    def texts(wb):
        wb["Bilan qualitatif"]["B2"] = LONG
        cell = wb["Bilan qualitatif"]["B5"]
        cell.value, cell.data_type = "=Perspectives commençant par un signe égal", "s"  # text, as typed

    make_bilan(ref, d, "ANIM", 2014, edit=texts)
    make_bilan(ref, d, "II_3.1.1", 2014)
    ev = consolidate(collect([d], ref), ref, [2014, 2015, 2016])
    return write_evaluation(ev, ref, tmp_path_factory.mktemp("classeur") / "evaluation_2014-2016.xlsx")


PRINTABLE = {"landscape": 841.9, "portrait": 595.3}  # A4 width in points, less the margins below
UNIT_POINTS = 6.8  # one width unit printed at 100 % (LibreOffice, Carlito 11 pt), measured on its PDF


def _scale_on_one_page(ws) -> float:
    from openpyxl.utils import get_column_letter

    total = sum(ws.column_dimensions[get_column_letter(j)].width or 13 for j in range(1, ws.max_column + 1))
    margins = 72 * (ws.page_margins.left + ws.page_margins.right)
    return (PRINTABLE[ws.page_setup.orientation] - margins) / (total * UNIT_POINTS)


def test_every_table_prints_readable_with_its_header_repeated(workbook):
    wb = load_workbook(workbook)
    for ws in wb.worksheets:
        if ws.sheet_properties.pageSetUpPr.fitToPage:  # one page wide, and not below 55 %
            assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight in (0, 1), ws.title
            assert ws.title == "Synthèse" or _scale_on_one_page(ws) >= 0.55, ws.title
        else:  # too wide: 60 % on several pages wide, what a row is repeated on each, pages side by side
            assert _scale_on_one_page(ws) < 0.55, ws.title
            assert ws.page_setup.scale == 60 and ws.page_setup.pageOrder == "overThenDown", ws.title
            assert ws.print_title_cols, ws.title
        if ws.title != "Synthèse":
            assert ws.print_title_rows, ws.title
            row = int(ws.print_title_rows.replace("$", "").split(":")[0])
            assert ws.cell(row=row, column=1).fill.fgColor.rgb.endswith("1F4E78"), ws.title  # the header row
    # Par action (about 320 units wide) printed whole on one page would be at about 37 %, 4 pt text
    par_action = wb["Par action"]
    assert par_action.print_title_cols == "$A:$C"
    assert [c.value for c in par_action[1][:5]] == ["Action", "Libellé", "Année", "Valeur", "Cible"]


def test_header_words_are_never_broken(workbook):
    wb = load_workbook(workbook)
    for ws in wb.worksheets:
        if not ws.print_title_rows:
            continue
        row = int(ws.print_title_rows.replace("$", "").split(":")[0])
        for cell in ws[row]:
            if not isinstance(cell.value, str):
                continue
            width = ws.column_dimensions[cell.column_letter].width
            # a bold header letter takes about 1.15 units in LibreOffice's rendering, plus 2 of padding:
            # « Manquant » needs 11.2, « Département » 14.65, « transmission » 15.8
            longest = max(len(w) for w in cell.value.split())
            assert width >= longest * 1.15 + 2, (ws.title, cell.value, width)


def test_completude_totals_are_not_clipped(workbook):
    wb = load_workbook(workbook)
    ws = wb["Complétude"]
    merged = {str(r).split(":")[0]: r for r in ws.merged_cells.ranges}
    label = next(c for c in ws["A"] if c.value == "Taux : version comptée à l'heure (sur les bilans attendus)")
    span = merged[label.coordinate]  # across A:C, wrapped, its figure in D
    assert (span.min_col, span.max_col) == (1, 3) and label.alignment.wrap_text
    assert isinstance(ws.cell(row=label.row, column=4).value, float)
    assert ws.cell(row=label.row, column=2).value is None and ws.cell(row=label.row, column=3).value is None


def test_columns_fit_their_content_and_headers_their_titles(workbook):
    wb = load_workbook(workbook)
    ws = wb["Par axe"]
    header = {c.value: c for c in ws[1]}
    for title, cell in header.items():
        width = ws.column_dimensions[cell.column_letter].width
        assert width >= max(len(w) for w in title.split()) + 1, title
        lines = -(-len(title) // int(width - 1))
        assert ws.row_dimensions[1].height >= 15 * min(lines, 2), title  # a wrapped title is shown whole
    for col in ws.iter_cols(min_row=2):
        letter = col[0].column_letter
        width = ws.column_dimensions[letter].width
        for cell in col:
            if header_of(ws, cell).value == "Année":
                continue  # a year is a number aligned like the period below it (test_years_…)
            if isinstance(cell.value, int | float):
                shown = f"{cell.value:,.1f}" if "0.0" in cell.number_format else f"{cell.value:,.0f}"
                assert len(shown) + 1 <= width, (letter, cell.value, width)
                assert cell.alignment.horizontal == "right"
                assert header_of(ws, cell).alignment.horizontal == "right"


def header_of(ws, cell):
    return ws.cell(row=1, column=cell.column)


def test_qualitative_sheet(workbook):
    wb = load_workbook(workbook)
    ws = wb["Bilans qualitatifs"]
    # what a text is, then the text: they print on one page, the rest beside with A:C again
    assert [c.value for c in ws[1]] == ["Action", "Année", "Rubrique", "Texte", "Libellé de l'action", "Axe", "Source"]
    assert ws.print_title_cols == "$A:$C"
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    long = next(r for r in rows if r[3] == LONG)
    assert long[0] == "ANIM" and long[1] == 2014 and long[2] == "Réalisations de l'année"
    assert long[5] == "Transversal (animation du contrat)"  # a label, not the code « transversal »
    assert long[6] == "bilan_ANIM_2014.xlsx!Bilan qualitatif!B2"
    formula = next(c for r in ws.iter_rows(min_row=2) for c in r if c.value and str(c.value).startswith("=Persp"))
    assert formula.data_type == "s"  # written as text, never as a formula
    tall = next(r for r in ws.iter_rows(min_row=2) if r[3].value == LONG)
    assert tall[3].alignment.wrap_text and ws.row_dimensions[tall[3].row].height >= 15 * 10


def test_gnumeric_reads_the_charts(workbook, tmp_path):
    if shutil.which("ssconvert") is None:
        pytest.skip("Gnumeric (ssconvert) is not installed (.ci/run installs it)")
    out = tmp_path / "classeur.gnumeric"
    run = subprocess.run(["ssconvert", str(workbook), str(out)], capture_output=True, text=True, timeout=180)
    said = run.stdout + run.stderr
    assert "Dropping" not in said and "Unexpected element" not in said, said
    assert gzip.decompress(out.read_bytes()).count(b"<gnm:SheetObjectGraph") == 2


CODES = {"transversal", "période", "total", "territoires", "completude", "manquant", "conflit"}


def test_labels_are_words_and_codes_keep_their_own_column(workbook):
    wb = load_workbook(workbook)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str):
                    continue
                assert cell.value not in CODES, (ws.title, cell.coordinate, cell.value)
                assert (
                    not cell.value.startswith(("bilan.", "plausibilite.", "cumul."))
                    or _column_title(ws, cell) == "Code"
                )
    anomalies = wb["Anomalies"]
    titles = [c.value for c in anomalies[1]]
    assert titles[0] == "Nature" and titles[-1] == "Code"


def _column_title(ws, cell):
    row = int(ws.print_title_rows.replace("$", "").split(":")[0]) if ws.print_title_rows else 1
    return ws.cell(row=row, column=cell.column).value


def test_whole_counts_have_no_decimals(workbook, ref):
    wb = load_workbook(workbook)
    for title in ("Territoires", "Q3 Territoires"):
        ws = wb[title]
        for row in ws.iter_rows():
            labels = [c.value for c in row if isinstance(c.value, str)]
            units = {
                ref.indicateurs[c].unite for c in ref.indicateurs if c in labels or ref.indicateurs[c].libelle in labels
            }
            for cell in row:
                if _column_title(ws, cell) == "Année":
                    continue  # a year: a number in the General format (« 2015 », never « 2 015 »)
                if isinstance(cell.value, int | float) and units == {"nombre"} and "%" not in cell.number_format:
                    assert cell.number_format == "#,##0", (title, cell.coordinate, cell.number_format)


def test_text_beside_a_number_keeps_clear_of_it(workbook):
    """An indent is ignored under the « general » alignment (LibreOffice printed « 0,0%4 / 4
    bilans » in *Territoires*): every indented cell is aligned left explicitly."""
    wb = load_workbook(workbook)
    indented = [
        (ws.title, c.coordinate, c.alignment.horizontal)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None and c.alignment.indent
    ]
    assert indented, "no indented cell: the test would prove nothing"
    assert [i for i in indented if i[2] != "left"] == []
    ws = wb["Territoires"]
    cover = next(c for c in ws[1] if c.value == "Couverture").column
    assert ws.cell(row=2, column=cover).alignment.horizontal == "left"


def test_a_financing_rate_prints_on_the_page_of_its_partial_mark(ref, tmp_path):
    """*Financements* of the sample set (long funder and axis labels) fits one page wide (at
    55 % or more), so « 72,3 % » and « partiel : 19 / 21 bilans » never land on different
    sheets of paper."""
    samples = Path(__file__).resolve().parents[2] / "sample_reports"
    ev = consolidate(collect([samples], ref), ref, [2014, 2015, 2016])
    ws = load_workbook(write_evaluation(ev, ref, tmp_path / "e.xlsx"))["Financements"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert _scale_on_one_page(ws) >= 0.55
    # a funder's code in a bold « Tous axes » row is not cut (« VILLE_VILLEURBAN », the review
    # of 30 November): bold letters take 1.15 width units, and a code has no space to wrap at
    bold = [r[1].value for r in ws.iter_rows(min_row=2) if r[1].font.b and isinstance(r[1].value, str)]
    assert "ARDECHE_MERIDIONALE" in bold or "VILLE_VILLEURBANNE" in bold
    assert ws.column_dimensions["B"].width >= max(len(code) * 1.15 + 1 for code in bold)


def test_years_are_numbers_and_rates_print_with_a_space(workbook, tmp_path):
    """A year of an « Année » column is a number (no « nombre stocké sous forme de texte »
    triangle in Excel, sorted as a number), aligned like the period beside it; a rate
    prints « 80,0 % » (a space before the sign, as in the report), in LibreOffice's PDF."""
    wb = load_workbook(workbook)
    years = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == "Année":
                    for below in ws.iter_rows(min_row=cell.row + 1, min_col=cell.column, max_col=cell.column):
                        value = below[0].value
                        if value is None:
                            break  # the end of this table
                        if isinstance(value, str) and not value.isdigit():
                            continue
                        years.append((ws.title, below[0].coordinate, value, below[0].alignment.horizontal))
    assert years and {y[2] for y in years} <= {2014, 2015, 2016}, years[:5]
    assert all(isinstance(y[2], int) and y[3] == "left" for y in years), [y for y in years if y[3] != "left"][:5]
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or poppler (pdftotext) is not installed (.ci/run installs them)")
    lo = f"-env:UserInstallation=file://{tmp_path}/lo"
    cmd = ["soffice", lo, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(workbook)]
    subprocess.run(cmd, capture_output=True, timeout=180, check=True)
    pdf = tmp_path / (workbook.stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert re.search(r"\d[.,]\d %", text), "no rate printed"
    assert re.findall(r"\S*\d%", text) == []


def test_a_printed_page_never_shows_another_tables_header(workbook):
    """The evaluator's review: Q3's breakdown and Q4's computed figures were printed under the
    repeated header row of the question's table, whose columns are not theirs. A sheet whose
    header row is repeated on every page holds one table (one header row) only."""
    wb = load_workbook(workbook)
    checked = 0
    for ws in wb.worksheets:
        if not ws.print_title_rows:
            continue
        title_row = int(ws.print_title_rows.replace("$", "").split(":")[0])
        fill = ws.cell(row=title_row, column=1).fill.fgColor.rgb
        headers = [c.row for c in ws["A"] if c.fill.fgColor.rgb == fill and c.fill.fill_type == "solid"]
        assert headers == [title_row], (ws.title, headers)
        checked += 1
    assert checked >= 12 and {"Q3 Départements", "Q4 Chiffres calculés"} <= set(wb.sheetnames)
