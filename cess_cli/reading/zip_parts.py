"""The zip layer of the pre-flight (preflight.py): entries Python's zipfile cannot inflate,
and what the sheet parts really hold, streamed before any parser allocates for them.

README *Untrusted workbooks*, *Limits*.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import struct
import weakref
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from cess_cli.catalogue import make
from cess_cli.findings import Finding
from cess_cli.reading.cells import normalize
from cess_cli.reading.limits import Limits
from cess_cli.reading.package import SheetParts, sheets_from
from cess_cli.referential.bilan_format import SHEETS

_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_METHOD_NAMES = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd", 6: "Implode"}


def check_methods(infos: list[zipfile.ZipInfo], display: str) -> Finding | None:
    """Refuse, before anything is inflated, entries that are encrypted (a zip password,
    AES included) or compressed with a method cess cannot inflate (Deflate64, bzip2…)."""
    for info in infos:
        if info.flag_bits & 0x1 or info.compress_type == 99:  # 99: WinZip AES
            return make("fichier.chiffre", display)
        if info.compress_type not in _METHODS:
            name = _METHOD_NAMES.get(info.compress_type, f"méthode {info.compress_type}")
            detail = f"archive compressée avec la méthode « {name} », que cess ne sait pas décompresser"
            return make("fichier.format_non_pris_en_charge", display, detail=detail)
    return None


_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)((?:\s[^>]*)?)>")
_R = re.compile(rb"""\sr\s*=\s*["']([A-Z]{0,3})([0-9]{0,7})["']""")  # either quote, as XML allows
_SMALL_PART = 1024 * 1024  # workbook.xml and its relationships are a few KB
_CHUNK = 256 * 1024
_SLACK = 1024 * 1024  # some writers get a declared size slightly wrong (calamine reads them)
_MAX_TAG = 1024 * 1024


def check_sheet_parts(zf: zipfile.ZipFile, book: str, display: str, limits: Limits) -> Finding | None:
    """What the sheet parts really hold, before a parser allocates anything for them:
    - several sheets of the workbook pointing at one part (a parser would read it once per
      sheet: 20 sheets on one 14 MB part cost 1.5 GB) are refused;
    - every part of a sheet cess reads (the sheets of the bilan format, matched by name as
      the checks match them) is streamed, a chunk at a time, and refused as soon as a cell
      that holds something lies beyond `max_rows` or `max_columns` (one stray cell at
      AX1048576 makes a reader allocate the whole rectangle: 2 GB) or more rows than
      `max_rows` hold values. Empty, formatted cells (`<c r="A12000" s="3"/>`) are not
      data and count for nothing. Sheets cess never reads (*Mode d'emploi*, *Listes*, an
      operator's own sheet) are never parsed by any reader, so they are not streamed.
    `book` is the workbook part (preflight found it through the package relationships).
    README *Limits*."""
    names = {i.filename.replace("\\", "/"): i for i in zf.infolist()}
    pairs = _sheet_targets(zf, names, book, display)
    if isinstance(pairs, Finding):
        return pairs
    targets = [part for _, part in pairs]
    seen: set[str] = set()
    for target in targets:
        if target in seen:
            shared = sum(t == target for t in targets)
            detail = f"{shared} feuilles désignent la même partie {target} (classeur forgé)"
            return make("fichier.trop_gros", display, detail=detail)
        seen.add(target)
    record = archive(zf)
    record.sheet_parts = dict(pairs)
    read = _read_sheet_names()
    data = zf.fp.getvalue() if isinstance(zf.fp, io.BytesIO) else None
    for part, name in sorted((part, name) for name, part in pairs if normalize(name) in read):
        if part in names:
            chunks = _inflate(zf, names[part], data)
            if names[part].file_size <= _QUICK_PART:
                xml = b"".join(chunks)
                if len(xml) == names[part].file_size:  # the reader takes it from here
                    record.inflated[names[part].filename] = xml
                if _quick_ok(xml, limits):  # its XML is checked by the reader (workbook._all_read)
                    continue
                chunks = iter([xml])
            else:
                chunks = _well_formed(chunks, display, name)
            try:
                refused = _scan_cells(chunks, limits)
            except _Malformed as exc:
                return exc.finding
            if refused is not None:  # the sheet by its name; the far cell, when one is the cause
                reason, cell = refused
                return make("fichier.trop_gros", display, name, cell, detail=reason)
    return None


@functools.cache
def _read_sheet_names() -> frozenset[str]:
    """The sheets cess reads, normalised as the checks match them (checking/structure.py)."""
    return frozenset(normalize(spec.title) for spec in SHEETS)


_QUICK_PART = 4 * 1024 * 1024


@dataclass
class Archive:
    """What the pre-flight learned of one archive, kept as long as the archive lives, so
    that the reader does not do it again: the sheet parts it inflated whole (entry name
    -> bytes), and each sheet's part (sheet name -> part name)."""

    inflated: dict[str, bytes] = field(default_factory=dict)
    sheet_parts: dict[str, str] | None = None


_ARCHIVES: weakref.WeakKeyDictionary[zipfile.ZipFile, Archive] = weakref.WeakKeyDictionary()


def archive(zf: zipfile.ZipFile) -> Archive:
    """The pre-flight's record of `zf` (created empty on first use)."""
    found = _ARCHIVES.get(zf)
    if found is None:
        found = _ARCHIVES[zf] = Archive()
    return found


def inflated(zf: zipfile.ZipFile) -> dict[str, bytes]:
    """The sheet parts of `zf` the pre-flight inflated whole (entry name -> bytes)."""
    return archive(zf).inflated


def _quick_ok(xml: bytes, limits: Limits) -> bool:
    """The common case, decided in one pass in C: every cell carries its `r` first and no
    `r` (empty cells included) is long enough to reach beyond the limits; a part too small
    to hold more rows than the limit is not counted. Otherwise `_scan_cells` decides, as it
    does for a cell tag whose name is followed by anything but one space (`<c>`, `<c/>`, a
    tab, a line break) and for prefixed cells (`<x:c …>`)."""
    if _suspect_cell(limits.max_rows, limits.max_columns).search(xml) is not None or _prefixed_cell(xml):
        return False
    return len(xml) < 5 * limits.max_rows or xml.count(b"<row") <= limits.max_rows


def _prefixed_cell(xml: bytes) -> bool:
    """Whether a cell tag with a namespace prefix (`<x:c …>`) may be in the part."""
    end = len(xml) - 2
    at = xml.find(b":c")
    while -1 < at < end:
        if xml[at + 2] in _AFTER_NAME:
            return True
        at = xml.find(b":c", at + 2)
    return False


_AFTER_NAME = frozenset(b" \t\r\n>/")  # what may follow an element's name in its tag


@functools.lru_cache(maxsize=8)
def _suspect_cell(max_rows: int, max_columns: int) -> re.Pattern[bytes]:
    """A cell whose name is not followed by one space and its `r` first, or whose
    reference has as many letters or digits as the first one beyond the limits."""
    letters, digits = len(_col_letters(max_columns + 1)), len(str(max_rows + 1))
    return re.compile(rb'<c(?:[>/\t\r\n]| (?!r=")| r="(?:[A-Z]{%d,}|[A-Z]+[0-9]{%d,}"))' % (letters, digits))


def _sheet_targets(
    zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], book: str, display: str
) -> SheetParts | Finding:
    """(sheet name, part) of each sheet of the workbook part, through its relationships (one
    entry per sheet, so that two sheets on one part show as a repeated target)."""
    folder, base = posixpath.split(book)
    rels_name = posixpath.join(folder, "_rels", f"{base}.rels")
    if book not in names or rels_name not in names:
        return ()
    book_xml, rels = _small_entry(zf, names[book]), _small_entry(zf, names[rels_name])
    if book_xml is None or rels is None:
        return make("fichier.trop_gros", display, detail="description du classeur démesurée")
    return sheets_from(book_xml, rels, folder)


