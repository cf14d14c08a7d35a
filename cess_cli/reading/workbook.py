"""Open a bilan workbook: sheets and rows, each value at its cell, as the file saved it.

The pre-flight (preflight.py) runs first, so that no parser ever sees a file that is
not a plausible, bounded workbook. Then:

- `.xlsx`, `.xlsm` (values only: macros are never run) and `.ods`: python-calamine
  reads the values, and `kinds.py` the cells it cannot tell from a blank (Excel error
  cells, formulas without a saved result) and the merged cells of an `.ods`;
- `.xls` (Excel 97-2003): xlrd reads values and error cells in one pass (calamine
  reads `.xls` too, but turns its error cells into blanks).

Every sheet comes back as a grid where an error cell is a `cells.CellError` and an
uncomputed formula `cells.NO_VALUE`; `cells.py` interprets the values (French numbers,
dates, codes). README: *The bilan workbook*, *Untrusted workbooks*.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from cess_cli.catalogue import make
from cess_cli.findings import Finding
from cess_cli.reading import integrity, kinds, ods
from cess_cli.reading.cells import PERCENT_FORMAT, CellError, PercentValue, Typed, normalize
from cess_cli.reading.files import SPREADSHEET_SUFFIXES
from cess_cli.reading.kinds import Marks, Merge
from cess_cli.reading.limits import DEFAULT_LIMITS, Limits
from cess_cli.reading.package import sheet_parts
from cess_cli.reading.preflight import Checked, preflight, short_reason
from cess_cli.reading.zip_parts import archive, malformed


class Sheet:
    """One sheet: `rows[0]` is row 1, `rows[r][c]` the raw value of the cell (a str, a
    number, a date, a bool, "" for a blank, `CellError`, `NO_VALUE`); `merged` the merged
    ranges (first row, first column, last row, last column, 0-based, inclusive)."""

    __slots__ = ("header_row", "merged", "name", "rows")

    def __init__(self, name: str, rows: list[list[Any]], merged: list[Merge] | None = None) -> None:
        self.name = name
        self.rows = rows
        self.merged = merged or []
        self.header_row = 0  # 0-based; the checks move it when a title row pushed the header down

    def header(self, row: int | None = None) -> list[str]:
        """The normalized names of one row (by default the header row)."""
        row = self.header_row if row is None else row
        values = self.rows[row] if row < len(self.rows) else []
        return [normalize(v) if isinstance(v, str) else "" for v in values]


class Book:
    """An opened workbook: `sheet_names`, `hidden` (the names of the sheets the workbook
    hides, « masquée » or « très masquée »), and `sheet(name)` read on demand."""

    def __init__(self, sheet_names: list[str], hidden: frozenset[str] = frozenset()) -> None:
        self.sheet_names = sheet_names
        self.hidden = hidden

    def sheet(self, name: str) -> Sheet:
        raise NotImplementedError

    def close(self) -> None:
        return None


class CalamineBook(Book):
    """`.xlsx`, `.xlsm`, `.ods` read by python-calamine, with the cell kinds of kinds.py."""

    def __init__(self, wb: Any, archive: zipfile.ZipFile, data: bytes, kind: str, parts: Parts | None = None) -> None:
        hidden = frozenset(m.name for m in wb.sheets_metadata if m.visible != SheetVisibleEnum.Visible)
        super().__init__(list(wb.sheet_names), hidden)
        self._wb = wb
        self._zip = archive
        self._data = data
        self._kind = kind
        self._content, self._percent = parts if parts is not None else (None, None)  # checked on opening
        self._ods: dict[str, tuple[Marks, list[Merge]]] | None = None
        self._strings_checked = False

    def sheet(self, name: str) -> Sheet:
        try:
            cal = self._wb.get_sheet_by_name(name)
            rows = cal.to_python(skip_empty_area=False)
        except Exception:  # calamine refused the part: say which sheet, and why when it is damaged
            reason = self._why_refused(name) if self._kind != "ods" else None
            if reason is not None:
                raise DamagedSheet(name, reason) from None
            raise
        if self._kind == "ods":
            marks, merged = self._ods_kinds().get(name, ({}, []))
        else:
            xml = self._part(name)
            if not _all_read(name, xml, rows):
                self._check_shared_strings(name)
            marks = kinds.xlsx_marks(xml, self._percent_styles())
            merged = [(a[0], a[1], b[0], b[1]) for a, b in (cal.merged_cell_ranges or [])]
        _apply(rows, marks)
        return Sheet(name, rows, merged)

    def _why_refused(self, name: str) -> str | None:
        """Why calamine refused a sheet: its part is damaged, or it refers to a shared
        string the table does not hold."""
        xml = self._part(name)
        reason = malformed([xml])
        if reason is None:
            info = integrity.shared_strings_info(self._zip)
            sst = None if info is None else kinds.entry_bytes(self._zip, info, self._data)
            reason = integrity.missing_shared_string(
                xml, sst, "xl/sharedStrings.xml" if info is None else info.filename
            )
        return reason

    def _check_shared_strings(self, name: str) -> None:
        """Parse the shared strings, once per file, when a sheet holds fewer values than
        its part (a string whose tag is damaged inside reads as a blank). Raises
        `DamagedSheet` naming the sheet where a value went missing."""
        info = integrity.shared_strings_info(self._zip)
        if self._strings_checked or info is None:
            return
        self._strings_checked = True
        try:
            integrity.check_shared_strings(kinds.entry_bytes(self._zip, info, self._data), info.filename, parse=True)
        except integrity.DamagedPart as exc:
            raise DamagedSheet(name, exc.reason) from None

    def _part(self, name: str) -> bytes:
        """The bytes of one sheet's part: those the pre-flight found and inflated."""
        record = archive(self._zip)
        if record.sheet_parts is None:
            record.sheet_parts = dict(sheet_parts(self._zip))
        part = record.sheet_parts.get(name)
        if part is None:
            raise ValueError(f"feuille « {name} » introuvable dans l'archive")
        xml = record.inflated.get(part)
        if xml is None:
            info = self._info(part)
            xml = kinds.entry_bytes(self._zip, info, self._data)
        return xml

    def _percent_styles(self) -> frozenset[int]:
        """The percentage formats of the workbook's styles part (none in the templates)."""
        if self._percent is None:
            self._percent = _styles_checked(self._zip, self._data)
        return self._percent

    def _info(self, part: str) -> zipfile.ZipInfo:
        try:
            return self._zip.getinfo(part)
        except KeyError:
            return self._zip.getinfo(part.replace("/", "\\"))

    def _ods_kinds(self) -> dict[str, tuple[Marks, list[Merge]]]:
        if self._ods is None:
            content = self._content if self._content is not None else self._zip.read("content.xml")
            percent = _ods_percent_of(self._zip, self._data)
            walk = kinds.ods_needs_walk(content, percent)
            self._ods = kinds.ods_sheets(io.BytesIO(content), percent) if walk else {}
        return self._ods

    def close(self) -> None:
        self._wb.close()
        self._zip.close()


