"""What python-calamine does not say about a cell: that it holds an Excel error, or a
formula whose result was never saved.

python-calamine turns an error cell (`#N/A`, `#REF!`, LibreOffice's `Err:502`) and an
uncomputed formula into an empty string, in every format: the binding maps calamine's
error type to "empty", and an OpenDocument error result is stored as an empty string
value. A bilan whose `#REF!` reads as a blank loses a figure without a word. So the
reader (workbook.py) reads, with each sheet's values, the kind of its cells from the
same part of the file, with the positions every reader computes (a row or cell
without its `r` reference follows the previous one; OpenDocument repeats and spans
cells), and puts `CellError` / `NO_VALUE` in the grid it returns: every check of every
sheet then sees them as values. The same walk gives an OpenDocument sheet's merged
cells, which calamine does not report for that format.

XML is parsed with defusedxml (no DTD entities); a part that cannot be parsed is an
error of the file, never "no error cell".
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, Any

from defusedxml import ElementTree as DET

from cess_cli.reading.cells import NO_VALUE, PERCENT_FORMAT, CellError, Typed
from cess_cli.reading.package import attr, local
from cess_cli.reading.zip_parts import inflated

Marks = dict[tuple[int, int], Any]  # (row, column), 0-based -> CellError | NO_VALUE | PERCENT_FORMAT | Typed
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based, inclusive)

_REF = re.compile(r"([A-Z]{1,3})?(\d+)?")
_ODS_HINTS = (
    b'value-type="error"',
    b":formula=",
    b"-spanned=",
    b'value-type="percentage"',
    b"percentage-style",
    b"boolean-value",
    b"time-value",
)
_TRUE_FALSE = re.compile(r"(?:of:)?=\s*(TRUE|FALSE)\s*(?:\(\s*\))?\s*", re.I)  # LibreOffice's import of a boolean
_ISO_DURATION = re.compile(r"(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d*)?)S)?)?")
_MAX_MARKED_ROWS = 1_048_576


def column_number(letters: str) -> int:
    """A column's number from its letters: A -> 1, Z -> 26, AA -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def entry_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> bytes:
    """An entry of an archive held in memory, inflated straight from its offsets (zipfile
    parsed them, and the pre-flight bounded every entry's size): this runs on every sheet
    of every file, where ZipFile.read costs more than the inflating itself. The sheet parts
    the pre-flight already inflated are taken from it (zip_parts.inflated)."""
    done = inflated(zf).get(info.filename)
    if done is not None:
        return done
    if info.compress_type == zipfile.ZIP_DEFLATED:
        start = info.header_offset + 30
        name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
        begin = start + name_len + extra_len
        try:
            out = zlib.decompressobj(-15).decompress(data[begin : begin + info.compress_size], info.file_size)
        except zlib.error:
            out = b""
        if len(out) == info.file_size:
            return out
    return zf.read(info)


def entry_key(info: zipfile.ZipInfo, data: bytes) -> bytes:
    """What identifies an entry's content for a cache shared by the files a worker reads:
    its method, its size and its stored (compressed) bytes themselves, never the CRC-32 the
    directory claims (a CRC is forged in four bytes: a styles part crafted to share the
    template's CRC and size would have been taken for it). Identical stored bytes inflate
    to identical content; a few kilobytes for the parts cached (styles)."""
    begin = info.header_offset + 30
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    begin += name_len + extra_len
    head = struct.pack("<HQ", info.compress_type, info.file_size)
    return head + data[begin : begin + info.compress_size]


def percent_styles(styles: bytes) -> frozenset[int]:
    """The cell formats (indexes into `cellXfs` of `xl/styles.xml`) that show a number as a
    percentage: the built-in formats 9 and 10 (`0%`, `0.00%`) and any custom format with
    a `%` outside quotes. Excel stores « 12 % » typed in a cell as 0.12 in such a format.
    The reader keeps the result per styles part (workbook._styles_checked)."""
    if b"%" not in styles and b'numFmtId="9"' not in styles and b'numFmtId="10"' not in styles:
        return frozenset()  # the common case: the templates use none
    root = DET.fromstring(styles)
    percent_ids = {9, 10}
    for el in root.iter():
        if local(el.tag) == "numFmt" and shows_percent(el.get("formatCode") or ""):
            percent_ids.add(int(el.get("numFmtId") or -1))
    xfs = next((el for el in root if local(el.tag) == "cellXfs"), None)
    if xfs is None:
        return frozenset()
    found = [
        i for i, xf in enumerate(x for x in xfs if local(x.tag) == "xf") if int(xf.get("numFmtId") or 0) in percent_ids
    ]
    return frozenset(found)


_PLAIN = re.compile(r'"[^"]*"|\\.')  # quoted text and escaped characters of a number format


