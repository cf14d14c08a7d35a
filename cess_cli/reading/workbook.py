"""Read a bilan workbook: safety pre-flight, sheets and rows with cell addresses.

python-calamine reads the cells (fast); the zip directory is checked first so
that no parser ever sees a file that is not a plausible, bounded .xlsx. Cell
values are returned raw; `cells.py` interprets them (French numbers, dates).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from cess_cli.findings import Finding, make

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")


@dataclass(frozen=True)
class Limits:
    """Safety limits applied before any parser sees a file (configurable in cess.toml)."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_entries: int = 500
    max_inflated_bytes: int = 200 * 1024 * 1024
    max_ratio: float = 200.0
    max_rows: int = 10_000
    max_columns: int = 50


DEFAULT_LIMITS = Limits()


@dataclass(slots=True)
class Sheet:
    name: str
    rows: list[list[Any]]  # rows[0] is Excel row 1

    def header(self) -> list[str]:
        return [normalize(v) if isinstance(v, str) else "" for v in (self.rows[0] if self.rows else [])]


@dataclass(slots=True)
class Book:
    sheet_names: list[str]
    _wb: Any = field(repr=False)
    data: bytes = field(default=b"", repr=False)
    _hidden: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def sheet(self, name: str) -> Sheet:
        rows = self._wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        return Sheet(name, rows)

    def close(self) -> None:
        self._wb.close()

    def hidden_content(self, sheet_name: str, cell: str) -> str | None:
        """What a cell read as blank really holds: "formule" (a formula whose result was
        never saved), an Excel error such as "#DIV/0!", or None. Read lazily, once per sheet."""
        if sheet_name not in self._hidden:
            self._hidden[sheet_name] = _hidden_cells(self.data, sheet_name)
        return self._hidden[sheet_name].get(cell)


@lru_cache(maxsize=256)
def normalize(name: str) -> str:
    """Sheet and column names match without regard to case, accents or spacing."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s_]+", " ", text).strip().casefold()


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


def open_book(
    path: Path, display: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[Book | None, Finding | None, str | None]:
    """Pre-flight checks, then open with calamine.

    Returns (book, None, sha256) or (None, finding, sha256); the SHA-256 of the bytes is
    given whenever the file was read (None for what was refused before reading)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None, make("fichier.introuvable", display, detail="aucun fichier à cet emplacement"), None
    if stat.S_ISLNK(st.st_mode):
        return None, make("fichier.ignore", display, detail="lien symbolique, non suivi"), None
    if stat.S_ISDIR(st.st_mode):
        return None, make("fichier.ignore", display, detail="c'est un dossier"), None
    if not stat.S_ISREG(st.st_mode):
        return None, make("fichier.ignore", display, detail="fichier spécial (tube, périphérique…)"), None
    if st.st_size == 0:
        return None, make("fichier.vide", display), None
    if st.st_size > limits.max_file_bytes:
        return (
            None,
            make(
                "fichier.trop_gros",
                display,
                detail=f"{st.st_size} octets (limite {limits.max_file_bytes})",
            ),
            None,
        )
    try:
        data = _read_regular(path, limits.max_file_bytes)
    except OSError as exc:
        return None, make("fichier.illisible", display, detail=exc.strerror or str(exc)), None
    if data is None:
        return (
            None,
            make("fichier.ignore", display, detail="n'est plus un fichier ordinaire au moment de l'ouvrir"),
            None,
        )
    sha = hashlib.sha256(data).hexdigest()
    head = data[:8]
    if head.startswith(OLE_MAGIC):
        if _ENCRYPTION_MARK in data:
            return None, make("fichier.chiffre", display), sha
        return None, make("fichier.xls", display), sha
    if not head.startswith(ZIP_MAGIC):
        return None, make("fichier.pas_un_classeur", display, detail=_sniff(head)), sha
    finding = _check_zip(io.BytesIO(data), display, limits)
    if finding is not None:
        return None, finding, sha
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several error types for broken files
        return None, make("fichier.illisible", display, detail=_short(exc)), sha
    return Book(list(wb.sheet_names), wb, data), None, sha


