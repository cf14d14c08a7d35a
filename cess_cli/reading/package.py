"""The Office Open XML package around the sheets: which part is the workbook, and which
part holds each sheet, found through the package relationships (Strict files, renamed
parts and backslash part names included).

The small XML parts these answers come from (`_rels/.rels`, the workbook and its
relationships) are parsed with defusedxml once per distinct content: every bilan made
from the same template carries the same ones, so a run of a thousand bilans parses
them a handful of times, not a thousand.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from functools import lru_cache
from typing import Any

from defusedxml import ElementTree as DET

SheetParts = tuple[tuple[str, str], ...]  # (sheet name, part), one entry per sheet, in workbook order


def local(tag: str) -> str:
    """An XML tag or attribute name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def attr(el: Any, name: str) -> str | None:
    """An attribute by its local name, whatever its namespace (Transitional or Strict)."""
    for key, value in el.attrib.items():
        if local(key) == name:
            return str(value)
    return None


def read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """A part by its name; some writers store names with backslashes (`xl\\workbook.xml`).
    Raises KeyError when the package has no such part, what `ZipFile.read` raises for a
    broken one."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        info = zf.getinfo(name.replace("/", "\\"))
    return entry_read(zf, info)


def entry_read(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """`zf.read(info)`, the same bytes checked the same way (local header, size, CRC), but
    inflated straight from the archive's bytes when it is held in memory (the pre-flight
    reads every file so): `ZipFile.read` goes through a file-like layer that costs more
    than the inflating itself, on every file of a run. Anything unusual (stored or
    encrypted or patched entry, a header, size or CRC that does not match) takes `ZipFile.read`,
    which raises what it always raised."""
    fp = zf.fp
    if isinstance(fp, io.BytesIO) and info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x61:
        data = fp.getvalue()  # the bytes the archive was opened on (no copy)
        at = info.header_offset
        if data[at : at + 4] == b"PK\x03\x04":
            name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
            begin = at + 30 + name_len + extra_len
            name = data[at + 30 : at + 30 + name_len]
            try:
                same = name.decode("utf-8" if info.flag_bits & 0x800 else "cp437") == info.orig_filename
                out = zlib.decompressobj(-15).decompress(data[begin : begin + info.compress_size], info.file_size + 1)
            except (UnicodeDecodeError, zlib.error):
                same, out = False, b""
            if same and len(out) == info.file_size and zlib.crc32(out) == info.CRC:
                return out
    return zf.read(info)


def resolve(base_dir: str, target: str) -> str:
    """A relationship target, relative to `base_dir` unless absolute, as a part name."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, target))


def workbook_part(zf: zipfile.ZipFile) -> str | None:
    """The workbook part of an Office Open XML package, found through `_rels/.rels` (its
    name need not be `xl/workbook.xml`); None when the package declares none."""
    try:
        rels = read_part(zf, "_rels/.rels")
    except KeyError:
        names = {n.replace("\\", "/") for n in zf.namelist()}
        return "xl/workbook.xml" if "xl/workbook.xml" in names else None
    return _office_document(rels)


@lru_cache(maxsize=64)
def _office_document(rels: bytes) -> str | None:
    for rel in DET.fromstring(rels):
        if (rel.get("Type") or "").endswith("/officeDocument"):
            return resolve("", rel.get("Target") or "")
    return None


def sheet_parts(zf: zipfile.ZipFile, book: str | None = None) -> SheetParts:
    """(sheet name, part) for every sheet of the workbook, in order, through the
    workbook's relationships; a sheet whose relationship is missing is left out.
    Raises KeyError or an XML error for a package whose parts are missing or broken."""
    book = book if book is not None else workbook_part(zf)
    if book is None:
        return ()
    folder, name = posixpath.split(book)
    return sheets_from(read_part(zf, book), read_part(zf, posixpath.join(folder, "_rels", f"{name}.rels")), folder)


@lru_cache(maxsize=64)
def sheets_from(book_xml: bytes, rels_xml: bytes, folder: str) -> SheetParts:
    """`sheet_parts` from the bytes of the workbook part and of its relationships (parts
    named relative to `folder`, the workbook part's folder). Cached by content."""
    targets = {rel.get("Id"): resolve(folder, rel.get("Target") or "") for rel in DET.fromstring(rels_xml)}
    out: list[tuple[str, str]] = []
    for el in DET.fromstring(book_xml).iter():
        if local(el.tag) == "sheet":
            rid = attr(el, "id")
            if rid in targets and el.get("name") is not None:
                out.append((el.get("name") or "", targets[rid]))
    return tuple(out)
