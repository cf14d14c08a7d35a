"""The nearest valid code to what someone typed, for French error messages.

Used beneath every step (the referential's errors, the checks' findings, the command
line): what was typed is echoed as typed, and the closest valid code is suggested.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


def fold(text: str) -> str:
    """Compare form: no case, no accents, spaces and hyphens as `_` (« Région » -> `region`)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace(" ", "_").replace("-", "_")


def nearest(typed: str, choices: Iterable[str], *, limit: int = 1) -> list[str]:
    """The valid codes closest to `typed` (at most `limit`, best first), compared with
    `fold`; an exact match after folding comes first. Empty when nothing is close
    (difflib ratio below 0.6)."""
    by_fold: dict[str, str] = {}
    for choice in choices:
        by_fold.setdefault(fold(choice), choice)
    key = fold(typed)
    if key in by_fold:
        return [by_fold[key]]
    return [by_fold[k] for k in difflib.get_close_matches(key, list(by_fold), n=limit)]


def did_you_mean(typed: str, choices: Iterable[str]) -> str:
    """« Vouliez-vous dire « III_1.1.3 » ? », or "" when no code is close."""
    best = nearest(typed, choices)
    return f"Vouliez-vous dire « {best[0]} » ?" if best else ""