def _read_regular(path: Path, max_bytes: int) -> bytes | None:
    """Read a regular file without following a link or blocking on a FIFO swapped in
    after the lstat; None when what is opened is not a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        chunks = []
        left = min(st.st_size, max_bytes) + 1
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _sniff(head: bytes) -> str:
    low = head.lower()
    if low.startswith((b"<html", b"<!doc", b"<?xml")):
        return "c'est une page HTML ou un fichier XML"
    if low.startswith(b"%pdf"):
        return "c'est un PDF"
    if low.startswith(b"{\\rtf"):
        return "c'est un document RTF"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "contenu binaire non reconnu"
    return "c'est un fichier texte, par exemple un CSV renommé en .xlsx"


def _check_zip(source: io.BytesIO, display: str, limits: Limits) -> Finding | None:
    try:
        with zipfile.ZipFile(source) as zf:
            return _check_entries(zf, display, limits)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return make("fichier.tronque", display, detail=_short(exc))


def _check_entries(zf: zipfile.ZipFile, display: str, limits: Limits) -> Finding | None:
    infos = zf.infolist()
    names = {i.filename for i in infos}
    if len(infos) > limits.max_entries:
        return make(
            "fichier.trop_gros", display, detail=f"{len(infos)} éléments dans l'archive (limite {limits.max_entries})"
        )
    total = sum(i.file_size for i in infos)
    if total > limits.max_inflated_bytes:
        return make(
            "fichier.trop_gros",
            display,
            detail=f"{total} octets une fois décompressé (limite {limits.max_inflated_bytes})",
        )
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio and info.file_size > 1_000_000:
            return make(
                "fichier.trop_gros",
                display,
                detail=f"taux de compression suspect pour {info.filename} ({info.file_size // info.compress_size}:1)",
            )
    if "mimetype" in names and "content.xml" in names:
        return make("fichier.format_non_pris_en_charge", display, detail="classeur OpenDocument (.ods)")
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            return make("fichier.pas_un_classeur", display, detail="c'est un document Word")
        return make("fichier.pas_un_classeur", display, detail="archive zip sans classeur Excel")
    if "xl/vbaProject.bin" in names:
        return make("fichier.format_non_pris_en_charge", display, detail="classeur avec macros (.xlsm)")
    sheets = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
    return _check_dimensions(zf, sheets, display, limits)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')


def _head(zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes | None, size: int = 1024) -> bytes:
    """The first bytes of an entry. From the in-memory archive, inflate straight from the
    entry's offsets (zipfile parsed them) instead of opening a ZipExtFile: this runs on
    every file of every run."""
    if data is not None and info.compress_type == zipfile.ZIP_DEFLATED:
        start = info.header_offset + 30
        name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
        raw = data[start + name_len + extra_len : start + name_len + extra_len + min(info.compress_size, 4 * size)]
        try:
            return zlib.decompressobj(-15).decompress(raw, size)
        except zlib.error:
            pass
    with zf.open(info) as fh:
        return fh.read(size)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _check_dimensions(
    zf: zipfile.ZipFile, sheets: list[zipfile.ZipInfo], display: str, limits: Limits
) -> Finding | None:
    """Refuse a sheet whose <dimension> claims more rows or columns than a bilan can have
    (some readers trust it). Only the first bytes of each sheet are inflated. An
    understated dimension is not caught here: the isolated workers are (isolation.py)."""
    data = zf.fp.getvalue() if isinstance(zf.fp, io.BytesIO) else None
    for info in sheets:
        head = _head(zf, info, data)
        m = _DIMENSION.search(head)
        if m is None:
            continue
        last_col = m.group(3) or m.group(1) or b"A"
        last_row = int(m.group(4) or m.group(2) or 1)
        cols = _col_number(last_col)
        if last_row > limits.max_rows or cols > limits.max_columns:
            return make(
                "fichier.trop_gros",
                display,
                detail=f"une feuille annonce {last_row} lignes et {cols} colonnes (limites {limits.max_rows} et {limits.max_columns})",
            )
    return None


def _short(exc: BaseException) -> str:
    text = str(exc)
    if "entity" in text:
        return "contenu XML refusé (entités ou déclaration DTD)"
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _hidden_cells(data: bytes, sheet_name: str) -> dict[str, str]:
    """Cells of one sheet that calamine reads as blank but are not: formulas without a
    cached value (<f> without <v>) and error cells (t="e")."""
    from defusedxml import ElementTree as DET

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            target = _sheet_part(zf, sheet_name)
            if target is None:
                return {}
            xml = zf.read(target)
        if b"<f" not in xml and b":f" not in xml and b't="e"' not in xml:
            return {}
        root = DET.fromstring(xml)
    except Exception:  # unreadable here means nothing more to learn
        return {}
    out: dict[str, str] = {}
    for c in root.iter():
        if not c.tag.endswith("}c") or not c.get("r"):
            continue
        has_f = False
        value = None
        for child in c:
            if child.tag.endswith("}f"):
                has_f = True
            elif child.tag.endswith("}v"):
                value = child.text
        if c.get("t") == "e":
            out[c.get("r", "")] = value or "#ERREUR"
        elif has_f and not value:
            out[c.get("r", "")] = "formule"
    return out


def _sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    from defusedxml import ElementTree as DET

    wb = DET.fromstring(zf.read("xl/workbook.xml"))
    rels = DET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    rid = None
    for el in wb.iter():
        if el.tag.endswith("}sheet") and el.get("name") == sheet_name:
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
    if rid is None:
        return None
    for rel in rels:
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None
