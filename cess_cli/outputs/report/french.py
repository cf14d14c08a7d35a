"""Numbers, dates and labels in French forms for the COPIL report (1 234,5 ; 87,3 % ; 2 387 500 €).

Babel applies the French locale's rules (CLDR): the group separator is a narrow no-break
space (U+202F), which also keeps a figure and its unit on one printed line. A missing
figure is an em dash, never a zero.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from cess_cli.wording import french_date, half_up

LOCALE = "fr_FR"
NNBSP = "\u202f"
MISSING = "—"


def is_number(value: Any) -> bool:
    """A real number: not None, not NaN, not a bool."""
    if value is None or isinstance(value, bool):
        return False
    try:
        return not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, decimals: int = 0) -> str:
    """1 234 or 1 234,5 (`decimals` digits after the comma); « — » when there is no figure.
    Rounded half up on the number's decimal (29.25 -> « 29,3 »), as Excel shows it."""
    if not is_number(value) or not math.isfinite(float(value)):
        return MISSING
    return _french(half_up(value, decimals), decimals)


def percent(value: Any, decimals: int = 1) -> str:
    """A fraction as a French percentage: 0.873 -> « 87,3 % »; 0.2925 -> « 29,3 % » (half up)."""
    if not is_number(value) or not math.isfinite(float(value)):
        return MISSING
    return _french(half_up(value, decimals, scale=2), decimals) + NNBSP + "%"


def _french(rounded: Decimal, decimals: int) -> str:
    """A number already rounded, in the French locale's form (Babel: CLDR separators)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(rounded, format=pattern, locale=LOCALE)


def euros(value: Any) -> str:
    """Whole euros: 2387500 -> « 2 387 500 € »."""
    if not is_number(value):
        return MISSING
    return number(value) + NNBSP + "€"


def by_unit(value: Any, unit: str) -> str:
    """A figure in its indicator's unit (SPEC §3): nombre whole, ETP with one decimal, euros, %."""
    if unit == "euros":
        return euros(value)
    if unit == "%":
        return percent(value)
    if unit == "ETP":
        return number(value, 1)
    if is_number(value) and float(value) != round(float(value)):
        return number(value, 1)
    return number(value)


def by_excel_format(value: Any, fmt: str) -> str:
    """A key figure in the French form of the Excel number format the workbook gives it
    (« #,##0 », « #,##0.0 », « 0.0% », « #,##0 € »), so both outputs print the same figure.
    Text is returned as is."""
    if isinstance(value, str):
        return value
    if "%" in fmt:
        return percent(value, _decimals(fmt.replace("%", "")))
    if "€" in fmt:
        return euros(value)
    return number(value, _decimals(fmt))


def _decimals(fmt: str) -> int:
    return len(fmt.split(".", 1)[1].rstrip(" €")) if "." in fmt else 0


def long_date(day: date) -> str:
    """« 28 novembre 2016 »."""
    return format_date(day, format="long", locale=LOCALE)


def short_date(day: date | None) -> str:
    """« 28/11/2016 », or « — »."""
    return french_date(day) if day else MISSING


NBSP = "\u00a0"


class Verbatim(str):
    """Text an operator wrote (a qualitative bilan), printed as written: `spacing` is not
    applied to it (the report gives those texts whole)."""

    __slots__ = ()


_BEFORE_PUNCTUATION = re.compile(r"[ \u00a0](?=[;!?»])|(?<=«)[ \u00a0]|[ \u00a0](?=:(?:\s|$))")


def spacing(text: str) -> str:
    """French typography's no-break spaces, so that no line of the report starts with « », :,
    ;, ! or ? and no « ends one: a no-break space inside guillemets and before a colon, a
    narrow one before ; ! ? (as the French printing rules have it). Only an existing space
    is replaced: nothing is added, and no other character changes."""
    return _BEFORE_PUNCTUATION.sub(_no_break, text)


def _no_break(match: re.Match[str]) -> str:
    end = match.end()
    following = match.string[end : end + 1]
    return NNBSP if following in ";!?" else NBSP
