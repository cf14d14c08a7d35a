"""Text that leaves cess for a spreadsheet or a CSV: no control characters, no formulas.

Workbooks come from outside organisations; any text they carry may be written
back into our outputs. Text that would start a formula in Excel (=, +, -, @,
tab, CR) must stay plain text, and characters XML cannot hold are removed.
"""

from __future__ import annotations

import math
import re
from typing import Any

from openpyxl.cell.cell import Cell

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_text(text: str) -> str:
    """Remove control and XML-invalid characters (tab, LF, CR kept)."""
    return _ILLEGAL.sub("", text)


def set_cell(cell: Cell, value: Any) -> None:
    """Write a value; text is cleaned and always stored as text, never as a formula; a float
    without its binary noise (`denoise`)."""
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"
    else:
        cell.value = denoise(value)


NOISE_ULPS = 1024  # units in the last place: above what summing thousands of decimal figures leaves, far below any figure's precision


def denoise(value: Any) -> Any:
    """A float that is a decimal figure but for binary noise, written as that figure: a sum
    0.1 + 0.2 = 0.30000000000000004 as 0.3, 4352.099999999999 as 4352.1. The value snaps to 9
    decimals only when that moves it by at most `NOISE_ULPS` units in its last place (at most
    2.3 × 10⁻¹³ of it, the 13th significant digit): a figure with more decimals (1/3, 2000/3)
    and a tiny figure (10⁻¹³) are left as they are; a large one (100000/3) may lose digits
    beyond the 13th, never more. Anything else is returned unchanged."""
    if not isinstance(value, float) or not math.isfinite(value):
        return value
    snapped = round(value, 9)
    return snapped if abs(snapped - value) <= NOISE_ULPS * math.ulp(value) else value


def csv_text(value: Any) -> Any:
    """A CSV field: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str):
        text = clean_text(value)
        return "'" + text if text.startswith(FORMULA_START) else text
    return value
