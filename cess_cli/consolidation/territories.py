"""Territories: per département and territorial indicator, with the QPV and ZRR shares (SPEC §3, Q3)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from cess_cli.consolidation.shared import PERIODE
from cess_cli.referential.loading import Referential


def territories(bilans: list[Any], ref: Referential, years: list[int]) -> pd.DataFrame:
    """Per year (and period, for flux) x département x indicator: value, QPV and ZRR shares."""
    acc: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for b in bilans:
        for dep, ind, value, qpv, zrr, _cell in b.territoires:
            for key in (str(b.annee), PERIODE if len(years) > 1 and ref.indicateurs[ind].nature == "flux" else None):
                if key is None:
                    continue
                a = acc[(key, dep, ind)]
                a[0] += value
                a[1] += qpv or 0.0
                a[2] += zrr or 0.0
    order = {d: i for i, d in enumerate(ref.departements)}
    rows: list[tuple[Any, ...]] = []
    for (annee, dep, ind), (value, qpv, zrr) in sorted(
        acc.items(), key=lambda kv: (kv[0][0], kv[0][2], order.get(kv[0][1], 99))
    ):
        rows.append(
            (
                annee,
                dep,
                dep_label(ref, dep),
                ind,
                ref.indicateurs[ind].libelle,
                value,
                qpv,
                zrr,
                qpv / value if value else None,
                zrr / value if value else None,
            )
        )
    columns = [
        "annee",
        "departement",
        "libelle_departement",
        "indicateur",
        "libelle",
        "valeur",
        "dont_qpv",
        "dont_zrr",
        "part_qpv",
        "part_zrr",
    ]
    return pd.DataFrame(rows, columns=columns)


def dep_label(ref: Referential, code: str) -> str:
    return next((d.libelle for d in ref.contrat.departements if d.code == code), code)