def shows_percent(format_code: str) -> bool:
    """Whether a number format shows its number as a percentage: a `%` outside quoted text
    and escapes (`0%`, `0.0" "%`; not `0" %"`), in Excel's and LibreOffice's format codes."""
    return "%" in _PLAIN.sub("", format_code)


_ELAPSED = re.compile(r"\[(?:h+|m+|s+)\]", re.I)


def shows_duration(format_code: str) -> bool:
    """Whether a number format shows its number as a duration: an elapsed `[h]`, `[mm]`
    or `[ss]` outside quoted text (`[h]:mm:ss`), as calamine tells a duration in an `.xlsx`."""
    return _ELAPSED.search(_PLAIN.sub("", format_code)) is not None


def xlsx_marks(xml: bytes, percent: frozenset[int] = frozenset()) -> Marks:
    """Error cells and formulas without a saved result of one worksheet part, and the
    numbers shown as a percentage (`percent`: the formats `percent_styles` found).

    A formula whose cached result is the empty string (`t="str"` with an empty `<v>`,
    as Excel and LibreOffice save `=IF(…;"")`) is a blank, not a missing value."""
    styled = bool(percent) and any(f's="{i}"'.encode() in xml for i in percent)
    if not styled and not xlsx_needs_walk(xml):
        return {}
    marks: Marks = {}
    row = -1
    col = -1
    for event, el in DET.iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = local(el.tag)
        if event == "start":
            if tag == "row":
                r = el.get("r")
                row = int(r) - 1 if r and r.isdigit() else row + 1
                col = -1
            continue
        if tag != "c":
            if tag == "row":
                el.clear()
            continue
        ref = _REF.fullmatch(el.get("r") or "")
        if ref and ref.group(1):
            col = column_number(ref.group(1)) - 1
            row = int(ref.group(2)) - 1 if ref.group(2) else row
        else:
            col += 1
        kind = _xlsx_kind(el)
        if kind is None and styled and int(el.get("s") or 0) in percent and (el.get("t") or "n") == "n":
            kind = PERCENT_FORMAT
        if kind is not None:
            marks[(row, col)] = kind
    return marks


def _xlsx_kind(cell: Any) -> Any:
    t = cell.get("t") or "n"
    has_f = False
    value: str | None = None
    has_v = False
    for child in cell:
        name = local(child.tag)
        if name == "f":
            has_f = True
        elif name == "v":
            has_v, value = True, child.text
    if t == "e":
        return CellError((value or "#ERREUR").strip())
    if has_f and not value and not (has_v and t in ("str", "s", "inlineStr")):
        return NO_VALUE
    return None


def ods_sheets(content: IO[bytes], percent: frozenset[str] = frozenset()) -> dict[str, tuple[Marks, list[Merge]]]:
    """Per sheet of an OpenDocument `content.xml`: error cells and formulas without a
    result, numbers shown as a percentage, and merged ranges (a cell spanning rows or
    columns). `percent`: the percentage data styles of `styles.xml` (`ods_percent_styles`).

    A percentage is a `percentage` value (LibreOffice) or a `float` value whose cell style
    shows it with a percentage data style (Gnumeric: `style:data-style-name` naming a
    `number:percentage-style`, in `styles.xml` or in `content.xml` itself)."""
    out: dict[str, tuple[Marks, list[Merge]]] = {}
    for name, marks, merges in _walk_ods(content, set(percent)):
        out[name] = (marks, merges)
    return out


def ods_percent_styles(styles: bytes) -> frozenset[str]:
    """The names of the percentage data styles (`number:percentage-style`) of an
    OpenDocument `styles.xml`; the part is parsed only when it holds one."""
    if b"percentage-style" not in styles:
        return frozenset()
    return frozenset(
        attr(el, "name") or "" for el in DET.fromstring(styles).iter() if local(el.tag) == "percentage-style"
    )


def xlsx_needs_walk(xml: bytes) -> bool:
    """Whether a worksheet part may hold a formula or an error cell (a quick byte test:
    most bilans hold neither, and then the part is not parsed). An error cell carries
    `t="e"` (either quote); a formula is an `f` element, prefixed or not, whatever
    follows its name (`<f>`, `<f t="shared" …/>`, `<x:f>`, a tab or a line break), not
    `<formula1>` of a data validation. Four passes in C over the bytes, then a step in
    Python per `<f` or `:f` found (a part has a handful): this runs on every sheet of
    every file."""
    if b'"e"' in xml or b"'e'" in xml:
        return True
    end = len(xml) - 2
    for needle in (b"<f", b":f"):
        at = xml.find(needle)
        while -1 < at < end:
            if xml[at + 2] in _AFTER_NAME:
                return True
            at = xml.find(needle, at + 2)
    return False


_AFTER_NAME = frozenset(b" \t\r\n>/")  # what may follow an element's name in its tag