def _small_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A small entry's bytes (as a reader inflates them: no CRC check), None when it
    claims to be large."""
    if info.file_size > _SMALL_PART:
        return None
    data = zf.fp.getvalue() if isinstance(zf.fp, io.BytesIO) else None
    return b"".join(_inflate(zf, info, data))


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes | None) -> Iterator[bytes]:
    """The entry's bytes, a chunk at a time (never the whole part in memory). From the
    in-memory archive, inflated straight from the entry's offsets (as `_head` does)."""
    if data is not None and info.compress_type == zipfile.ZIP_DEFLATED:
        name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
        start = info.header_offset + 30 + name_len + extra_len
        raw = memoryview(data)[start : start + info.compress_size]
        inflater = zlib.decompressobj(-15)
        pending: bytes | memoryview = raw
        total = 0
        while pending:
            chunk = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            total += len(chunk)
            if total > info.file_size + _SLACK:  # a lie that would slip past the size limits
                raise zipfile.BadZipFile(f"{info.filename} : plus de données que la taille annoncée")
            if chunk:
                yield chunk
            elif not pending:
                break
        return
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def malformed(chunks: Iterable[bytes]) -> str | None:
    """Why a sheet part is not well-formed XML (« XML mal formé, ligne 2, colonne 345 »), or
    None. python-calamine reads such a part leniently: a cell whose tag is damaged
    (`<c r="C2" t="n"00</v>`) vanishes, and its figure with it, without a word. Excel itself
    refuses the file (it offers to repair it), so cess does too. expat, in C: about 70 µs
    for a bilan's sheet, so the reader calls it only when a cheaper test says a value may
    be missing (workbook._all_read); a part streamed here gets it always."""
    parser = expat.ParserCreate()
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        return f"feuille endommagée : XML mal formé (ligne {exc.lineno}, colonne {exc.offset + 1})"
    return None


