"""A bilan saved by Gnumeric as .ods is read with its values exact (reading/ods.py):
Gnumeric indents content.xml, which python-calamine 0.9.1 refuses on its own. The files
are made by Gnumeric itself (`ssconvert`), from a sample bilan and from a bilan with
findings; values are compared cell by cell with the .xlsx they were converted from,
read by openpyxl (not by cess), and `cess validate` must say the same of both."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from cess_cli.pipeline import validate_paths
from cess_cli.reading import integrity
from cess_cli.reading.cells import PercentValue
from cess_cli.reading.workbook import open_book

from ..helpers import make_bilan, typical_errors

pytestmark = pytest.mark.skipif(
    not shutil.which("ssconvert"), reason="Gnumeric (ssconvert) absent: .ci/run installs the gnumeric package"
)

SAMPLE = Path(__file__).parents[2] / "sample_reports" / "bilan_III_1.1.3_2015.xlsx"
READ = ("Identification", "Indicateurs", "Financements", "Territoires", "Bilan qualitatif")


@pytest.fixture(scope="module")
def converted(ref, tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """name -> (the .xlsx, the .ods Gnumeric wrote from it)."""
    base = tmp_path_factory.mktemp("gnumeric")
    sources = {
        "exemple": base / SAMPLE.name,
        "erreurs": make_bilan(ref, base, "III_1.1.1", 2015, edit=typical_errors, name="erreurs.xlsx"),
    }
    shutil.copy(SAMPLE, sources["exemple"])
    out = {}
    for name, xlsx in sources.items():
        ods = xlsx.with_suffix(".ods")
        subprocess.run(["ssconvert", str(xlsx), str(ods)], check=True, capture_output=True, timeout=120)
        out[name] = (xlsx, ods)
    return out


def _typed(xlsx: Path, sheet: str) -> dict[tuple[int, int], object]:
    """The values of a sheet as the .xlsx holds them, read by openpyxl: (row, column) ->
    value, 0-based, blanks left out."""
    ws = load_workbook(xlsx)[sheet]
    return {
        (c.row - 1, c.column - 1): c.value
        for row in ws.iter_rows()
        for c in row
        if c.value is not None and c.value != ""
    }


def _same(read: object, typed: object) -> bool:
    if isinstance(typed, dt.datetime) and typed.time() == dt.time(0):
        typed = typed.date()
    if isinstance(read, PercentValue):
        read = float(read)
    if isinstance(typed, bool) or isinstance(read, bool):
        return read is typed
    if isinstance(typed, int | float) and isinstance(read, int | float):
        return float(read) == float(typed)
    return read == typed and type(read) is type(typed)


def test_the_gnumeric_file_is_what_calamine_refuses_alone(converted):
    # the case this reading exists for; if a python-calamine release reads it, ods.py can go
    _, ods = converted["exemple"]
    assert b">\n" in zipfile.ZipFile(ods).read("content.xml")  # indented, between the cells
    with pytest.raises(Exception, match="table-cell"):
        CalamineWorkbook.from_path(str(ods))


@pytest.mark.parametrize("name", ["exemple", "erreurs"])
def test_a_bilan_saved_by_gnumeric_reads_cell_by_cell_like_its_xlsx(converted, name):
    xlsx, ods = converted[name]
    book, finding, _ = open_book(ods, ods.name)
    assert finding is None and book is not None
    try:
        for sheet in READ:
            typed = _typed(xlsx, sheet)
            rows = book.sheet(sheet).rows
            read = {(r, c): v for r, row in enumerate(rows) for c, v in enumerate(row) if v != ""}
            assert read.keys() == typed.keys(), sheet
            wrong = {at: (read[at], typed[at]) for at in typed if not _same(read[at], typed[at])}
            assert not wrong, (sheet, wrong)
    finally:
        book.close()


@pytest.mark.parametrize("name", ["exemple", "erreurs"])
def test_validate_says_the_same_of_the_gnumeric_ods_and_the_xlsx(ref, converted, name):
    xlsx, ods = converted[name]
    results = validate_paths([xlsx, ods], ref).files
    found = [[(f.code, f.sheet, f.cell, f.severity) for f in r.findings] for r in results]
    assert found[0] == found[1]
    assert results[0].valid == results[1].valid
    if name == "erreurs":  # the findings are the bilan's, not the reading's
        assert ("valeur.negative", "Indicateurs") in {(c, s) for c, s, _, _ in found[1]}
        assert "fichier.illisible" not in {c for c, _, _, _ in found[1]}


def test_the_compacted_copy_keeps_every_element_and_text(converted):
    from defusedxml import ElementTree as DET

    from cess_cli.reading import ods as ods_reading

    _, ods = converted["erreurs"]
    zf = zipfile.ZipFile(ods)
    content = zf.read("content.xml")
    copy = zipfile.ZipFile(__import__("io").BytesIO(ods_reading.compacted(zf, content)))
    assert copy.namelist() == ["mimetype", "META-INF/manifest.xml", "content.xml"]  # what calamine reads
    before, after = DET.fromstring(content), DET.fromstring(copy.read("content.xml"))
    strip = lambda t: (t or "").strip()  # noqa: E731 (whitespace between elements is all that goes)
    assert [(e.tag, e.attrib, strip(e.text)) for e in before.iter()] == [
        (e.tag, e.attrib, strip(e.text)) for e in after.iter()
    ]
    assert integrity.looks_whole(copy.read("content.xml"), b"document-content")


TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def _content(body: str) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="o" '
    return f'{head}xmlns:text="{TEXT_NS}">{body}</office:document-content>'.encode()


def _copy_of(content: bytes) -> bytes:
    import io

    from cess_cli.reading import ods as ods_reading

    holder = io.BytesIO()
    with zipfile.ZipFile(holder, "w") as zf:
        zf.writestr("content.xml", content)
    return zipfile.ZipFile(io.BytesIO(ods_reading.compacted(zipfile.ZipFile(holder), content))).read("content.xml")


def test_a_prefix_rebound_on_one_element_keeps_its_scope():
    """A hostile review: `text:` rebound on an earlier, empty element made every later text
    element lose its spaces (« 1 5 » read as 15 €). Prefixes hold in their element only."""
    body = '<office:forms xmlns:text="urn:x"/>\n  <text:p>1<text:span> </text:span>5</text:p>'
    assert b"<text:span> </text:span>" in _copy_of(_content(body))
    inside = '<office:forms xmlns:text="urn:x">  <text:p>a</text:p>  </office:forms>'  # not text there
    assert b'<office:forms xmlns:text="urn:x"><text:p>a</text:p></office:forms>' in _copy_of(_content(inside))


def test_a_copy_that_would_grow_past_twice_its_part_is_refused_as_too_big():
    """« > » in a text is written back « &gt; »: a part made of them would make the copy four
    times as big (2.5 GB from a 13 MB file in the review). Refused past twice the part."""
    from cess_cli.reading import ods as ods_reading

    with pytest.raises(ods_reading.CopyTooLarge):
        _copy_of(_content("<text:p>" + ">" * 100_000 + "</text:p>"))
    assert _copy_of(_content("<text:p>" + ">" * 100 + "</text:p>")).count(b"&gt;") == 100


@pytest.mark.parametrize("raised", ["CopyTooLarge", "MemoryError"])
def test_a_gnumeric_file_too_big_to_copy_is_too_big_not_damaged(ref, converted, monkeypatch, raised):
    from cess_cli.reading import ods as ods_reading

    error = ods_reading.CopyTooLarge if raised == "CopyTooLarge" else MemoryError

    def refuse(*_args):
        raise error

    monkeypatch.setattr(ods_reading, "compacted", refuse)
    [result] = validate_paths([converted["exemple"][1]], ref).files
    assert [f.code for f in result.findings] == ["fichier.trop_gros"]
    assert "plus de mémoire que la limite" in result.findings[0].message
