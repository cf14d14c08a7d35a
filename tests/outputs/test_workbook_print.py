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
# one width unit printed at 100 %, measured on LibreOffice's PDFs: Calibri's metric twin Carlito
# (what the reader prints with, in Excel or LibreOffice), and DejaVu Sans where Carlito is absent
UNIT_POINTS = {"Carlito": 5.56, "DejaVu": 7.05}
LEGIBLE = 0.70  # 11-point text printed at 7.7 points at least
PAR_ACTION = 0.65  # its 14 columns: README *Printing* says why it prints at about 67 %


def _scale_on_one_page(ws, font="Carlito") -> float:
    from openpyxl.utils import get_column_letter

    total = sum(ws.column_dimensions[get_column_letter(j)].width or 13 for j in range(1, ws.max_column + 1))
    margins = 72 * (ws.page_margins.left + ws.page_margins.right)
    return (PRINTABLE[ws.page_setup.orientation] - margins) / (total * UNIT_POINTS[font])


def test_every_sheet_prints_one_page_wide_with_its_header_repeated(workbook):
    """Every table: A4 landscape, fitted to one page wide and as many pages down as needed
    (never pages side by side), its header row repeated; *Synthèse* portrait."""
    wb = load_workbook(workbook)
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (setup.fitToWidth, setup.fitToHeight, setup.paperSize) == (1, 0, 9), ws.title
        assert setup.scale is None and ws.print_title_cols is None, ws.title  # no fixed scale, no side pages
        assert setup.orientation == ("portrait" if ws.title == "Synthèse" else "landscape"), ws.title
        if ws.title == "Synthèse":
            continue
        assert ws.print_title_rows, ws.title
        row = int(ws.print_title_rows.replace("$", "").split(":")[0])
        assert ws.cell(row=row, column=1).fill.fgColor.rgb.endswith("1F4E78"), ws.title  # the header row
        assert ws.cell(row=row, column=1).font.name == "Calibri", ws.title  # not LibreOffice's serif
        least = PAR_ACTION if ws.title == "Par action" else LEGIBLE
        assert _scale_on_one_page(ws) >= least, (ws.title, _scale_on_one_page(ws))
    par_action = wb["Par action"]
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
    # what a text is, then the text, then what describes it further: one page wide
    assert [c.value for c in ws[1]] == ["Action", "Année", "Rubrique", "Texte", "Libellé de l'action", "Axe", "Source"]
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.fitToWidth == 1
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
    70 % or more), so « 72,3 % » and « partiel : 19 / 21 bilans » never land on different
    sheets of paper."""
    samples = Path(__file__).resolve().parents[2] / "sample_reports"
    ev = consolidate(collect([samples], ref), ref, [2014, 2015, 2016])
    ws = load_workbook(write_evaluation(ev, ref, tmp_path / "e.xlsx"))["Financements"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert _scale_on_one_page(ws) >= LEGIBLE
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


# --- the pages LibreOffice prints (README *Printing*) ---------------------------------------

SAMPLES = Path(__file__).resolve().parents[2] / "sample_reports"
HYPHEN = re.compile(r"\s+|(?<=[-—])(?=\w)")  # where a printed line may break (« 2014- » / « 2016 » too)


def _printed(word: str, words: set[str]) -> bool:
    """`word` is among the printed `words`, whole or broken after its hyphens."""
    return word in words or set(HYPHEN.split(word)) <= words


def _pdf(book: Path, out: Path) -> Path:
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or poppler (pdftotext) is not installed (.ci/run installs them)")
    lo = f"-env:UserInstallation=file://{out}/lo"
    cmd = ["soffice", lo, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(book)]
    subprocess.run(cmd, capture_output=True, timeout=300, check=True)
    return out / (book.stem + ".pdf")


def _pages(pdf: Path) -> list[dict]:
    """Each printed page: the sheet named in its footer, its words (pdftotext), its
    orientation, the font most of its text is in and the size it prints at (pypdf)."""
    from collections import Counter

    from pypdf import PdfReader

    texts = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    pages = []
    for page, text in zip(PdfReader(pdf).pages, texts.decode().split("\f"), strict=False):
        sizes: Counter = Counter()

        def visit(t, cm, tm, font, size, sizes=sizes):
            if t.strip() and font:
                name = "Carlito" if "Carlito" in str(font.get("/BaseFont")) else "DejaVu"
                sizes[(name, round(abs(size * (tm[3] or 1) * (cm[3] or 1)), 2))] += len(t.strip())

        page.extract_text(visitor_text=visit)
        footer = ([line for line in text.splitlines() if " — page " in line] or [""])[-1]  # cess's sheets
        (font, size), _ = sizes.most_common(1)[0] if sizes else (("", 0.0), 0)
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        pages.append(
            dict(
                sheet=footer.split(" — page ")[0].strip(),
                words=set(text.split()),
                text=text,
                landscape=width > height,
                font=font,
                scale=size / 11,  # the body text is 11 pt
            )
        )
    return pages


@pytest.fixture(scope="module")
def printed(ref, tmp_path_factory):
    """The sample set's 2014-2016 workbook and the pages LibreOffice prints of it."""
    out = tmp_path_factory.mktemp("imprime")
    ev = consolidate(collect([SAMPLES], ref), ref, [2014, 2015, 2016])
    book = write_evaluation(ev, ref, out / "evaluation_2014-2016.xlsx")
    return load_workbook(book), _pages(_pdf(book, out))


