"""Figures by kind (SPEC §3, §6): value, target, achievement and coverage per action, axis
and contract, per year and for the period.

- flux: summed over actions and over years;
- stock: summed over actions for a year; over a period, the latest year's value;
- ratio: sum(numerator) / sum(denominator) at every level, never an average of ratios.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from cess_cli.consolidation.shared import PERIODE, coverage, ok, plus
from cess_cli.referential.loading import Referential

Key = tuple[Any, ...]  # (group keys..., indicator) or (group keys..., indicator, year)
YearCell = tuple[float | None, int, int, float | None]  # value, bilans received, expected, target
PeriodCell = tuple[float | None, int, int, float | None, str]  # the same, and the rule for the target
LEVELS = {"action": ["axe", "code_action"], "axe": ["axe"], "contrat": []}


def facts(bilans: list[Any], ref: Referential) -> pd.DataFrame:
    """One row per counted value: annee, axe, code_action, indicateur, valeur (float, the
    indicator's unit). Where each value comes from is the tidy CSV's (`tidy.tidy_rows`)."""
    rows = [(b.annee, ref.axe_of(b.action), b.action, code, float(v)) for b in bilans for code, v in b.valeurs.items()]
    return pd.DataFrame(rows, columns=["annee", "axe", "code_action", "indicateur", "valeur"])


def expected_indicators(ref: Referential, years: list[int]) -> pd.DataFrame:
    """One row per (action, year, indicator) the referential expects, with its target."""
    ratios = [i for i in ref.indicateurs.values() if i.nature == "ratio"]
    rows: list[tuple[Any, ...]] = []
    for code, action in ref.actions.items():
        listed = {ia.code: ia for ia in action.indicateurs}
        # a ratio is computed wherever both its terms are reported, listed or not
        implied = [
            r.code for r in ratios if r.code not in listed and r.numerateur in listed and r.denominateur in listed
        ]
        for y in years:
            if y not in action.annees:
                continue
            for ia in action.indicateurs:
                rows.append((y, ref.axe_of(code), code, ia.code, ia.cibles.get(y), ia.cible_periode))
            for ratio in implied:
                rows.append((y, ref.axe_of(code), code, ratio, None, None))
    return pd.DataFrame(rows, columns=["annee", "axe", "code_action", "indicateur", "cible", "cible_periode"])


def figures(
    facts: pd.DataFrame, expect: pd.DataFrame, ref: Referential, years: list[int], keys: list[str]
) -> pd.DataFrame:
    """Value, target, achievement and coverage per group x indicator x year, and for the period.

    `keys` are the group columns (LEVELS). One row per group x indicator x year ("2015")
    and, over several years, for the period (PERIODE): valeur (indicator's unit; a ratio
    as a fraction), cible, taux_realisation (valeur / cible), taux_partiel (« partiel :
    n / m bilans » when a rate, or a ratio's value, rests on fewer bilans than expected,
    else ""), recus,
    attendus, couverture (« n / m bilans »: bilans counted out of expected), regle_cible.
    A ratio has a target only at action level (targets of ratios do not add up)."""
    agg = _Aggregator(facts, expect, keys)
    out: list[dict[str, Any]] = []
    for gkey in agg.groups():
        ind = ref.indicateurs[gkey[-1]]
        per_year = {y: agg.cell(ind, gkey, y) for y in years if agg.expected(gkey, y)}
        if not per_year:
            continue
        for y, (value, n, m, target) in per_year.items():
            out.append(
                _row(keys, gkey, ind, str(y), value, n, m, target, "cible annuelle" if target is not None else "")
            )
        if len(years) > 1:
            out.append(_row(keys, gkey, ind, PERIODE, *agg.period(ind, gkey, per_year)))
    columns = [*keys, "indicateur", "libelle", "unite", "nature", "annee", "valeur", "cible", "taux_realisation"]
    return pd.DataFrame(out, columns=[*columns, "taux_partiel", "recus", "attendus", "couverture", "regle_cible"])


class _Aggregator:
    """Indexes facts and expectations by (group keys..., indicator, year)."""

    def __init__(self, facts: pd.DataFrame, expect: pd.DataFrame, keys: list[str]):
        self.per_action = "code_action" in keys
        self.facts: dict[Key, list[Any]] = defaultdict(list)
        for row in facts.itertuples(index=False):
            self.facts[(*[getattr(row, k) for k in keys], row.indicateur, row.annee)].append(row)
        self.exp: dict[Key, list[Any]] = defaultdict(list)
        for row in expect.itertuples(index=False):
            self.exp[(*[getattr(row, k) for k in keys], row.indicateur, row.annee)].append(row)
        self._groups = list(dict.fromkeys(k[:-1] for k in self.exp))

    def groups(self) -> list[Key]:
        return self._groups

    def expected(self, gkey: Key, y: int) -> list[Any]:
        return self.exp.get((*gkey, y), [])

    def cell(self, ind: Any, gkey: Key, y: int) -> YearCell:
        """(value, bilans received, bilans expected, target) of one group, indicator and year."""
        exp = self.expected(gkey, y)
        if ind.nature == "ratio":
            num, den, n = self.ratio_terms(ind, gkey, y)
            # a ratio's target is an action's own: targets of ratios do not add up (README)
            target = exp[0].cible if self.per_action and len(exp) == 1 and ok(exp[0].cible) else None
            return (num / den if n and den else None), n, len(exp), target
        rows = self.facts.get((*gkey, y), [])
        targets = [e.cible for e in exp if ok(e.cible)]
        return (sum(r.valeur for r in rows) if rows else None), len(rows), len(exp), (sum(targets) if targets else None)

    def ratio_terms(self, ind: Any, gkey: Key, y: int) -> tuple[float, float, int]:
        """Sums of numerator and denominator over the bilans that report both (a ratio of sums)."""
        group = gkey[:-1]
        num = {r.code_action: r.valeur for r in self.facts.get((*group, ind.numerateur, y), [])}
        den = {r.code_action: r.valeur for r in self.facts.get((*group, ind.denominateur, y), [])}
        both = [e.code_action for e in self.expected(gkey, y) if e.code_action in num and e.code_action in den]
        return sum(num[a] for a in both), sum(den[a] for a in both), len(both)

    def period(self, ind: Any, gkey: Key, per_year: dict[int, YearCell]) -> PeriodCell:
        """(value, received, expected, target, rule for the target) over the whole period."""
        if ind.nature == "stock":
            # the level at the group's last year: an action that ends before the period does
            # keeps its last level (per_year holds only the years the group is expected)
            last = max(per_year)
            value, n, m, target = per_year[last]
            exp = self.expected(gkey, last)
            if exp and all(ok(e.cible_periode) for e in exp):
                return (
                    value,
                    n,
                    m,
                    sum(e.cible_periode for e in exp),
                    "stock : cible de période du référentiel, valeur de la dernière année",
                )
            return value, n, m, target, f"stock : valeur et cible de la dernière année ({last})"
        n = sum(v[1] for v in per_year.values())
        m = sum(v[2] for v in per_year.values())
        exp_all = [e for y in per_year for e in self.expected(gkey, y)]
        if ind.nature == "ratio":
            terms = [self.ratio_terms(ind, gkey, y) for y in per_year]
            nums, dens = sum(t[0] for t in terms), sum(t[1] for t in terms)
            target = exp_all[0].cible_periode if self.per_action and ok(exp_all[0].cible_periode) else None
            how = (
                "ratio : cible de période du référentiel"
                if target is not None
                else "ratio : cible à l'action seulement"
                if not self.per_action
                else "ratio : pas de cible de période"
            )
            return (nums / dens if dens else None), n, m, target, how
        values = [v[0] for v in per_year.values() if v[0] is not None]
        by_action: dict[str, list[Any]] = defaultdict(list)
        for e in exp_all:
            by_action[e.code_action].append(e)
        total: float | None = None  # no target given anywhere: no target (« — »), not a target of 0
        rules = set()
        for rows in by_action.values():
            if ok(rows[0].cible_periode):
                total = plus(total, rows[0].cible_periode)
                rules.add("cible de période du référentiel")
            else:
                for r in rows:
                    total = plus(total, r.cible if ok(r.cible) else None)
                rules.add("somme des cibles annuelles")
        return (sum(values) if values else None), n, m, total, "flux : " + " et ".join(sorted(rules))


def _row(
    keys: list[str], gkey: Key, ind: Any, annee: str, value: Any, n: int, m: int, target: Any, how: str
) -> dict[str, Any]:
    rate = value / target if value is not None and target else None
    # a rate on part of the bilans is partial, and so is a ratio itself (70,7 % from one action of two)
    rated = rate is not None or (ind.nature == "ratio" and value is not None)
    partial = f"partiel : {coverage(n, m)}" if rated and n < m else ""
    row: dict[str, Any] = dict(zip(keys, gkey[:-1], strict=True))
    row.update(
        indicateur=ind.code,
        libelle=ind.libelle,
        unite=ind.unite,
        nature=ind.nature,
        annee=annee,
        valeur=value,
        cible=target,
        taux_realisation=rate,
        taux_partiel=partial,
        recus=n,
        attendus=m,
        couverture=coverage(n, m),
        regle_cible=how,
    )
    return row
