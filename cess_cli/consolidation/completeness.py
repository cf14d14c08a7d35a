"""Completeness per action and year (SPEC §6, Q4): expected, received, first sending on
time, counted version on time, valid at first submission, counted, missing.

Rules:
- the files of an action-year are its *versions*; a byte-identical copy is not one
  (`sources.select` names it a copy): it changes neither *versions reçues* nor the
  first submission;
- the *first sending* is the lowest version (then the earliest transmission, then the
  name); *valide du premier coup* means that file was valid, whatever came after;
- *premier envoi à l'heure*: the first sending's `date_transmission` is on or before
  the year's deadline; *version comptée à l'heure*: the same for the version that
  counts (blank when nothing counts);
- every rate is a count over the bilans expected (so never above 100 %).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pandas as pd

from cess_cli.catalogue import make
from cess_cli.consolidation.sources import Collection, Source
from cess_cli.findings import Finding
from cess_cli.referential.loading import Referential

# the 0/1 columns summed into counts and rates, in the order they are shown
COUNTED = ("recu", "premier_envoi_a_l_heure", "version_comptee_a_l_heure", "valide_premiere", "valide", "manquant")


def first_sending(files: list[Source]) -> Source | None:
    """The first version received of an action-year (copies excluded by the caller):
    lowest version, then earliest transmission, then name."""
    return min(files, key=lambda s: (s.version or 1, s.date_transmission or date.max, s.name), default=None)


def _on_time(s: Source | None, deadline: date) -> bool:
    return bool(s is not None and s.date_transmission is not None and s.date_transmission <= deadline)


def completeness(coll: Collection, ref: Referential, years: list[int]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per action and year: the row of *Complétude*; and the totals and rates.

    Returns (DataFrame with one row per expected action-year: code_action, axe, annee,
    attendu, recu, premier_envoi_a_l_heure, version_comptee_a_l_heure (None when
    nothing counts), valide_premiere, valide, manquant, versions, echeance,
    date_premiere_transmission, date_version_comptee, etat), and a summary dict with
    `attendus`, each count of COUNTED and its `taux_<count>` (over `attendus`)."""
    by_key: dict[tuple[str, int], list[Source]] = defaultdict(list)
    for s in coll.sources:
        if s.action is not None and s.annee is not None and s.raison != "copie":
            by_key[(s.action, s.annee)].append(s)
    rows: list[dict[str, Any]] = []
    for code, action in ref.actions.items():
        for y in years:
            if y not in action.annees:
                continue
            got = by_key.get((code, y), [])
            first = first_sending(got)
            deadline = ref.echeance(y)
            counted = next((s for s in got if s.retenu), None)
            state = (
                "manquant"
                if not got
                else "valide"
                if counted
                else "conflit"
                if any(s.raison == "conflit" for s in got)
                else "invalide"
            )
            rows.append(
                dict(
                    code_action=code,
                    axe=ref.axe_of(code),
                    annee=y,
                    attendu=1,
                    recu=int(bool(got)),
                    premier_envoi_a_l_heure=int(_on_time(first, deadline)),
                    version_comptee_a_l_heure=None if counted is None else int(_on_time(counted, deadline)),
                    valide_premiere=int(first is not None and first.statut == "valide"),
                    valide=int(counted is not None),
                    manquant=int(not got),
                    versions=len(got),
                    echeance=deadline,
                    date_premiere_transmission=first.date_transmission if first else None,
                    date_version_comptee=counted.date_transmission if counted else None,
                    etat=state,
                )
            )
    df = pd.DataFrame(rows)
    return df, summarise(df)


def summarise(rows: pd.DataFrame) -> dict[str, Any]:
    """The totals and rates of *Complétude* rows (all of them, or one year's): `attendus`,
    each count of COUNTED, and its `taux_<count>` over `attendus` (a fraction, None when
    nothing is expected). `rows` may be empty, without columns."""
    expected = int(rows["attendu"].sum()) if len(rows) else 0
    totals = {k: int(rows[k].sum()) if len(rows) else 0 for k in COUNTED}  # sum() leaves None out
    summary: dict[str, Any] = {"attendus": expected, **totals}
    for k in COUNTED:
        summary[f"taux_{k}"] = totals[k] / expected if expected else None
    return summary


def missing_bilans(coll: Collection, ref: Referential, years: list[int]) -> list[Finding]:
    """One `bilan.manquant` finding per expected action-year with no file at all."""
    have = {(s.action, s.annee) for s in coll.sources}
    out = []
    for code, action in ref.actions.items():
        for y in years:
            if y in action.annees and (code, y) not in have:
                out.append(make("bilan.manquant", f"bilan_{code}_{y}.xlsx", detail=code, trouve=str(y)))
    return out