def _least_scale(title: str, font: str) -> float:
    """The legible scale in Carlito, and the same text size where LibreOffice falls back to
    DejaVu Sans (its width units are wider: the sheet prints smaller, its letters bigger)."""
    least = PAR_ACTION if title == "Par action" else LEGIBLE
    return least if font == "Carlito" else least * 0.78  # measured: 0.784 to 0.79 of the Carlito scale


def test_every_printed_page_holds_all_its_columns_at_a_legible_scale(printed):
    """Each page of a table holds every column header of its sheet (one page wide, the header
    repeated), landscape, at 70 % or more (*Par action* 65 %), no « ### »."""
    wb, pages = printed
    assert {p["sheet"] for p in pages} == set(wb.sheetnames)
    for page in pages:
        ws = wb[page["sheet"]]
        assert "###" not in page["text"], page["sheet"]
        assert page["scale"] >= _least_scale(ws.title, page["font"]) - 0.005, (ws.title, page["scale"], page["font"])
        if ws.title == "Synthèse":
            assert not page["landscape"]
            continue
        assert page["landscape"], ws.title
        row = int(ws.print_title_rows.replace("$", "").split(":")[0])
        titles = [c.value for c in ws[row] if c.value]
        missing = [t for t in titles if not all(_printed(w, page["words"]) for w in t.split())]
        assert not missing, (ws.title, missing)


def test_no_printed_text_is_cut(printed):
    """Every word of every text cell that prints (titles, notes and tables; *Synthèse*'s A:C)
    prints whole: no row too short for its wrapped lines, no title running off the page, no
    name or code broken inside (a SHA-256, 64 letters, wraps: said)."""
    wb, pages = printed
    for ws in wb.worksheets:
        printed_words = set().union(*(p["words"] for p in pages if p["sheet"] == ws.title))
        if ws.title == "Synthèse":  # the print area: A1:C<last> (the charts' data beyond is not printed)
            cells = ws.iter_rows(max_col=3, max_row=int(re.search(r"(\d+)$", str(ws.print_area)).group(1)))
        else:
            cells = ws.iter_rows()
        header = int(ws.print_title_rows.replace("$", "").split(":")[0]) if ws.print_title_rows else 0
        lost = {
            (cell.coordinate, word)
            for line in cells
            for cell in line
            if isinstance(cell.value, str) and ws.cell(row=header or 1, column=cell.column).value != "SHA-256"
            for word in cell.value.split()
            if not _printed(word, printed_words)
        }
        assert not lost, (ws.title, sorted(lost)[:5])


def test_synthese_prints_its_figures_then_its_charts(printed):
    """*Synthèse*: portrait, the key figures on a first page, the two charts on a second,
    both at the page width (on one page they were printed at 67 %)."""
    _wb, pages = printed
    synthese = [p for p in pages if p["sheet"] == "Synthèse"]
    assert len(synthese) == 2 and all(p["scale"] >= 0.75 for p in synthese)
    assert "Chiffres clés" in synthese[0]["text"] and "Barres partielles" in synthese[1]["text"]


def test_the_corrections_sheet_prints_one_page_wide_legibly(ref, tmp_path):
    """The *Corrections* sheet of an operator's feedback copy: landscape, one page wide, its
    header row repeated, at 70 % or more, every finding's text whole (it printed at 58 %)."""
    from cess_cli.pipeline import validate_files

    from ..helpers import set_ind

    def wrong(wb):
        for code in ("evenements", "entreprises_reprises", "structures_accompagnees"):
            set_ind(wb, code, -1)

    bad = make_bilan(ref, tmp_path, "III_1.1.3", 2015, edit=wrong)
    _report, [feedback] = validate_files([bad], ref, feedback_dir=tmp_path / "retours")
    ws = load_workbook(feedback.workbook)["Corrections"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert _scale_on_one_page(ws) >= LEGIBLE
    pages = [p for p in _pages(_pdf(feedback.workbook, tmp_path)) if p["sheet"] == "Corrections"]
    assert pages and all(p["landscape"] for p in pages)
    for page in pages:
        assert page["scale"] >= _least_scale("Corrections", page["font"]) - 0.005, page["scale"]
        assert {"Gravité", "Feuille", "Cellule", "Ce", "qui", "ne", "va", "pas", "attendu", "Code"} <= page["words"]
    words = set().union(*(p["words"] for p in pages))
    texts = [c.value for r in ws.iter_rows(min_row=2) for c in r if isinstance(c.value, str)]
    assert len(texts) >= 3 * 6 and all(_printed(w, words) for t in texts for w in t.split())
