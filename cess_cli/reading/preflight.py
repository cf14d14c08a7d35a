"""Pre-flight: what is checked before any parser sees a file.

`lstat` first, only regular files are opened (never a link, a FIFO or a device),
the file is read once with `O_NOFOLLOW | O_NONBLOCK`, its kind is recognised from
its first bytes (a zip, an OLE2 compound file, something else), and a zip archive is
checked from its directory (entries, inflated size, compression ratio) before anything
is inflated. What a sheet claims of its own extent (`<dimension>`) is not trusted
either way: the rows that hold values are counted once read (checking/structure.py).
README: *Untrusted workbooks*, *Limits*.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

from cess_cli.catalogue import make
from cess_cli.findings import Finding
from cess_cli.reading.files import SPREADSHEET_SUFFIXES, os_reason
from cess_cli.reading.limits import Limits
from cess_cli.reading.package import workbook_part
from cess_cli.reading.zip_parts import check_methods, check_sheet_parts

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


ZIP_MAGIC = b"PK\x03\x04"
_REFUSED = (errno.EACCES, errno.EPERM)  # permission refused: the CRESS's to grant
ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


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


def read_regular_file(path: Path, max_bytes: int) -> bytes | None:
    """At most `max_bytes` + 1 bytes of a regular file, opened with `O_NOFOLLOW | O_NONBLOCK`;
    None when what is opened is not a regular file. Raises OSError."""
    return _read_regular(path, max_bytes)


def _sniff(head: bytes, name: str) -> str:
    """What a file that is neither a zip nor an OLE file holds, from its first bytes; a
    renaming is suspected only of a file whose name (`name`) claims a workbook."""
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
    if name.lower().endswith(SPREADSHEET_SUFFIXES):
        return f"c'est un fichier texte, par exemple un CSV renommé en {Path(name).suffix}"
    return "c'est un fichier texte"


def _check_zip(data: bytes, display: str, limits: Limits) -> Checked:
    """The zip checks; an accepted archive is handed on open (its directory is read once)."""
    zf = None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        checked = _check_entries(zf, display, limits)
    except ParseError as exc:  # the archive is whole, an XML part of it is broken
        checked = _refused(make("fichier.illisible", display, detail=short_reason(exc)))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        checked = _refused(make("fichier.tronque", display, detail=short_reason(exc)))
    if checked.finding is None and zf is not None:
        return Checked(None, None, None, kind=checked.kind, archive=zf)
    if zf is not None:
        zf.close()
    return checked


def _check_entries(zf: zipfile.ZipFile, display: str, limits: Limits) -> Checked:
    """Bounds first (entries, inflated size, ratio), then what the archive holds: an
    OpenDocument spreadsheet, an Office Open XML workbook (`.xlsx`, `.xlsm`, Strict
    included: the workbook part is found through the package relationships), or
    something else."""
    infos = zf.infolist()
    names = {i.filename for i in infos}
    refused = check_methods(infos, display)
    if refused is not None:
        return _refused(refused)
    if len(infos) > limits.max_entries:
        return _too_big(display, f"{len(infos)} éléments dans l'archive (limite {limits.max_entries})")
    total = sum(i.file_size for i in infos)
    if total > limits.max_inflated_bytes:
        return _too_big(display, f"{total} octets une fois décompressé (limite {limits.max_inflated_bytes})")
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio and info.file_size > 1_000_000:
            return _too_big(
                display, f"taux de compression suspect pour {info.filename} ({info.file_size // info.compress_size}:1)"
            )
    if "mimetype" in names:
        mimetype = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
        manifest = zf.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
        if mimetype == ODS_MIMETYPE and b"encryption-data" in manifest:
            return _refused(make("fichier.chiffre", display))
        if mimetype == ODS_MIMETYPE and "content.xml" in names:
            return Checked(None, None, None, kind="ods")
        what = _ODF_KINDS.get(mimetype.rsplit(".", 1)[-1], "document OpenDocument qui n'est pas un classeur")
        return _not_a_spreadsheet(display, f"c'est un {what}")
    book = workbook_part(zf)
    if book is None or not ({book, book.replace("/", "\\")} & names):
        if any(n.startswith("word/") for n in names):
            return _not_a_spreadsheet(display, "c'est un document Word")
        if any(n.startswith("ppt/") for n in names):
            return _not_a_spreadsheet(display, "c'est une présentation PowerPoint")
        return _not_a_spreadsheet(display, "c'est une archive zip, pas un classeur")
    if book.endswith(".bin"):
        detail = "classeur binaire Excel (.xlsb), dont cess ne sait pas reconnaître les cellules en erreur"
        return _refused(make("fichier.format_non_pris_en_charge", display, detail=detail))
    far = check_sheet_parts(zf, book, display, limits)
    return _refused(far) if far is not None else Checked(None, None, None, kind="xlsx")


_ODF_KINDS = {
    "text": "document texte OpenDocument (.odt)",
    "presentation": "présentation OpenDocument (.odp)",
    "graphics": "dessin OpenDocument (.odg)",
}


def _too_big(display: str, detail: str) -> Checked:
    return _refused(make("fichier.trop_gros", display, detail=detail))


def _not_a_spreadsheet(display: str, detail: str) -> Checked:
    return Checked(None, make("fichier.pas_un_classeur", display, detail=detail), None, not_spreadsheet=detail)


def _check_ole(data: bytes, display: str) -> Checked:
    """An OLE2 compound file: an encrypted Office file (OOXML inside), a Word or
    PowerPoint 97-2003 document, or else an Excel 97-2003 workbook, which xlrd reads or
    refuses. Its size is bounded like any file's, its reading in time by the workers."""
    if _ENCRYPTION_MARK in data:
        return _refused(make("fichier.chiffre", display))
    if "WordDocument".encode("utf-16-le") in data:
        return _not_a_spreadsheet(display, "c'est un document Word 97-2003 (.doc)")
    if "PowerPoint Document".encode("utf-16-le") in data:
        return _not_a_spreadsheet(display, "c'est une présentation PowerPoint 97-2003 (.ppt)")
    return Checked(None, None, None, kind="xls")  # xlrd tells a workbook from a broken file