class _Malformed(Exception):
    def __init__(self, finding: Finding) -> None:
        self.finding = finding


def _well_formed(chunks: Iterator[bytes], display: str, sheet: str) -> Iterator[bytes]:
    """`chunks` passed on as they are streamed, each also fed to expat (a part too large to
    be inflated whole); `_Malformed` with the finding at the first damage."""
    parser = expat.ParserCreate()
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            yield chunk
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        detail = f"feuille endommagée : XML mal formé (ligne {exc.lineno}, colonne {exc.offset + 1})"
        raise _Malformed(make("fichier.illisible", display, sheet, detail=detail)) from None


class _Scan:
    """Where a streamed sheet stands: the current row and column, the rows holding values."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.row = self.col = self.value_rows = 0
        self.row_has_value = False
        self.cell: str | None = None  # the far cell that made the scan refuse the sheet

    def tags(self, buf: bytes, end: int, final: bool) -> tuple[int, str | None]:
        """Read the tags of `buf[:end]`: (where to resume, the reason to refuse or None).
        A cell whose next bytes are not in `buf` yet is left for the next chunk."""
        for m in _TAG.finditer(buf, 0, end):
            attrs = m.group(2)
            r = _R.search(attrs)
            if m.group(1) == b"row":
                self.row = int(r.group(2)) if r and r.group(2) else self.row + 1
                self.col, self.row_has_value = 0, False
                continue
            if not attrs.endswith(b"/") and m.end() + 2 > len(buf) and not final:
                return m.start(), None  # is it `<c …></c>`? the next chunk tells
            cell_row = self.row
            if r and r.group(1):
                self.col = _col_number(r.group(1))
                cell_row = int(r.group(2)) if r.group(2) else self.row
            else:
                self.col += 1
            if attrs.endswith(b"/") or buf.startswith(b"</", m.end()):
                continue  # an empty cell, formatted maybe: not data
            reason = self._value_at(cell_row)
            if reason is not None:
                return end, reason
        return end, None

    def _value_at(self, cell_row: int) -> str | None:
        limits = self.limits
        if cell_row > limits.max_rows or self.col > limits.max_columns:
            where = self.cell = f"{_col_letters(self.col)}{cell_row}"
            return (
                f"une cellule remplie en {where}, au-delà des limites de {limits.max_rows} lignes "
                f"et {limits.max_columns} colonnes par feuille"
            )
        if not self.row_has_value:
            self.row_has_value, self.value_rows = True, self.value_rows + 1
            if self.value_rows > limits.max_rows:
                return f"plus de {limits.max_rows} lignes remplies dans une feuille"
        return None


def _scan_cells(chunks: Iterable[bytes], limits: Limits) -> tuple[str, str | None] | None:
    """Stream a sheet's XML: the French reason to refuse it and the far cell that is the
    cause (None when the cause is no one cell), or None. Rows and cells without an `r`
    attribute take the position after the previous one; a cell with no content
    (`<c r="E12000" s="3"/>` or `…></c>`, formatting only) is not data."""
    scan = _Scan(limits)
    tail = b""
    for chunk in chunks:
        buf = tail + chunk
        cut = buf.rfind(b"<")
        if cut == -1 or buf.find(b">", cut) != -1:
            cut = len(buf)
        resume, reason = scan.tags(buf, cut, final=False)
        if reason is not None:
            return reason, scan.cell
        tail = buf[resume:]
        if len(tail) > _MAX_TAG:
            return "balise XML démesurée dans une feuille", None
    reason = scan.tags(tail, len(tail), final=True)[1]
    return None if reason is None else (reason, scan.cell)


def _col_letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s or "A"


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n
