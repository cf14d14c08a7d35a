"""Pre-flight: what is checked before any parser sees a file.

`lstat` first, only regular files are opened (never a link, a FIFO or a device),
the file is read once with `O_NOFOLLOW | O_NONBLOCK`, its kind is recognised from
its first bytes, and a zip archive is checked from its directory (size, entries,
inflated size, compression ratio, the sheet extents each `<dimension>` claims)
before anything is inflated. README: *Untrusted workbooks*, *Limits*.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from cess_cli.catalogue import make
from cess_cli.findings import Finding
from cess_cli.reading.limits import Limits

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


ZIP_MAGIC = b"PK\x03\x04"


_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")


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
        return make("fichier.tronque", display, detail=short_reason(exc))


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


def short_reason(exc: BaseException) -> str:
    text = str(exc)
    if "entity" in text:
        return "contenu XML refusé (entités ou déclaration DTD)"
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


@dataclass(frozen=True, slots=True)
class Checked:
    """What the pre-flight found: the file's bytes when it may be parsed, else one finding.
    `sha256` is given whenever the file was read (None for what was refused unread)."""

    data: bytes | None
    finding: Finding | None
    sha256: str | None


def preflight(path: Path, display: str, limits: Limits) -> Checked:
    """Check one file before any parser sees it; never raises for a bad file."""
    try:
        st = os.lstat(path)
    except OSError:
        return _refused(make("fichier.introuvable", display, detail="aucun fichier à cet emplacement"))
    if stat.S_ISLNK(st.st_mode):
        return _refused(make("fichier.ignore", display, detail="lien symbolique, non suivi"))
    if stat.S_ISDIR(st.st_mode):
        return _refused(make("fichier.ignore", display, detail="c'est un dossier"))
    if not stat.S_ISREG(st.st_mode):
        return _refused(make("fichier.ignore", display, detail="fichier spécial (tube, périphérique…)"))
    if st.st_size == 0:
        return _refused(make("fichier.vide", display))
    if st.st_size > limits.max_file_bytes:
        detail = f"{st.st_size} octets (limite {limits.max_file_bytes})"
        return _refused(make("fichier.trop_gros", display, detail=detail))
    try:
        data = _read_regular(path, limits.max_file_bytes)
    except OSError as exc:
        return _refused(make("fichier.illisible", display, detail=exc.strerror or str(exc)))
    if data is None:
        detail = "n'est plus un fichier ordinaire au moment de l'ouvrir"
        return _refused(make("fichier.ignore", display, detail=detail))
    sha = hashlib.sha256(data).hexdigest()
    head = data[:8]
    if head.startswith(OLE_MAGIC):
        code = "fichier.chiffre" if _ENCRYPTION_MARK in data else "fichier.xls"
        return Checked(None, make(code, display), sha)
    if not head.startswith(ZIP_MAGIC):
        return Checked(None, make("fichier.pas_un_classeur", display, detail=_sniff(head)), sha)
    finding = _check_zip(io.BytesIO(data), display, limits)
    return Checked(None if finding else data, finding, sha)


def _refused(finding: Finding) -> Checked:
    return Checked(None, finding, None)
