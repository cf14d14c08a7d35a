"""Pre-flight: what the zip directory and the sheet XML show is refused before any parser
allocates for it; zip methods Python cannot inflate; validate_workbook never raises."""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from cess_cli.checking.validate import validate_workbook
from cess_cli.reading.limits import DEFAULT_LIMITS
from cess_cli.reading.preflight import preflight

from ..helpers import make_bilan
from ..hostile import INDICATEURS, TERRITOIRES, build_corpus, on, rezip

PEERS = Path(__file__).resolve().parents[3] / "shared" / "peer-files" / "calamine-tests"
if not PEERS.is_dir():  # a worktree lies one level deeper than a clone beside shared/
    PEERS = Path(__file__).resolve().parents[4] / "shared" / "peer-files" / "calamine-tests"


@pytest.fixture(scope="module")
def good(ref, tmp_path_factory) -> bytes:
    return make_bilan(ref, tmp_path_factory.mktemp("bon")).read_bytes()


def _stray(where: str, value: bool = True) -> Callable[[bytes], bytes]:
    cell = f'<c r="{where}"><v>1</v></c>' if value else f'<c r="{where}" s="1"/>'
    row = re.sub(r"[A-Z]+", "", where)
    return lambda data: data.replace(b"</sheetData>", f'<row r="{row}">{cell}</row></sheetData>'.encode())


def _finding(path: Path, display: str = "x.xlsx") -> tuple[str, str] | None:
    checked = preflight(path, display, DEFAULT_LIMITS)
    return (checked.finding.code, checked.finding.message) if checked.finding else None


@pytest.mark.parametrize("where", ["AX1048576", "CV1048576", "E10001", "AY2"])
def test_far_cell_refused_before_parsing(good, tmp_path, where):
    """Refused naming the sheet and the far cell, as every finding that has them."""
    path = tmp_path / "loin.xlsx"
    path.write_bytes(rezip(good, on(INDICATEURS, _stray(where))))  # <dimension> left understated
    code, message = _finding(path)
    assert code == "fichier.trop_gros" and f"cellule remplie en {where}" in message
    finding = preflight(path, "x.xlsx", DEFAULT_LIMITS).finding
    assert finding is not None and (finding.sheet, finding.cell) == ("Indicateurs", where)


def test_too_many_filled_rows_name_their_sheet_and_no_cell(good, tmp_path):
    """More rows holding values than the limit, each within it (a forged sheet repeating
    one row): the sheet is named; no one cell is the cause."""
    rows = '<row r="9"><c r="A9"><v>1</v></c></row>' * (DEFAULT_LIMITS.max_rows + 1)
    path = tmp_path / "long.xlsx"
    path.write_bytes(
        rezip(good, on(TERRITOIRES, lambda d: d.replace(b"</sheetData>", rows.encode() + b"</sheetData>")))
    )
    finding = preflight(path, "x.xlsx", DEFAULT_LIMITS).finding
    assert finding is not None and finding.code == "fichier.trop_gros"
    assert "lignes remplies" in finding.message and (finding.sheet, finding.cell) == ("Territoires", None)


@pytest.mark.parametrize("space", ["\t", "\n", "\r\n", "  "], ids=["tab", "saut", "crlf", "deux_espaces"])
def test_far_cell_whose_tag_breaks_a_line_is_refused_too(good, tmp_path, space):
    """`<c` followed by any XML white space is a cell: the quick test in C that spares most
    sheets the streamed scan (zip_parts._quick_ok) must not let it through."""
    cell = f'<row r="1048576"><c{space}r="AX1048576"><v>1</v></c></row></sheetData>'.encode()
    path = tmp_path / "loin.xlsx"
    path.write_bytes(rezip(good, on(INDICATEURS, lambda d: d.replace(b"</sheetData>", cell))))
    code, message = _finding(path)
    assert code == "fichier.trop_gros" and "cellule remplie en AX1048576" in message


def test_far_cell_in_single_quotes_is_refused_too(good, tmp_path):
    """XML allows either quote around an attribute: `r='AX1048576'` is read where it says."""
    cell = b"<row r='1048576'><c r='AX1048576'><v>1</v></c></row></sheetData>"
    path = tmp_path / "loin.xlsx"
    path.write_bytes(rezip(good, on(INDICATEURS, lambda d: d.replace(b"</sheetData>", cell))))
    code, message = _finding(path)
    assert code == "fichier.trop_gros" and "cellule remplie en AX1048576" in message


def test_formatted_empty_cells_are_not_data(good, tmp_path):
    path = tmp_path / "format.xlsx"
    path.write_bytes(rezip(good, on(TERRITOIRES, _stray("E12000", value=False))))
    assert _finding(path) is None


def _without_r(data: bytes) -> bytes:
    return re.sub(rb' r="[A-Z]*[0-9]*"', b"", data)


