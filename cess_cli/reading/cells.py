"""Interpret raw cell values the way a French spreadsheet user meant them.

Each parser returns `(value, code, fields)`: `value` is None when the cell is
blank or unusable; `code` is None, a warning code (the value was understood,
e.g. `nombre.texte`) or an error code (e.g. `nombre.ambigu`); `fields` feed the
finding's message.

The reader (workbook.py) gives every cell as it was saved: an Excel error cell is a
`CellError`, a formula whose result was never saved is `NO_VALUE`; every parser here
turns them into their `erreur`, so no error cell is ever read as a blank (README
*The bilan workbook*). Text is cleaned of what an application adds without the
operator seeing it: invisible format characters (BOM, zero-width spaces and joiners)
and the leading apostrophe that marks "keep as text" (LibreOffice keeps it in the text).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from cess_cli.wording import french_date, french_value, typed_number

Parsed = tuple[Any, str | None, dict[str, Any]]
BLANK: Parsed = (None, None, {})


@dataclass(frozen=True, slots=True)
class CellError:
    """An Excel error cell (`#N/A`, `#REF!`, LibreOffice's `Err:502`…), as saved."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class NoValue:
    """A formula whose result was never saved (the file was not recalculated)."""

    def __str__(self) -> str:
        return "formule sans valeur"


NO_VALUE = NoValue()


class PercentValue(float):
    """A number its cell shows as a percentage: what Excel stores when « 12 % » is typed
    (0.12, formatted `0%`). Right in a cell whose unit is a percentage; anywhere else it
    would be read as 0,12 ETP, euros or persons, so `parse_number` refuses it."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class PercentFormat:
    """The mark the readers put on a cell formatted as a percentage (kinds.py)."""


PERCENT_FORMAT = PercentFormat()


@dataclass(frozen=True, slots=True)
class Typed:
    """The mark the OpenDocument walk (kinds.py) puts on a cell whose type python-calamine
    loses, with the value the same cell of an `.xlsx` gives: a boolean (`True`, where
    calamine reads the 1 of LibreOffice's `=TRUE()`), a duration (`timedelta`, where calamine
    leaves the ISO text `PT36H00M00S` of a time of 24 hours or more)."""

    value: bool | timedelta


def shown(raw: Any) -> str:
    """A cell's value as a message echoes it: text as typed (stripped), anything else in
    French (`wording.french_value`: `VRAI`, `03/12/2015`, `36:00:00`, `1,5`)."""
    return raw.strip() if isinstance(raw, str) else french_value(raw)


def marker(raw: Any) -> Parsed | None:
    """The finding an error cell or an uncomputed formula gives, whatever is expected of it."""
    if isinstance(raw, CellError):
        return None, "valeur.erreur_excel", {"trouve": raw.text}
    if isinstance(raw, NoValue):
        return None, "formule.sans_valeur", {}
    return None


def is_invisible(ch: str) -> bool:
    """Unicode format characters: BOM, zero-width spaces and joiners, direction marks, soft hyphen."""
    return unicodedata.category(ch) == "Cf"


@lru_cache(maxsize=256)
def normalize(name: str) -> str:
    """Sheet and column names match without regard to case, accents, spacing or
    invisible format characters (a BOM pasted before a header)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c) and not is_invisible(c))
    return re.sub(r"[\s_]+", " ", text).strip().casefold()


