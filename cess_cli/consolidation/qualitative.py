"""The operators' qualitative bilans (SPEC §4 *Bilan qualitatif*, §6): what each counted bilan
says under réalisations, résultats, difficultés and perspectives."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cess_cli.referential.loading import Referential

COLUMNS = [
    "code_action",
    "libelle_action",
    "axe",
    "annee",
    "rubrique",
    "libelle_rubrique",
    "texte",
    "source",
    "fichier",
]


def qualitative(bilans: list[Any], ref: Referential) -> pd.DataFrame:
    """One row per counted bilan × rubrique it fills in: action, axis, year, rubrique (code and
    French label), the text whole as the operator typed it, its source (« file!sheet!cell ») and
    its file's name alone (a name or a sheet may hold a « ! »: never split the source).
    Rows are ordered as the referential lists actions, then by year, then by rubrique."""
    labels = {r.code: r.libelle for r in ref.contrat.rubriques_qualitatives}
    rank = {r.code: i for i, r in enumerate(ref.contrat.rubriques_qualitatives)}
    order = {code: i for i, code in enumerate(ref.actions)}
    rows: list[tuple[Any, ...]] = []
    for b in sorted(bilans, key=lambda b: (order.get(b.action, len(order)), b.action, b.annee)):
        name = b.file.replace("\\", "/").rsplit("/", 1)[-1]
        action = ref.actions[b.action]
        for rubrique, texte, cell in sorted(b.qualitatif, key=lambda q: rank.get(q[0], len(rank))):
            rows.append(
                (
                    b.action,
                    action.libelle,
                    ref.axe_of(b.action),
                    b.annee,
                    rubrique,
                    labels.get(rubrique, rubrique),
                    texte,
                    f"{name}!{cell}",
                    name,
                )
            )
    return pd.DataFrame(rows, columns=COLUMNS)