def test_cells_without_r_are_placed_by_position(good, tmp_path):
    fine = tmp_path / "sans_r.xlsx"
    fine.write_bytes(rezip(good, on(INDICATEURS, _without_r)))
    assert _finding(fine) is None
    rows = b"".join(b"<row><c><v>1</v></c></row>" for _ in range(DEFAULT_LIMITS.max_rows + 1))
    many = tmp_path / "trop_sans_r.xlsx"
    many.write_bytes(
        rezip(good, on(INDICATEURS, lambda d: _without_r(d).replace(b"</sheetData>", rows + b"</sheetData>")))
    )
    code, message = _finding(many)
    assert code == "fichier.trop_gros" and "lignes" in message
    wide_row = b"<row>" + b"<c><v>1</v></c>" * (DEFAULT_LIMITS.max_columns + 1) + b"</row>"
    wide = tmp_path / "large_sans_r.xlsx"
    wide.write_bytes(
        rezip(good, on(INDICATEURS, lambda d: _without_r(d).replace(b"</sheetData>", wide_row + b"</sheetData>")))
    )
    code, message = _finding(wide)
    assert code == "fichier.trop_gros" and "AY" in message


def test_sheets_sharing_one_part_are_refused(good, tmp_path):
    def twenty(data: bytes) -> bytes:
        first = re.search(rb"<sheet [^>]*/>", data)
        assert first is not None
        copies = b"".join(
            re.sub(
                rb'name="[^"]*"',
                f'name="copie{i}"'.encode(),
                re.sub(rb'sheetId="\d+"', f'sheetId="{90 + i}"'.encode(), first.group()),
            )
            for i in range(20)
        )
        return data.replace(b"</sheets>", copies + b"</sheets>")

    path = tmp_path / "vingt.xlsx"
    path.write_bytes(rezip(good, on("xl/workbook.xml", twenty)))
    code, message = _finding(path)
    assert code == "fichier.trop_gros" and "21 feuilles désignent la même partie" in message


def _patch_zip(data: bytes, name: str, *, method: int | None = None, flags: int = 0, size: int | None = None) -> bytes:
    """Rewrite, in the local header and the central directory, one entry's compression
    method, flag bits or declared size (what other zip tools write, or lie)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        heads = [(zf.getinfo(name).header_offset, 6, 8, 22)]  # (start, flags, method, size) offsets
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        if data[pos + 46 : pos + 46 + n].decode() == name:
            heads.append((pos, 8, 10, 24))
        pos = data.find(b"PK\x01\x02", pos + 46 + n + m + k)
    for start, flag_at, method_at, size_at in heads:
        if method is not None:
            struct.pack_into("<H", out, start + method_at, method)
        if flags:
            struct.pack_into("<H", out, start + flag_at, struct.unpack_from("<H", out, start + flag_at)[0] | flags)
        if size is not None:
            struct.pack_into("<I", out, start + size_at, size)
    return bytes(out)


@pytest.mark.parametrize(
    ("patch", "code", "words"),
    [
        ({"method": 9}, "fichier.format_non_pris_en_charge", "Deflate64"),
        ({"method": 12}, "fichier.format_non_pris_en_charge", "bzip2"),
        ({"method": 99, "flags": 1}, "fichier.chiffre", "mot de passe"),
        ({"flags": 1}, "fichier.chiffre", "mot de passe"),
        ({"size": 200, "pad": True}, "fichier.tronque", "endommagé"),
    ],
)
def test_zip_entries_python_cannot_inflate_give_a_finding(good, tmp_path, ref, patch, code, words):
    path = tmp_path / "methode.xlsx"
    if patch.pop("pad", False):  # 2 MB of blanks that inflate past a declared size of 200 bytes
        good = rezip(good, on(INDICATEURS, lambda d: d.replace(b"</sheetData>", b"</sheetData>" + b" " * 2_000_000)))
    path.write_bytes(_patch_zip(good, INDICATEURS, **patch))
    result = validate_workbook(path, ref)  # in this process: never raises
    [finding] = result.findings
    assert finding.code == code and words in finding.message


def test_validate_workbook_never_raises(ref, good, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    expected = build_corpus(folder, good, tmp_path / "dehors.xlsx")
    peers = sorted(PEERS.iterdir()) if PEERS.is_dir() else []
    for path in [folder / name for name in expected] + peers:
        result = validate_workbook(path, ref)  # never an exception, whatever the file
        assert result.valid or result.findings[0].severity == "erreur", path.name


def test_oversize_sparse_file_is_refused_unread(ref, tmp_path):
    from cess_cli.pipeline import collect

    big = tmp_path / "enorme.xlsx"
    with open(big, "wb") as fh:
        fh.truncate(32 * 1024**3)  # 32 GB claimed, nothing on disk
    coll = collect([tmp_path], ref)
    [source] = coll.sources
    assert source.findings[0].code == "fichier.trop_gros"
    assert source.sha256 is None  # never hashed: reading 32 GB took minutes
    assert os.stat(big).st_blocks == 0


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 16, 4096])
def test_streamed_scan_reads_cells_across_chunk_boundaries(size):
    from cess_cli.reading.zip_parts import _scan_cells

    def stream(xml: bytes):
        return (xml[i : i + size] for i in range(0, len(xml), size))

    head = b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    empty = head + b'<row r="12000"><c r="E12000" s="18" t="n"></c><c r="F12000" s="1"/></row></sheetData></worksheet>'
    full = head + b'<row r="12000"><c r="E12000" s="18" t="n"><v>1</v></c></row></sheetData></worksheet>'
    assert _scan_cells(stream(empty), DEFAULT_LIMITS) is None
    reason, cell = _scan_cells(stream(full), DEFAULT_LIMITS) or ("", None)
    assert "E12000" in reason and cell == "E12000"
