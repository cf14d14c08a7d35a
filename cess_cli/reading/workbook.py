"""Open a bilan workbook: sheets and rows, each value with its cell address.

The pre-flight (preflight.py) runs first, so that no parser ever sees a file
that is not a plausible, bounded workbook; python-calamine then reads the cells.
Cell values are returned raw; `cells.py` interprets them (French numbers, dates).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from cess_cli.catalogue import make
from cess_cli.findings import Finding
from cess_cli.reading.limits import DEFAULT_LIMITS, Limits
from cess_cli.reading.preflight import preflight, short_reason


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
    """Pre-flight checks (preflight.py), then open with calamine.

    Returns (book, None, sha256) or (None, finding, sha256); the SHA-256 of the bytes is
    given whenever the file was read (None for what was refused before reading).
    Never raises for a bad file: every refusal is one `erreur` finding (SPEC §5)."""
    checked = preflight(path, display, limits)
    if checked.finding is not None:
        return None, checked.finding, checked.sha256
    assert checked.data is not None
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
    except Exception as exc:  # calamine raises several error types for broken files
        return None, make("fichier.illisible", display, detail=short_reason(exc)), checked.sha256
    return Book(list(wb.sheet_names), wb, checked.data), None, checked.sha256


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
