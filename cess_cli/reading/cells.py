"""Interpret raw cell values the way a French spreadsheet user meant them.

Each parser returns `(value, code, fields)`: `value` is None when the cell is
blank or unusable; `code` is None, a warning code (the value was understood,
e.g. `nombre.texte`) or an error code (e.g. `nombre.ambigu`); `fields` feed the
finding's message.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

Parsed = tuple[Any, str | None, dict[str, Any]]
BLANK: Parsed = (None, None, {})

EXCEL_ERRORS = frozenset(
    {
        "#DIV/0!",
        "#N/A",
        "#NAME?",
        "#NULL!",
        "#NUM!",
        "#REF!",
        "#VALUE!",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
    }
)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_INT = re.compile(r"[+-]?\d+")
_COMMA_DEC = re.compile(r"[+-]?\d+,\d+")
_DOT_DEC = re.compile(r"[+-]?\d+\.(\d+)")
_DOT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3}){2,}")
_DOT_THOUSANDS_COMMA = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d+")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[\s\u00a0\u202f\u2009\u2007]\d{3})+(?:,\d+)?")
_FR_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_EXCEL_EPOCH = date(1899, 12, 30)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean_float(x: float) -> float | int:
    """Remove binary float noise (274.65999999999997 -> 274.66); integral -> int."""
    x = round(x, 9)
    return int(x) if x.is_integer() else x


def parse_number(raw: Any) -> Parsed:
    if type(raw) is float:  # the common case first
        if raw != raw or raw in (math.inf, -math.inf):
            return None, "valeur.non_numerique", {"trouve": str(raw)}
        return _clean_float(raw), None, {}
    if is_blank(raw):
        return BLANK
    if isinstance(raw, bool):
        return None, "valeur.non_numerique", {"trouve": "VRAI" if raw else "FAUX"}
    if isinstance(raw, int):
        return raw, None, {}
    if isinstance(raw, float):
        if math.isnan(raw) or math.isinf(raw):
            return None, "valeur.non_numerique", {"trouve": str(raw)}
        return _clean_float(raw), None, {}
    if isinstance(raw, datetime | date | timedelta):
        return None, "valeur.non_numerique", {"trouve": str(raw)}
    text = str(raw).strip()
    if text.upper() in EXCEL_ERRORS:
        return None, "valeur.erreur_excel", {"trouve": text}
    value = _parse_french(text)
    if value is None:
        return None, "valeur.non_numerique", {"trouve": text}
    if value == "ambigu":
        return None, "nombre.ambigu", {"trouve": text}
    assert not isinstance(value, str)
    return value, "nombre.texte", {"trouve": text, "attendu": _show(value)}


def _parse_french(text: str) -> float | int | str | None:
    body = text
    percent = False
    if body.endswith("%"):
        percent, body = True, body[:-1].strip()
    elif body.endswith("€"):
        body = body[:-1].strip()
    if _GROUPED.fullmatch(body):
        body = _SPACES.sub("", body)
    elif _SPACES.search(body):
        return None
    number: float | int
    if _INT.fullmatch(body):
        number = int(body)
    elif _COMMA_DEC.fullmatch(body):
        number = float(body.replace(",", "."))
    elif _DOT_THOUSANDS_COMMA.fullmatch(body):
        number = float(body.replace(".", "").replace(",", "."))
    elif _DOT_THOUSANDS.fullmatch(body):
        number = int(body.replace(".", ""))
    elif m := _DOT_DEC.fullmatch(body):
        if len(m.group(1)) == 3:
            return "ambigu"
        number = float(body)
    elif "," in body and "." in body:
        return "ambigu"
    else:
        return None
    if percent:
        return _clean_float(number / 100)
    return _clean_float(float(number)) if isinstance(number, float) else number


def _show(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    return repr(value).replace(".", ",")


def parse_int(raw: Any) -> Parsed:
    value, code, fields = parse_number(raw)
    if value is not None and not isinstance(value, int):
        return None, "valeur.non_entiere", {"trouve": _show(value)}
    return value, code, fields


def parse_date(raw: Any) -> Parsed:
    if is_blank(raw):
        return BLANK
    if isinstance(raw, datetime):
        return raw.date(), None, {}
    if isinstance(raw, date):
        return raw, None, {}
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:
            return _EXCEL_EPOCH + timedelta(days=int(raw)), None, {}
        return None, "date.invalide", {"trouve": str(raw)}
    text = str(raw).strip()
    m = _FR_DATE.fullmatch(text)
    try:
        if m:
            d = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        elif m := _ISO_DATE.fullmatch(text):
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        else:
            return None, "date.invalide", {"trouve": text}
    except ValueError:
        return None, "date.invalide", {"trouve": text}
    return d, "date.texte", {"trouve": text, "attendu": d.strftime("%d/%m/%Y")}


def parse_text(raw: Any) -> str | None:
    """Text as typed; numbers typed in a text cell come back without '.0'."""
    if type(raw) is str:
        text = raw.strip()
        return text or None
    if is_blank(raw):
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime | date):
        return raw.strftime("%d/%m/%Y")
    return str(raw).strip()