def without_accents(text: str) -> str:
    """`text` with its accents dropped (« Région » -> « Region »): a code typed with the
    accents of its word is the code, as one typed in another case is."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=4096)
def clean(text: str) -> tuple[str, str | None, dict[str, Any]]:
    """Text without invisible format characters nor a leading "keep as text" apostrophe,
    stripped: (clean text, warning code or None, fields). `texte.invisible` names the
    characters removed (U+FEFF…); `texte.apostrophe` the apostrophe."""
    found = sorted({f"U+{ord(c):04X}" for c in text if is_invisible(c)})
    body = "".join(c for c in text if not is_invisible(c)).strip() if found else text.strip()
    if body.startswith("'") and len(body) > 1 and not body[1].isspace():
        return body[1:], "texte.apostrophe", {"trouve": body, "attendu": body[1:]}
    if found:
        return body, "texte.invisible", {"trouve": body, "detail": ", ".join(found)}
    return body, None, {}


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
_COMMA_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}")  # an English thousands group (0,125 is not one)
_DOT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3}){2,}")
_DOT_THOUSANDS_COMMA = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d+")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[\s\u00a0\u202f\u2009\u2007]\d{3})+(?:,\d+)?")
_FR_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_EXCEL_EPOCH = date(1899, 12, 30)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean_float(x: float) -> float | int:
    """Remove binary float noise (274.65999999999997 -> 274.66); integral -> int."""
    x = round(x, 9)
    return int(x) if x.is_integer() else x


def parse_number(raw: Any, *, percent: bool = False, plain: bool = False) -> Parsed:
    """A number from a cell: a real number, or text in French form (`1 234,5`, `45 300,50 €`)
    with the `nombre.texte` warning. Text with a percent sign (`12 %`) is read as 0,12 only
    when the cell's unit is a percentage (`percent`); elsewhere it is the error
    `valeur.pourcentage` (`fields["attendu"]` holds what it would have meant). `plain`: the
    numbers of the fields without thousands separator (a year: « lu comme 2015 »)."""
    if type(raw) is PercentValue:
        if percent:
            return _clean_float(float(raw)), None, {}
        shown = f"{typed_number(_clean_float(float(raw) * 100))} %"
        return None, "valeur.pourcentage", {"trouve": shown, "attendu": _show(_clean_float(float(raw)))}
    if type(raw) is float:  # the common case first
        if raw != raw or raw in (math.inf, -math.inf):
            return None, "valeur.non_numerique", {"trouve": str(raw)}
        return _clean_float(raw), None, {}
    return _parse_other(raw, percent, plain)


def _parse_other(raw: Any, percent: bool, plain: bool) -> Parsed:
    """`parse_number` of anything but a float: ints, booleans, dates, durations, text."""
    if (found := marker(raw)) is not None:
        return found
    if is_blank(raw):
        return BLANK
    if isinstance(raw, bool | datetime | date | time | timedelta):
        return None, "valeur.non_numerique", {"trouve": french_value(raw)}
    if isinstance(raw, int):
        return raw, None, {}
    if isinstance(raw, float):
        if math.isnan(raw) or math.isinf(raw):
            return None, "valeur.non_numerique", {"trouve": str(raw)}
        return _clean_float(raw), None, {}
    typed = str(raw).strip()
    text = clean(typed)[0]
    if text.upper() in EXCEL_ERRORS:
        return None, "valeur.erreur_excel", {"trouve": text}
    if not text:
        return BLANK
    value = _parse_french(text)
    if value is None:
        return None, "valeur.non_numerique", {"trouve": text}
    if value == "ambigu":
        return None, "nombre.ambigu", {"trouve": text}
    assert not isinstance(value, str)
    if text.endswith("%") and not percent:
        shown = _show(value, plain)
        return None, "valeur.pourcentage", {"trouve": typed, "attendu": shown, "detail": "un nombre est attendu"}
    return value, "nombre.texte", {"trouve": typed, "attendu": _show(value, plain)}


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
        if _COMMA_THOUSANDS.fullmatch(body):  # « 78,000 »: 78 in French, 78000 in English
            return "ambigu"
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


def _show(value: float | int, plain: bool = False) -> str:
    """The number read, in French form with every significant decimal (`45 300,5`);
    `plain`: without thousands separator (`2015`)."""
    return french_value(float(value)) if plain else typed_number(value)


def parse_int(raw: Any, *, plain: bool = False) -> Parsed:
    """An integer (`parse_number`, then `valeur.non_entiere` for a fraction); `plain`: its
    fields without thousands separator, for a year or a code-like number."""
    value, code, fields = parse_number(raw, plain=plain)
    if value is not None and not isinstance(value, int):
        return None, "valeur.non_entiere", {"trouve": _show(value, plain)}
    return value, code, fields


def parse_date(raw: Any) -> Parsed:
    """A date: a real date, an Excel serial, or French text (`31/12/2015`, `31/12/15`,
    `15 mars 2016`, `1er mars 2016`, `mardi 15 mars 2016`) read day first, with the
    `date.texte` warning. `03/15/2016` is no date (month 15): `date.invalide`."""
    if (found := marker(raw)) is not None:
        return found
    if is_blank(raw):
        return BLANK
    if isinstance(raw, datetime):
        return raw.date(), None, {}
    if isinstance(raw, date):
        return raw, None, {}
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:
            return _EXCEL_EPOCH + timedelta(days=int(raw)), None, {}
        return None, "date.invalide", {"trouve": french_value(raw)}
    if isinstance(raw, time | timedelta):
        return None, "date.invalide", {"trouve": french_value(raw)}
    typed = str(raw).strip()
    text = clean(typed)[0]
    d = _text_date(text)
    if d is None:
        return None, "date.invalide", {"trouve": typed}
    return d, "date.texte", {"trouve": typed, "attendu": french_date(d)}


def _text_date(text: str) -> date | None:
    """Digits day first (two-digit years are 20xx), ISO, or French words through dateparser."""
    try:
        if m := _FR_DATE.fullmatch(text):
            year = int(m.group(3))
            return date(year + 2000 if len(m.group(3)) == 2 else year, int(m.group(2)), int(m.group(1)))
        if m := _ISO_DATE.fullmatch(text):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    if _WORD_DATE.fullmatch(text) is None:
        return None  # no day and year in digits around a word: "hier", "mars 2016"…
    parsed = _french_parser().get_date_data(text).date_obj
    return parsed.date() if parsed is not None else None


_WORD_DATE = re.compile(r"(?:[^\W\d]+\.?,?\s+)?(?:le\s+)?\d{1,2}\s*(?:er)?\s+[^\W\d]+\.?\s+(?:\d{4}|\d{2})", re.I)


@lru_cache(maxsize=1)
def _french_parser() -> Any:
    """dateparser for French month and day names, day first, all three parts required.
    Imported on first use: most bilans never need it."""
    from dateparser.date import DateDataParser

    settings = {"DATE_ORDER": "DMY", "STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"]}
    return DateDataParser(languages=["fr"], settings=settings)


def parse_text(raw: Any) -> str | None:
    """Free text as typed, stripped; numbers typed in a text cell come back without '.0'.
    An error cell or an uncomputed formula is no text: use `parse_str` where that must
    be reported."""
    if type(raw) is str:
        text = raw.strip()
        return text or None
    if is_blank(raw) or marker(raw) is not None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, bool | datetime | date | time | timedelta):
        return french_value(raw)  # « VRAI », « 03/12/2015 », « 36:00:00 », never Python's words
    return str(raw).strip()


def parse_str(raw: Any) -> Parsed:
    """Free text (a name, a comment): as typed; an error cell is an `erreur`."""
    if (found := marker(raw)) is not None:
        return found
    return parse_text(raw), None, {}


def parse_code(raw: Any) -> Parsed:
    """A code, a key or an identifier (SIRET, département, funder, indicator): text
    without invisible characters nor a leading apostrophe, with their warning
    (`texte.invisible`, `texte.apostrophe`); an error cell is an `erreur`."""
    if (found := marker(raw)) is not None:
        return found
    text = parse_text(raw)
    if text is None:
        return BLANK
    value, code, fields = clean(text)
    return (value or None), code, fields
