"""The tidy CSV's rows: one per action x indicator x year, plus one per territorial line (SPEC §6)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cess_cli.referential.loading import Referential

TIDY_COLUMNS = [
    "annee",
    "axe",
    "code_action",
    "indicateur",
    "unite",
    "departement",
    "valeur",
    "dont_qpv",
    "dont_zrr",
    "source",
]


def tidy_rows(bilans: list[Any], ref: Referential) -> pd.DataFrame:
    """The tidy CSV: one row per action x indicator x year, plus one per territorial line."""
    rows: list[tuple[Any, ...]] = []
    for b in sorted(bilans, key=lambda b: (b.annee, b.action)):
        axe = ref.axe_of(b.action)
        name = b.file.rsplit("/", 1)[-1]
        for code, value in b.valeurs.items():
            rows.append(
                (
                    b.annee,
                    axe,
                    b.action,
                    code,
                    ref.indicateurs[code].unite,
                    "",
                    value,
                    None,
                    None,
                    f"{name}!{b.cellules[code]}",
                )
            )
        for dep, ind, value, qpv, zrr, cell in b.territoires:
            rows.append(
                (b.annee, axe, b.action, ind, ref.indicateurs[ind].unite, dep, value, qpv, zrr, f"{name}!{cell}")
            )
    return pd.DataFrame(rows, columns=TIDY_COLUMNS)