def ods_needs_walk(content: bytes, percent: frozenset[str] = frozenset()) -> bool:
    """Whether an OpenDocument `content.xml` may hold a cell the walk marks (a quick byte
    test): an error, a formula, a merge, a percentage value or percentage style, a
    boolean or a time value (`Typed`)."""
    return bool(percent) or any(hint in content for hint in _ODS_HINTS)


def _walk_ods(content: IO[bytes], percent_data: set[str]) -> Iterator[tuple[str, Marks, list[Merge]]]:
    percent_cells: set[str] = set()  # the cell styles that show a number as a percentage
    name = ""
    marks: Marks = {}
    merges: list[Merge] = []
    row = 0
    col = 0
    row_repeat = 1
    row_marks: list[tuple[int, Any]] = []
    depth = 0
    for event, el in DET.iterparse(content, events=("start", "end")):
        tag = local(el.tag)
        if event == "start":
            if tag == "table":
                depth += 1
                if depth == 1:
                    name, marks, merges, row = attr(el, "name") or "", {}, [], 0
            elif tag == "table-row" and depth == 1:
                col, row_marks = 0, []
                row_repeat = int(attr(el, "number-rows-repeated") or 1)
            continue
        if depth != 1:
            if tag == "table":
                depth -= 1
            elif tag == "percentage-style" and depth == 0:
                percent_data.add(attr(el, "name") or "")
            elif tag == "style" and depth == 0 and attr(el, "data-style-name") in percent_data:
                percent_cells.add(attr(el, "name") or "")
            continue
        if tag in ("table-cell", "covered-table-cell"):
            repeat = int(attr(el, "number-columns-repeated") or 1)
            kind = _ods_kind(el) if tag == "table-cell" else None
            if kind is None and percent_cells and attr(el, "style-name") in percent_cells:
                kind = PERCENT_FORMAT if attr(el, "value-type") == "float" else None
            if kind is not None:
                row_marks += [(col + i, kind) for i in range(min(repeat, 16_384))]
            rows_spanned = int(attr(el, "number-rows-spanned") or 1)
            cols_spanned = int(attr(el, "number-columns-spanned") or 1)
            if tag == "table-cell" and (rows_spanned > 1 or cols_spanned > 1):
                merges.append((row, col, row + rows_spanned - 1, col + cols_spanned - 1))
            col += repeat
            el.clear()
        elif tag == "table-row":
            for i in range(min(row_repeat, _MAX_MARKED_ROWS) if row_marks else 0):
                for c, kind in row_marks:
                    marks[(row + i, c)] = kind
            row += row_repeat
            el.clear()
        elif tag == "table":
            depth -= 1
            yield name, marks, merges


def _ods_kind(cell: Any) -> Any:
    types = {value for key, value in cell.attrib.items() if local(key) == "value-type"}
    if types == {"percentage"}:  # « 12 % » typed in LibreOffice: 0.12 shown as a percentage
        return PERCENT_FORMAT
    if "error" in types:  # calcext:value-type="error" beside office:value-type="string" (LibreOffice)
        text = "".join(cell.itertext()).strip()
        return CellError(text or "#ERREUR")
    formula = attr(cell, "formula")
    if formula is not None and not types and not any(local(c.tag) == "p" for c in cell):
        return NO_VALUE  # LibreOffice saves a formula whose result is "" with an empty <text:p/>: a blank
    return _typed(cell, types, formula)


def _typed(cell: Any, types: set[str], formula: str | None) -> Typed | None:
    """The value an `.xlsx` gives where calamine loses the cell's type: `True`/`False` for
    a boolean (`boolean` value type, or LibreOffice's `=TRUE()` / `=FALSE()` saved as the
    float 1 / 0 where the cell's format is a number's: how it imports a boolean of an
    `.xlsx`), a `timedelta` for a `time` value (calamine leaves the ISO text of 24 h or more)."""
    if types == {"boolean"}:
        return Typed((attr(cell, "boolean-value") or "").strip().lower() == "true")
    if types == {"float"} and formula is not None and (m := _TRUE_FALSE.fullmatch(formula)):
        return Typed(m.group(1).upper() == "TRUE")
    if types == {"time"}:
        return _duration(attr(cell, "time-value") or "")
    return None


def _duration(iso: str) -> Typed | None:
    """An ISO 8601 duration (`PT36H00M00S`, `P1DT12H`) as a `Typed` timedelta; None when unreadable."""
    m = _ISO_DURATION.fullmatch(iso.strip())
    if m is None or not any(m.groups()[1:]):
        return None
    days, hours, minutes = (int(g or 0) for g in m.groups()[1:4])
    seconds = float((m.group(5) or "0").replace(",", ".") or 0)
    delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return Typed(-delta if m.group(1) else delta)
