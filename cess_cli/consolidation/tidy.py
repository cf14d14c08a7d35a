"""The tidy CSVs' rows: one per action x indicator x year, plus one per territorial line (SPEC §6);
and, in a second CSV, one per financing line of a counted bilan."""

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


FINANCING_COLUMNS = ["annee", "axe", "code_action", "financeur", "montant_prevu", "montant_obtenu", "source"]


def financing_rows(bilans: list[Any], ref: Referential) -> pd.DataFrame:
    """The financing CSV: one row per line of *Financements* of each counted bilan, its
    amounts in euros (a blank amount stays blank, never 0), so that every financing figure
    of the workbook can be traced back to its cells as the indicators are (SPEC §6:
    « every consolidated figure can be traced back to the cell it came from »). `source`:
    the file and the cell of the obtained amount (of the funder, when it is blank)."""
    rows: list[tuple[Any, ...]] = []
    for b in sorted(bilans, key=lambda b: (b.annee, b.action)):
        axe = ref.axe_of(b.action)
        name = b.file.rsplit("/", 1)[-1]
        for funder, planned, obtained, cell in b.financements:
            rows.append((b.annee, axe, b.action, funder, planned, obtained, f"{name}!{cell}"))
    return pd.DataFrame(rows, columns=FINANCING_COLUMNS)
