"""Small helpers the consolidation modules share: the period column, coverage, numbers."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from cess_cli.wording import count

PERIODE = "période"
# The Excel number format of a rate: « 87,3 % » as French writes it (a space before the
# sign), in Excel and LibreOffice alike; the report prints the same (report/french.py).
PERCENT_FORMAT = "0.0 %"


def period_label(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def ok(x: Any) -> bool:
    """A real number (not None, not NaN)."""
    return x is not None and x == x


def amount(values: pd.Series) -> float | None:
    """The sum of the figures given (a declared 0 is one); None when none is: a sum of
    nothing is no figure (« — »), never 0 (pandas sums all-missing to 0 without min_count)."""
    total = values.sum(min_count=1)
    return None if pd.isna(total) else float(total)


def plus(total: float | None, amount: float | None) -> float | None:
    """A running sum in which a blank figure adds nothing and is not a 0: None until a
    figure is given (a declared 0 is one)."""
    if amount is None:
        return total
    return amount if total is None else total + amount


def coverage(n: int, m: int) -> str:
    """« 18 / 21 bilans », « 1 / 1 bilan » (the noun agrees with the number expected)."""
    return f"{n} / {count(m, 'bilan')}"


def by_action(bilans: list[Any]) -> dict[str, dict[int, Any]]:
    by_action: dict[str, dict[int, Any]] = defaultdict(dict)
    for b in bilans:
        by_action[b.action][b.annee] = b
    return by_action
