"""A valid bilan's content, each figure with the cell it came from (what consolidation reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(slots=True)
class Bilan:
    """The content of a valid bilan, each figure with the cell it came from (SPEC §4).

    `valeurs`: indicator code -> value in the indicator's unit (nombre, ETP, euros);
    `cellules`: indicator code -> "Indicateurs!E7"; `financements`: (funder code,
    planned €, obtained €, cell); `territoires`: (département, indicator, value,
    dont QPV, dont ZRR, cell); `qualitatif`: (rubrique code, text as typed, cell), in the
    order of the referential's rubriques."""

    file: str
    action: str
    annee: int
    version: int
    porteur: str
    date_transmission: date
    valeurs: dict[str, float] = field(default_factory=dict)
    cellules: dict[str, str] = field(default_factory=dict)  # indicator -> "Indicateurs!E7"
    cumuls: dict[str, float] = field(default_factory=dict)
    cellules_cumul: dict[str, str] = field(default_factory=dict)  # indicator -> "Indicateurs!F7"
    commentaires: dict[str, str] = field(default_factory=dict)
    financements: list[tuple[str, float | None, float | None, str]] = field(default_factory=list)
    territoires: list[tuple[str, str, float, float | None, float | None, str]] = field(default_factory=list)
    qualitatif: list[tuple[str, str, str]] = field(default_factory=list)  # (rubrique, texte, "Bilan qualitatif!B2")