_STYLES: dict[bytes, frozenset[int]] = {}  # a styles part's stored bytes (kinds.entry_key) -> its percent formats
_ODS_STYLES: dict[bytes, frozenset[str]] = {}  # an .ods styles.xml's stored bytes -> its percent styles
T = TypeVar("T")


def _by_content(
    cache: dict[bytes, T], zf: zipfile.ZipFile, data: bytes, name: str, read: Callable[[bytes, str], T]
) -> T | None:
    """What `read(part's bytes, its name in the archive)` gives for the part `name` of `zf`
    (found by `integrity.single_part`), kept in `cache` under the part's stored bytes
    (`kinds.entry_key`, never the CRC the directory claims): bilans made from one template
    share the part, which is then inflated and read once per worker. None without the part."""
    info = integrity.single_part(zf, name)
    if info is None:
        return None
    key = kinds.entry_key(info, data)
    found = cache.get(key)
    if found is None:
        found = read(kinds.entry_bytes(zf, info, data), info.filename)
        if len(cache) > 256:
            cache.clear()
        cache[key] = found
    return found


def _checked_percent(styles: bytes, part: str) -> frozenset[int]:
    integrity.check_styles(styles, part)  # a damaged one makes calamine read figures as dates
    return kinds.percent_styles(styles)


def _styles_checked(zf: zipfile.ZipFile, data: bytes) -> frozenset[int]:
    """The percentage formats of the workbook's styles part, which is checked whole
    (integrity.check_styles), once per distinct part (`_by_content`); two styles parts are
    refused (which one calamine reads is not known). Raises `integrity.DamagedPart`."""
    return _by_content(_STYLES, zf, data, "xl/styles.xml", _checked_percent) or frozenset()


def _ods_percent_of(zf: zipfile.ZipFile, data: bytes) -> frozenset[str]:
    """The percentage data styles of an `.ods`'s styles.xml (kinds.ods_percent_styles),
    once per distinct part, as `_styles_checked` knows an `.xlsx`'s."""
    return (
        _by_content(_ODS_STYLES, zf, data, "styles.xml", lambda part, _name: kinds.ods_percent_styles(part))
        or frozenset()
    )


class DamagedSheet(Exception):
    """A sheet's part is not well-formed XML: `sheet` and the French `reason`."""

    def __init__(self, sheet: str, reason: str) -> None:
        super().__init__(reason)
        self.sheet, self.reason = sheet, reason


