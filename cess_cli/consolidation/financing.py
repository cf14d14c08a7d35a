"""Financing by funder x axis x year, against the signatories' envelopes (SPEC §6)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from cess_cli.referential.loading import Referential


def financing(bilans: list[Any], ref: Referential, years: list[int]) -> pd.DataFrame:
    """Funder x axis x year: planned and obtained; per funder and year: the envelope and the rate."""
    sums: dict[tuple[str, str, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for b in bilans:
        axe = ref.axe_of(b.action)
        for funder, prevu, obtenu, _cell in b.financements:
            acc = sums[(funder, axe, b.annee)]
            acc[0] += prevu or 0.0
            acc[1] += obtenu or 0.0
            acc[2] += 1
    rows: list[tuple[Any, ...]] = []
    funders = [f for f in ref.codes_financeurs if any(k[0] == f for k in sums)] or []
    signatories = [code for code, f in ref.financeurs.items() if f.enveloppes]
    for funder in dict.fromkeys([*signatories, *funders]):
        for y in years:
            env = (
                next((e for e in ref.financeurs[funder].enveloppes if e.annee == y), None)
                if funder in ref.financeurs
                else None
            )
            axes = sorted({k[1] for k in sums if k[0] == funder and k[2] == y})
            total_prevu = sum(sums[(funder, a, y)][0] for a in axes)
            total_obtenu = sum(sums[(funder, a, y)][1] for a in axes)
            for a in axes:
                prevu, obtenu, n = sums[(funder, a, y)]
                rows.append((str(y), funder, ref.libelle_financeur(funder), a, prevu, obtenu, None, "", None, n))
            rows.append(
                (
                    str(y),
                    funder,
                    ref.libelle_financeur(funder),
                    "total",
                    total_prevu,
                    total_obtenu,
                    env.montant if env else None,
                    ("prévisionnelle" if env.previsionnel else "confirmée") if env else "",
                    (total_obtenu / env.montant) if env and env.montant else None,
                    sum(sums[(funder, a, y)][2] for a in axes),
                )
            )
    columns = [
        "annee",
        "financeur",
        "libelle",
        "axe",
        "montant_prevu",
        "montant_obtenu",
        "enveloppe",
        "statut_enveloppe",
        "taux_enveloppe",
        "lignes",
    ]
    return pd.DataFrame(rows, columns=columns)
