"""A corpus of bad and hostile files, built by code (nothing binary is committed)."""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


def rezip(good: bytes, patch: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    """Copy an .xlsx, letting `patch(name, data)` change (or drop, with None) each entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = patch(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


def on(sheet: str, fn: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    return lambda name, data: fn(data) if name == sheet else data


INDICATEURS = "xl/worksheets/sheet2.xml"
TERRITOIRES = "xl/worksheets/sheet4.xml"
IDENT = "xl/worksheets/sheet1.xml"


def many_rows(data: bytes, n: int = 200_000) -> bytes:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>69</t></is></c><c r="C{r}"><v>1</v></c></row>'
        for r in range(2, n + 2)
    )
    data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="A1:E{n + 1}"'.encode(), data)
    return re.sub(
        rb"(<sheetData>.*?)(</sheetData>)",
        lambda m: m.group(1).split(b"</row>")[0] + b"</row>" + rows.encode() + m.group(2),
        data,
        flags=re.S,
    )


def stray_cell(data: bytes) -> bytes:
    return data.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    )


def whole_sheet_dimension(data: bytes) -> bytes:
    return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)


def nan_value(data: bytes) -> bytes:
    return re.sub(rb'(<c r="E2"[^>]*>)<v>[^<]*</v>', rb"\1<v>NaN</v>", data)


def inf_value(data: bytes) -> bytes:
    return re.sub(rb'(<c r="E3"[^>]*>)<v>[^<]*</v>', rb"\1<v>inf</v>", data)


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
    )
    + b"]>"
)


def billion_laughs(data: bytes) -> bytes:
    body = re.sub(rb"^<\?xml[^>]*\?>", b"", data)
    return LAUGHS + body.replace(
        b"<sheetData>", b'<sheetData><row r="30"><c r="A30" t="inlineStr"><is><t>&lol9;</t></is></c></row>', 1
    )


def external_entity(data: bytes) -> bytes:
    body = re.sub(rb"^<\?xml[^>]*\?>", b"", data)
    head = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return head + body.replace(
        b"<sheetData>", b'<sheetData><row r="30"><c r="A30" t="inlineStr"><is><t>&xxe;</t></is></c></row>', 1
    )


def broken_xml(data: bytes) -> bytes:
    return data[: len(data) // 2]


def build_corpus(folder: Path, good: bytes, outside: Path) -> dict[str, tuple[str, ...]]:
    """Write the corpus into `folder`; return {file name: acceptable finding codes}."""
    half = good[: len(good) // 2]
    files: dict[str, tuple[bytes, tuple[str, ...]]] = {
        "vide.xlsx": (b"", ("fichier.vide",)),
        "tronque.xlsx": (half, ("fichier.tronque",)),
        "chiffre.xlsx": (OLE + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64, ("fichier.chiffre",)),
        "ancien.xls": (OLE + b"Workbook".ljust(64, b"\0"), ("fichier.illisible",)),
        "binaire.xlsb": (
            _zip({"_rels/.rels": XLSB_RELS, "xl/workbook.bin": b"\0" * 64}),
            ("fichier.format_non_pris_en_charge",),
        ),
        "tableur.ods": (_ods(), ("fichier.illisible",)),
        "lettre_97.xls": (OLE + "WordDocument".encode("utf-16-le") + b"\0" * 64, ("fichier.pas_un_classeur",)),
        "export.xlsx": (b"code;valeur\nparticipants;12\n", ("fichier.pas_un_classeur",)),
        "rapport.xlsx": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", ("fichier.pas_un_classeur",)),
        "lettre.xlsx": (
            _zip({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<x/>"}),
            ("fichier.pas_un_classeur",),
        ),
        "bombe.xlsx": (
            rezip(good, lambda n, d: d, {"xl/media/bombe.bin": b"\0" * (30 * 1024 * 1024)}),
            ("fichier.trop_gros",),
        ),
        "entrees.xlsx": (
            rezip(good, lambda n, d: d, {f"xl/x/{i}.xml": b"<x/>" for i in range(150)}),
            ("fichier.trop_gros",),
        ),
        "lourd.xlsx": (good + os.urandom(3 * 1024 * 1024), ("fichier.trop_gros",)),
        "cellule_perdue.xlsx": (rezip(good, on(INDICATEURS, stray_cell)), ("fichier.trop_gros",)),
        "lignes.xlsx": (rezip(good, on(TERRITOIRES, many_rows)), ("fichier.trop_gros",)),
        "nan.xlsx": (rezip(good, on(INDICATEURS, nan_value)), ("valeur.non_numerique",)),
        "inf.xlsx": (rezip(good, on(INDICATEURS, inf_value)), ("valeur.non_numerique",)),
        "rires.xlsx": (rezip(good, on(IDENT, billion_laughs)), ("fichier.illisible",)),
        "xxe.xlsx": (rezip(good, on(IDENT, external_entity)), ("fichier.illisible",)),
        "xml_casse.xlsx": (rezip(good, on(INDICATEURS, broken_xml)), ("fichier.illisible",)),
        "pas_de_classeur.xlsx": (_zip({"autre.txt": b"rien"}), ("fichier.pas_un_classeur",)),
    }
    expected: dict[str, tuple[str, ...]] = {}
    for name, (data, codes) in files.items():
        (folder / name).write_bytes(data)
        expected[name] = codes
    os.symlink(folder / "n_existe_pas.xlsx", folder / "lien_casse.xlsx")
    expected["lien_casse.xlsx"] = ("fichier.ignore",)
    os.symlink(outside, folder / "lien_externe.xlsx")
    expected["lien_externe.xlsx"] = ("fichier.ignore",)
    os.mkfifo(folder / "tube.xlsx")
    expected["tube.xlsx"] = ("fichier.ignore",)
    (folder / "dossier.xlsx").mkdir()
    expected["dossier.xlsx"] = ("fichier.ignore",)
    return expected


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


XLSB_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.bin"/></Relationships>'
)


def _ods() -> bytes:
    return _zip(
        {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office:document-content/>"}
    )