def _all_read(name: str, xml: bytes, rows: list[list[Any]]) -> bool:
    """Whether every value the part holds is in the grid python-calamine returned; if not,
    the part is checked for damage: calamine reads a part that is not well-formed XML leniently, and a
    cell whose tag is broken (`<c r="C2" t="n"00</v></c>`) vanished with its figure. The
    count of closing `</v>` and `</is>` tags (`</v >` too: a cell's value, shared or inline) against the
    cells calamine filled decides in a few microseconds; when they differ (error cells and
    empty formula results, which calamine leaves blank, damage, a prefixed `</x:v>`), expat
    decides. Raises `DamagedSheet`; False when the part is sound but values are missing
    (then the shared strings are parsed: CalamineBook._check_shared_strings)."""
    expected = xml.count(b"</v") + xml.count(b"</is")  # « </v > » is « </v> » too (a hostile review)
    filled = sum(len(row) - row.count("") for row in rows)  # in C: a sheet has hundreds of empty cells
    if filled == expected:
        return True
    reason = malformed([xml])
    if reason is not None:
        raise DamagedSheet(name, reason)
    return False


def _apply(rows: list[list[Any]], marks: Marks) -> None:
    """Put error cells and uncomputed formulas in the grid, where calamine left a blank,
    mark a number shown as a percentage (`PercentValue`: « 12 % » typed in Excel is 0.12),
    and give an OpenDocument boolean or duration the value an `.xlsx` gives (`Typed`)."""
    for (r, c), kind in marks.items():
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        if len(row) <= c:
            row.extend([""] * (c + 1 - len(row)))
        if kind is PERCENT_FORMAT:
            if isinstance(row[c], int | float) and not isinstance(row[c], bool):
                row[c] = PercentValue(row[c])
        elif isinstance(kind, Typed):
            row[c] = _typed(row[c], kind.value)
        elif row[c] == "":
            row[c] = kind


def _typed(found: Any, value: bool | timedelta) -> Any:
    """A boolean where calamine read a number (`=TRUE()` saved as 1), a duration where it
    left text (`PT36H00M00S`); any other value as calamine read it."""
    if isinstance(value, bool):
        number = isinstance(found, int | float) and not isinstance(found, bool)
        return value if number and float(found) == float(value) else found
    return value if isinstance(found, str) and found else found


class XlsBook(Book):
    """`.xls` (BIFF, Excel 97-2003) read by xlrd: values, dates, error cells, merged cells."""

    def __init__(self, book: Any) -> None:
        names = list(book.sheet_names())
        states = getattr(book, "_sheet_visibility", [])  # xlrd: 0 visible, 1 hidden, 2 very hidden
        super().__init__(names, frozenset(n for n, state in zip(names, states, strict=False) if state))
        self._book = book
        formats = book.format_map  # the cell formats that show a number as a percentage
        self._percent_xf = frozenset(
            i for i, xf in enumerate(book.xf_list) if kinds.shows_percent(formats[xf.format_key].format_str)
        )
        self._duration_xf = frozenset(  # `[h]:mm:ss`: a duration, as calamine reads it in an .xlsx
            i for i, xf in enumerate(book.xf_list) if kinds.shows_duration(formats[xf.format_key].format_str)
        )

    def sheet(self, name: str) -> Sheet:
        import xlrd

        s = self._book.sheet_by_name(name)
        rows = [
            [
                _xls_value(s.cell(r, c), self._book.datemode, xlrd, self._percent_xf, self._duration_xf)
                for c in range(s.row_len(r))
            ]
            for r in range(s.nrows)
        ]
        while rows and all(v == "" for v in rows[-1]):
            rows.pop()
        merged = [(rlo, clo, rhi - 1, chi - 1) for rlo, rhi, clo, chi in s.merged_cells]
        return Sheet(name, rows, merged)

    def close(self) -> None:
        self._book.release_resources()


def _xls_value(
    cell: Any,
    datemode: int,
    xlrd: Any,
    percent_xf: frozenset[int] = frozenset(),
    duration_xf: frozenset[int] = frozenset(),
) -> Any:
    """A cell's value as calamine gives the same cell of an `.xlsx`: a duration format's
    number a `timedelta`, a time of day (below 1) a `time`, a date a `date`."""
    ctype, value = cell.ctype, cell.value
    if ctype == xlrd.XL_CELL_NUMBER and cell.xf_index in percent_xf:
        return PercentValue(value)
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if ctype == xlrd.XL_CELL_ERROR:
        return CellError(xlrd.error_text_from_code.get(value, "#ERREUR"))
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if ctype == xlrd.XL_CELL_DATE:
        if cell.xf_index in duration_xf:
            return timedelta(days=value)
        try:
            moment: datetime = xlrd.xldate.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return value
        if 0 <= value < 1:
            return moment.time()
        return moment.date() if moment.time() == time(0) else moment
    return value


