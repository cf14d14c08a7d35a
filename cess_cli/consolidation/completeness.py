"""Completeness per action and year: expected, received, on time, valid at first submission,
counted, missing (SPEC §6, Q4)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from cess_cli.catalogue import make
from cess_cli.consolidation.sources import Collection, Source
from cess_cli.findings import Finding
from cess_cli.referential.loading import Referential


def completeness(coll: Collection, ref: Referential, years: list[int]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per action and year: expected, received, on time, valid at first submission, valid, missing."""
    by_key: dict[tuple[str, int], list[Source]] = defaultdict(list)
    for s in coll.sources:
        if s.action is not None and s.annee is not None:
            by_key[(s.action, s.annee)].append(s)
    rows: list[dict[str, Any]] = []
    for code, action in ref.actions.items():
        for y in years:
            if y not in action.annees:
                continue
            got = sorted(by_key.get((code, y), []), key=lambda s: (s.version or 1, s.file))
            first = got[0] if got else None
            deadline = ref.echeance(y)
            on_time = bool(first and first.date_transmission and first.date_transmission <= deadline)
            retained = next((s for s in got if s.retenu), None)
            state = (
                "manquant"
                if not got
                else "valide"
                if retained
                else "conflit"
                if any(s.motif.startswith("conflit") for s in got)
                else "invalide"
            )
            rows.append(
                dict(
                    code_action=code,
                    axe=ref.axe_of(code),
                    annee=y,
                    attendu=1,
                    recu=int(bool(got)),
                    a_l_heure=int(on_time),
                    valide_premiere=int(bool(first and first.statut == "valide" and len(got) == 1)),
                    valide=int(retained is not None),
                    manquant=int(not got),
                    versions=len(got),
                    echeance=deadline,
                    date_premiere_transmission=first.date_transmission if first else None,
                    etat=state,
                )
            )
    df = pd.DataFrame(rows)
    expected = int(df["attendu"].sum()) if len(df) else 0
    totals = {
        k: int(df[k].sum()) if len(df) else 0 for k in ("recu", "a_l_heure", "valide_premiere", "valide", "manquant")
    }
    summary: dict[str, Any] = {"attendus": expected, **totals}
    for k in ("recu", "a_l_heure", "valide_premiere", "valide", "manquant"):
        summary[f"taux_{k}"] = totals[k] / expected if expected else None
    return df, summary


def missing_bilans(coll: Collection, ref: Referential, years: list[int]) -> list[Finding]:
    have = {(s.action, s.annee) for s in coll.sources}
    out = []
    for code, action in ref.actions.items():
        for y in years:
            if y in action.annees and (code, y) not in have:
                out.append(make("bilan.manquant", f"bilan_{code}_{y}.xlsx", None, None, detail=code, trouve=str(y)))
    return out
