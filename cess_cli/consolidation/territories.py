"""Territories: per département and territorial indicator, with the QPV and ZRR shares (SPEC §3, Q3)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from cess_cli.consolidation.shared import PERIODE, coverage, plus
from cess_cli.referential.loading import Referential


def territories(bilans: list[Any], ref: Referential, years: list[int]) -> pd.DataFrame:
    """Per year (and period, for flux) x département x indicator: value, dont QPV, dont ZRR
    (the indicator's unit), their shares, and the coverage of the indicator that year:
    `recus` counted bilans that report the indicator (a reported 0 has no département
    row but counts), `attendus` bilans expected to report it, `couverture` « n / m bilans »."""
    # a blank dont QPV / dont ZRR is no figure (None, « — »), not 0: it stays None until a line gives one
    acc: dict[tuple[str, str, str], list[Any]] = defaultdict(lambda: [0.0, None, None])
    for b in bilans:
        for dep, ind, value, qpv, zrr, _cell in b.territoires:
            for key in (str(b.annee), PERIODE if len(years) > 1 and ref.indicateurs[ind].nature == "flux" else None):
                if key is None:
                    continue
                a = acc[(key, dep, ind)]
                a[0] += value
                a[1] = plus(a[1], qpv)
                a[2] = plus(a[2], zrr)
    cover = _coverage(bilans, ref, years)
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
                qpv / value if value and qpv is not None else None,
                zrr / value if value and zrr is not None else None,
                *cover.get((annee, ind), (0, 0)),
                coverage(*cover.get((annee, ind), (0, 0))),
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
        "recus",
        "attendus",
        "couverture",
    ]
    return pd.DataFrame(rows, columns=columns)


def dep_label(ref: Referential, code: str) -> str:
    return next((d.libelle for d in ref.contrat.departements if d.code == code), code)


def _coverage(bilans: list[Any], ref: Referential, years: list[int]) -> dict[tuple[str, str], tuple[int, int]]:
    """(year or PERIODE, territorial indicator) -> (bilans counted that report it, expected)."""
    out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    territorial = {code for code, ind in ref.indicateurs.items() if ind.territorial}
    period = len(years) > 1
    for action in ref.actions.values():
        for ia in action.indicateurs:
            if ia.code in territorial:
                for y in years:
                    if y in action.annees:
                        out[(str(y), ia.code)][1] += 1
    for b in bilans:
        for ind in territorial & set(b.valeurs):
            out[(str(b.annee), ind)][0] += 1
    if period:
        for (key, ind), (n, m) in list(out.items()):
            if key != PERIODE and ref.indicateurs[ind].nature == "flux":
                out[(PERIODE, ind)][0] += n
                out[(PERIODE, ind)][1] += m
    return {k: (v[0], v[1]) for k, v in out.items()}