_LETTERS: list[str] = []


def col_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    while len(_LETTERS) <= index:
        n = len(_LETTERS) + 1
        s = ""
        while n:
            n, r = divmod(n - 1, 26)
            s = chr(65 + r) + s
        _LETTERS.append(s)
    return _LETTERS[index]


def is_lock_file(name: str) -> bool:
    """Excel's `~$bilan.xlsx` and LibreOffice's `.~lock.bilan.xlsx#`: a workbook is open somewhere."""
    return name.startswith(("~$", ".~lock."))


def open_book(
    path: Path, display: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[Book | None, Finding | None, str | None]:
    """Pre-flight checks (preflight.py), then open the workbook with its reader.

    Returns (book, None, sha256) or (None, finding, sha256); the SHA-256 of the bytes is
    given whenever the file was read (None for what was refused before reading).
    A file that is not a spreadsheet and whose name does not say it is one (a PDF, a
    Word document, a lock file) gets `fichier.non_classeur`, an `avertissement`: it is
    listed as ignored. Never raises for a bad file: every other refusal is one `erreur`
    finding (SPEC §5)."""
    if is_lock_file(path.name):
        detail = "fichier de verrouillage d'Excel ou de LibreOffice : le classeur est ouvert sur un poste"
        return None, make("fichier.non_classeur", display, detail=detail), None
    checked = preflight(path, display, limits)
    if checked.finding is not None:
        return None, _ignored(path, checked), checked.sha256
    assert checked.data is not None
    try:
        book = _open(checked)
    except Exception as exc:  # the readers raise several error types for broken files
        return None, _open_error(exc, display), checked.sha256
    return book, None, checked.sha256


def _open(checked: Checked) -> Book:
    assert checked.data is not None
    if checked.kind == "xls":
        import xlrd

        quiet = io.StringIO()  # xlrd writes its warnings to stdout otherwise
        book = xlrd.open_workbook(file_contents=checked.data, formatting_info=True, on_demand=True, logfile=quiet)
        return XlsBook(book)
    archive = checked.archive or zipfile.ZipFile(io.BytesIO(checked.data))
    kind = checked.kind or "xlsx"
    parts = _checked_parts(archive, checked.data, kind)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
    except Exception:
        if parts[0] is None:
            raise
        wb = CalamineWorkbook.from_filelike(io.BytesIO(ods.compacted(archive, parts[0])))  # Gnumeric's (ods.py)
    return CalamineBook(wb, archive, checked.data, kind, parts)


Parts = tuple[bytes | None, frozenset[int] | None]  # an .ods's content.xml; an .xlsx's percent formats


def _checked_parts(archive: zipfile.ZipFile, data: bytes, kind: str) -> Parts:
    """The parts every sheet's values depend on, checked whole before calamine reads them
    (integrity.py): an `.xlsx`'s shared strings and styles (its percentage formats are
    returned), an `.ods`'s content.xml (returned, for the reader). Raises
    `integrity.DamagedPart`."""
    if kind == "ods":
        content = kinds.entry_bytes(archive, archive.getinfo("content.xml"), data)
        integrity.check_ods_content(content)
        return content, None
    info = integrity.shared_strings_info(archive)
    if info is not None:
        integrity.check_shared_strings(kinds.entry_bytes(archive, info, data), info.filename)
    return None, _styles_checked(archive, data)


def _open_error(exc: Exception, display: str) -> Finding:
    if isinstance(exc, MemoryError | ods.CopyTooLarge):  # a workbook too big to read, not a damaged one
        return make("fichier.trop_gros", display, detail="sa lecture demande plus de mémoire que la limite")
    if isinstance(exc, integrity.DamagedPart):
        return make("fichier.illisible", display, detail=exc.reason)
    if "encrypted" in str(exc).lower() or type(exc).__name__ == "PasswordError":
        return make("fichier.chiffre", display)
    return make("fichier.illisible", display, detail=short_reason(exc))


def _ignored(path: Path, checked: Checked) -> Finding:
    """In a folder of bilans, what is not a spreadsheet and is not named as one is listed
    as ignored (an `avertissement`), not refused: a PDF beside the bilans, a note."""
    assert checked.finding is not None
    if checked.not_spreadsheet and not path.name.lower().endswith(SPREADSHEET_SUFFIXES):
        return make("fichier.non_classeur", checked.finding.file, detail=checked.not_spreadsheet)
    return checked.finding