_REASONS = (
    (("entity", "entities", "dtd"), "contenu XML refusé (entités ou déclaration DTD)"),
    (("password", "encrypt"), "classeur protégé par un mot de passe"),
    (("not a zip", "bad magic", "zip", "crc", "truncated", "eof"), "archive zip endommagée ou incomplète"),
    (("xml", "syntax", "not well-formed", "mismatched tag", "parse"), "contenu XML endommagé"),
    (("detect file format", "unsupported format", "bof record"), "format de classeur non reconnu"),
)


def short_reason(exc: BaseException) -> str:
    """What went wrong, in French, for a reader's exception (their messages are English)."""
    text = f"{type(exc).__name__} {exc}".lower()
    for keys, reason in _REASONS:
        if any(k in text for k in keys):
            return reason
    return "classeur endommagé ou de structure non reconnue"


@dataclass(frozen=True, slots=True)
class Checked:
    """What the pre-flight found: the file's bytes and its `kind` when it may be parsed,
    else one finding. `sha256` is given whenever the file was read (None for what was
    refused unread); `not_spreadsheet` says why a file is no spreadsheet at all."""

    data: bytes | None
    finding: Finding | None
    sha256: str | None
    kind: str | None = None  # "xlsx" (and .xlsm), "ods" or "xls": which reader opens it
    archive: zipfile.ZipFile | None = None  # the zip directory already read, for the reader
    not_spreadsheet: str | None = None  # why the content is no spreadsheet at all (a PDF…)


def preflight(path: Path, display: str, limits: Limits) -> Checked:
    """Check one file before any parser sees it; never raises for a bad file (README
    *Untrusted workbooks*): whatever goes wrong is one `erreur` finding."""
    try:
        return _preflight(path, display, limits)
    except MemoryError:
        return _refused(make("fichier.trop_gros", display, detail="mémoire insuffisante pour l'examiner"))
    except Exception as exc:  # a surprise of the zip or XML layer must never become a traceback
        return _refused(make("fichier.illisible", display, detail=short_reason(exc)))


def _preflight(path: Path, display: str, limits: Limits) -> Checked:
    try:
        st = os.lstat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return _refused(make("fichier.introuvable", display, detail="aucun fichier à cet emplacement"))
        return _refused(_not_read(exc, display))  # a folder cess may not enter, a disk error…
    if stat.S_ISLNK(st.st_mode):
        return _special(display, "lien symbolique, non suivi")
    if stat.S_ISDIR(st.st_mode):
        return _special(display, "c'est un dossier")
    if not stat.S_ISREG(st.st_mode):
        return _special(display, "fichier spécial (tube, périphérique…)")
    if st.st_size == 0:  # ignored (an avertissement, `workbook._ignored`) unless named as a spreadsheet
        return Checked(None, make("fichier.vide", display), None, not_spreadsheet="fichier vide")
    if st.st_size > limits.max_file_bytes:
        detail = f"{st.st_size} octets (limite {limits.max_file_bytes})"
        return _refused(make("fichier.trop_gros", display, detail=detail))
    try:
        data = _read_regular(path, limits.max_file_bytes)
    except OSError as exc:  # the shared folder, not the operator's file
        return _refused(_not_read(exc, display))
    if data is None:
        return _special(display, "n'est plus un fichier ordinaire au moment de l'ouvrir")
    sha = hashlib.sha256(data).hexdigest()
    head = data[:8]
    if head.startswith(OLE_MAGIC):
        checked = _check_ole(data, display)
    elif head.startswith(ZIP_MAGIC):
        checked = _check_zip(data, display, limits)
    else:
        detail = _sniff(data[:16], path.name)
        checked = Checked(None, make("fichier.pas_un_classeur", display, detail=detail), None, not_spreadsheet=detail)
    if checked.finding is not None:
        return Checked(None, checked.finding, sha, not_spreadsheet=checked.not_spreadsheet)
    return Checked(data, None, sha, kind=checked.kind, archive=checked.archive)


def _not_read(exc: OSError, display: str) -> Finding:
    """The finding for a file the system would not let cess read: never the operator's to fix
    (`findings.FOR_THE_CRESS`): the rights (`fichier.acces_refuse`), a file gone
    (`fichier.introuvable`), a link swapped in after the lstat (`fichier.ignore`), anything
    else — a file held by another program on a share, a disk error — `fichier.lecture_impossible`."""
    if exc.errno in _REFUSED:
        return make("fichier.acces_refuse", display, detail=os_reason(exc))
    if exc.errno == errno.ENOENT:
        return make("fichier.introuvable", display, detail="disparu pendant la lecture")
    if exc.errno == errno.ELOOP:
        return make("fichier.ignore", display, detail="lien symbolique, non suivi")
    return make("fichier.lecture_impossible", display, detail=os_reason(exc))


def _refused(finding: Finding) -> Checked:
    return Checked(None, finding, None)


def _special(display: str, detail: str) -> Checked:
    """A link, a folder, a FIFO or a device: never opened, never followed."""
    return Checked(None, make("fichier.ignore", display, detail=detail), None, not_spreadsheet=detail)
