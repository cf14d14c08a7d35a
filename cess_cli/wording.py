"""How cess words numbers for people, beneath every step: French forms (`1 234`,
`2,38 s`, `12 %`), counts with their noun. The nearest valid code to what someone typed
is in suggestions.py.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal

NNBSP = "\u202f"  # narrow no-break space: thousands separator, and before « % »


def half_up(value: float | int, decimals: int, scale: int = 0) -> Decimal:
    """`value` × 10**`scale` rounded to `decimals` digits, half away from zero, on the
    decimal the number prints as (its repr): 29.25 -> 29.3 and 0.2925 with scale=2 ->
    29.3, as Excel's number formats show them (README *French numbers*). `value` must be
    finite."""
    exact = Decimal(repr(float(value))).scaleb(scale)
    digits = max(exact.adjusted() + 1, 1) + decimals + 1  # the default context's 28 would raise past 1e26
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=Context(prec=max(28, digits)))


def french_number(value: float | None, decimals: int | None = None) -> str:
    """1234.5 -> « 1 234,5 »; 2.3812 with decimals=2 -> « 2,38 »; None -> « — ».

    Without `decimals`: integers as integers, other numbers with up to 2 decimals
    (trailing zeros dropped). Rounded half up (`half_up`: 29.25 -> « 29,3 » with
    decimals=1). Thousands are separated by a narrow no-break space."""
    if value is None:
        return "—"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if decimals is None:
        if float(value).is_integer():
            return f"{int(value):,}".replace(",", NNBSP)
        text = f"{half_up(value, 2):,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{half_up(value, decimals):,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def typed_number(x: float | int) -> str:
    """A number in French form, as the operator typed it: every significant decimal kept
    (`0,12`, not `0,1`; `144,4`; `1\u202f234,5`), float noise removed (0.1 + 0.2 -> `0,3`)."""
    x = round(float(x), 9)
    if x.is_integer():
        return f"{int(x):,}".replace(",", "\u202f")
    whole, _, frac = repr(abs(x)).partition(".")
    if "e" in frac or "e" in whole:  # tiny or huge: no exponent in a message
        whole, _, frac = f"{abs(x):.9f}".rstrip("0").partition(".")
    sign = "-" if x < 0 else ""
    return f"{sign}{int(whole):,}".replace(",", "\u202f") + f",{frac}"


def french_date(day: date) -> str:
    """A date as every message shows it, JJ/MM/AAAA, the year on four figures (« 04/03/0999 »,
    where `strftime` would write « 999 »)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def french_value(value: object) -> str:
    """A value found in a cell as a message shows it, in French: `VRAI`/`FAUX`, a date
    JJ/MM/AAAA, a date and time JJ/MM/AAAA HH:MM, a time of day HH:MM, a duration in hours
    (`36:00:00`, as a `[h]:mm:ss` cell shows it), a number as typed with a decimal comma and
    no thousands separator (`1,5`, `2015`: a year, a version or a code is echoed as is)."""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, datetime):
        return french_date(value) if value.time() == time(0) else f"{french_date(value)} {value:%H:%M}"
    if isinstance(value, date):
        return french_date(value)
    if isinstance(value, time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, timedelta):
        seconds = round(abs(value.total_seconds()))
        sign = "-" if value < timedelta(0) else ""
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if isinstance(value, float) and math.isfinite(value):
        return typed_number(value).replace(NNBSP, "")
    return str(value)


# « 18 / 21 bilans attendus comptés » (the summary line of consolidate, rapport and the batch)
EXPECTED, EXPECTEDS = "bilan attendu compté", "bilans attendus comptés"


def count(n: int, word: str, plural: str | None = None) -> str:
    """« 0 erreur », « 1 erreur », « 2 erreurs », « 1 234 fichiers » (French: 0 and 1 are singular)."""
    return f"{french_number(n)} {word if n <= 1 else plural or word + 's'}"


def french_percent(ratio: float, decimals: int = 1) -> str:
    """0.254 -> « 25,4 % » (decimals=1, the form of the report and the workbook), « 25 % »
    (decimals=0); rounded half up on the ratio's decimal (0.2545 -> « 25,5 % »)."""
    if not math.isfinite(ratio):
        return french_number(ratio)
    return f"{half_up(ratio, decimals, scale=2):,.{decimals}f}".replace(",", NNBSP).replace(".", ",") + f"{NNBSP}%"
