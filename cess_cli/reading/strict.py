"""Strict Open XML (ISO/IEC 29500 Strict) to Transitional, for openpyxl.

python-calamine reads a Strict workbook; openpyxl, which writes the operator's
annotated copy (outputs/feedback.py), finds no sheet in it, because Strict names its
XML namespaces and relationship types differently (`http://purl.oclc.org/ooxml/…`
instead of `http://schemas.openxmlformats.org/…/2006/…`). The parts, their names and
their content types are otherwise the same, so renaming the namespaces (the pairs the
standard lists) gives a Transitional package openpyxl loads with the operator's
sheets and formats. The operator's file is never modified: this works on a copy in
memory.
"""

from __future__ import annotations

import io
import zipfile

STRICT_MARK = b"http://purl.oclc.org/ooxml/"

# Strict namespace -> Transitional namespace (ISO/IEC 29500-1, annex on Strict conformance).
NAMESPACES: tuple[tuple[bytes, bytes], ...] = (
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main", b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    ),
    (b"http://purl.oclc.org/ooxml/drawingml/main", b"http://schemas.openxmlformats.org/drawingml/2006/main"),
    (b"http://purl.oclc.org/ooxml/drawingml/chart", b"http://schemas.openxmlformats.org/drawingml/2006/chart"),
    (
        b"http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",
        b"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    ),
    (b"http://purl.oclc.org/ooxml/drawingml/picture", b"http://schemas.openxmlformats.org/drawingml/2006/picture"),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
        b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/customProperties",
        b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
        b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    ),
    (b"http://purl.oclc.org/ooxml/officeDocument/math", b"http://schemas.openxmlformats.org/officeDocument/2006/math"),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/sharedTypes",
        b"http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes",
    ),
)


def is_strict(data: bytes) -> bool:
    """Whether an .xlsx package uses Strict namespaces (its workbook part does)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return any(
                STRICT_MARK in zf.read(info)[:4096]
                for info in zf.infolist()
                if info.filename.endswith((".rels", "workbook.xml"))
            )
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return False


def to_transitional(data: bytes) -> bytes:
    """The same package with Transitional namespaces in every XML part (a new zip, in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            content = zin.read(info)
            if info.filename.endswith((".xml", ".rels", ".vml")):
                for strict, transitional in NAMESPACES:
                    content = content.replace(strict, transitional)
                content = content.replace(b' conformance="strict"', b"")
            zout.writestr(info, content)
    return out.getvalue()
