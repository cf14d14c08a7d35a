"""Consolidate the retained bilans into the evaluation tables (pure data -> DataFrames).

One DataFrame of facts is built once from the validated rows of all retained
bilans; every table is computed from it. Aggregation follows each indicator's
kind (SPEC §3):
- flux: summed over actions and over years;
- stock: summed over actions for a year; over a period, the latest year's value;
- ratio: sum(numerator) / sum(denominator) at every level, never an average of ratios.
Every figure carries its coverage: bilans received out of bilans expected.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cess_cli.catalogue import make
from cess_cli.consolidation.sources import Collection, Source
from cess_cli.findings import Finding
from cess_cli.referential.loading import Referential

PERIODE = "période"
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
JUMP_RATIO = 3.0  # year-on-year: flagged when above x3 or below /3 of the previous year
TARGET_RATIO = 2.0  # far from target: above x2 or below /2 of the target
LEVELS = {"action": ["axe", "code_action"], "axe": ["axe"], "contrat": []}


@dataclass
class Evaluation:
    years: list[int]
    label: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    anomalies: list[Finding] = field(default_factory=list)
    key_figures: list[tuple[str, Any, str]] = field(default_factory=list)  # (label, value, number format)
    sources: list[Source] = field(default_factory=list)


def period_label(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def consolidate(coll: Collection, ref: Referential, years: list[int]) -> Evaluation:
    """Every figure of the evaluation workbook for `years` (one year or a period)."""
    years = sorted(years)
    ev = Evaluation(years=years, label=period_label(years))
    retained = coll.retained(years)
    all_retained = coll.retained()
    facts = _facts(retained, ref)
    expect = _expected(ref, years)
    for level, keys in LEVELS.items():
        ev.tables[f"par_{level}"] = _figures(facts, expect, ref, years, keys)
    ev.tables["financements"] = _financing(retained, ref, years)
    ev.tables["territoires"] = _territories(retained, ref, years)
    ev.tables["completude"], completeness = _completeness(coll, ref, years)
    ev.tables["tidy"] = _tidy(retained, ref)
    ev.sources = [s for s in coll.sources if s.annee is None or s.annee in years]
    ev.anomalies = (
        [f for f in coll.conflicts if any(s.file == f.file for s in ev.sources)]
        + _missing(coll, ref, years)
        + _cumulative(all_retained, ref, years)
        + _plausibility(all_retained, ref, years)
    )
    ev.tables["q4"] = _q4(facts, ref, years, completeness)
    ev.tables["questions"] = _questions(ev.tables["par_contrat"], ref)
    ev.key_figures = _key_figures(ev, completeness)
    return ev


# -- facts -------------------------------------------------------------------------------


def _facts(bilans: list[Any], ref: Referential) -> pd.DataFrame:
    rows: list[tuple[Any, ...]] = []
    for b in bilans:
        axe = ref.axe_of(b.action)
        name = b.file.rsplit("/", 1)[-1]
        for code, value in b.valeurs.items():
            rows.append(
                (b.annee, axe, b.action, code, float(value), f"{name}!{b.cellules[code]}", b.commentaires.get(code, ""))
            )
    return pd.DataFrame(rows, columns=["annee", "axe", "code_action", "indicateur", "valeur", "source", "commentaire"])


def _expected(ref: Referential, years: list[int]) -> pd.DataFrame:
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


def _ok(x: Any) -> bool:
    """A real number (not None, not NaN)."""
    return x is not None and x == x


def _coverage(n: int, m: int) -> str:
    return f"{n} / {m} bilans"


def _figures(
    facts: pd.DataFrame, expect: pd.DataFrame, ref: Referential, years: list[int], keys: list[str]
) -> pd.DataFrame:
    """Value, target, achievement and coverage per group x indicator x year, and for the period."""
    agg = _Aggregator(facts, expect, ref, keys, years)
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
    return pd.DataFrame(out, columns=[*columns, "recus", "attendus", "couverture", "regle_cible"])


class _Aggregator:
    """Indexes facts and expectations by (group keys..., indicator, year)."""

    def __init__(self, facts: pd.DataFrame, expect: pd.DataFrame, ref: Referential, keys: list[str], years: list[int]):
        self.ref, self.keys, self.years = ref, keys, years
        self.facts: dict[tuple, list] = defaultdict(list)
        for row in facts.itertuples(index=False):
            self.facts[(*[getattr(row, k) for k in keys], row.indicateur, row.annee)].append(row)
        self.exp: dict[tuple, list] = defaultdict(list)
        for row in expect.itertuples(index=False):
            self.exp[(*[getattr(row, k) for k in keys], row.indicateur, row.annee)].append(row)
        self._groups = list(dict.fromkeys(k[:-1] for k in self.exp))

    def groups(self) -> list[tuple]:
        return self._groups

    def expected(self, gkey: tuple, y: int) -> list:
        return self.exp.get((*gkey, y), [])

    def cell(self, ind: Any, gkey: tuple, y: int) -> tuple[float | None, int, int, float | None]:
        """(value, bilans received, bilans expected, target) of one group, indicator and year."""
        exp = self.expected(gkey, y)
        if ind.nature == "ratio":
            num, den, n = self.ratio_terms(ind, gkey, y)
            target = exp[0].cible if len(exp) == 1 and _ok(exp[0].cible) else None  # ratio targets do not add up
            return (num / den if n and den else None), n, len(exp), target
        rows = self.facts.get((*gkey, y), [])
        targets = [e.cible for e in exp if _ok(e.cible)]
        return (sum(r.valeur for r in rows) if rows else None), len(rows), len(exp), (sum(targets) if targets else None)

    def ratio_terms(self, ind: Any, gkey: tuple, y: int) -> tuple[float, float, int]:
        """Sums of numerator and denominator over the bilans that report both (a ratio of sums)."""
        group = gkey[:-1]
        num = {r.code_action: r.valeur for r in self.facts.get((*group, ind.numerateur, y), [])}
        den = {r.code_action: r.valeur for r in self.facts.get((*group, ind.denominateur, y), [])}
        both = [e.code_action for e in self.expected(gkey, y) if e.code_action in num and e.code_action in den]
        return sum(num[a] for a in both), sum(den[a] for a in both), len(both)

    def period(self, ind: Any, gkey: tuple, per_year: dict) -> tuple:
        """(value, received, expected, target, rule for the target) over the whole period."""
        last = self.years[-1]
        if ind.nature == "stock":
            value, n, m, target = per_year.get(last, (None, 0, 0, None))
            exp = self.expected(gkey, last)
            if exp and all(_ok(e.cible_periode) for e in exp):
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
            actions = {e.code_action for e in exp_all}
            target = exp_all[0].cible_periode if len(actions) == 1 and _ok(exp_all[0].cible_periode) else None
            how = "ratio : cible de période du référentiel" if target is not None else "ratio : pas de cible agrégée"
            return (nums / dens if dens else None), n, m, target, how
        values = [v[0] for v in per_year.values() if v[0] is not None]
        by_action: dict[str, list] = defaultdict(list)
        for e in exp_all:
            by_action[e.code_action].append(e)
        total, rules = 0.0, set()
        for rows in by_action.values():
            if _ok(rows[0].cible_periode):
                total += rows[0].cible_periode
                rules.add("cible de période du référentiel")
            else:
                total += sum(r.cible for r in rows if _ok(r.cible))
                rules.add("somme des cibles annuelles")
        return (sum(values) if values else None), n, m, total, "flux : " + " et ".join(sorted(rules))


def _row(
    keys: list[str], gkey: tuple, ind: Any, annee: str, value: Any, n: int, m: int, target: Any, how: str
) -> dict[str, Any]:
    rate = value / target if value is not None and target else None
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
        recus=n,
        attendus=m,
        couverture=_coverage(n, m),
        regle_cible=how,
    )
    return row


# -- financing, territories, completeness ------------------------------------------------


def _financing(bilans: list[Any], ref: Referential, years: list[int]) -> pd.DataFrame:
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


def _territories(bilans: list[Any], ref: Referential, years: list[int]) -> pd.DataFrame:
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
                _dep_label(ref, dep),
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


def _dep_label(ref: Referential, code: str) -> str:
    return next((d.libelle for d in ref.contrat.departements if d.code == code), code)


def _completeness(coll: Collection, ref: Referential, years: list[int]) -> tuple[pd.DataFrame, dict[str, Any]]:
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


def _missing(coll: Collection, ref: Referential, years: list[int]) -> list[Finding]:
    have = {(s.action, s.annee) for s in coll.sources}
    out = []
    for code, action in ref.actions.items():
        for y in years:
            if y in action.annees and (code, y) not in have:
                out.append(make("bilan.manquant", f"bilan_{code}_{y}.xlsx", None, None, detail=code, trouve=str(y)))
    return out


def _by_action(bilans: list[Any]) -> dict[str, dict[int, Any]]:
    by_action: dict[str, dict[int, Any]] = defaultdict(dict)
    for b in bilans:
        by_action[b.action][b.annee] = b
    return by_action


def _cumulative(bilans: list[Any], ref: Referential, years: list[int]) -> list[Finding]:
    """The final-year cumul_periode against the earlier bilans (sum for flux, last value for stock)."""
    out = []
    for code, per_year in sorted(_by_action(bilans).items()):
        action = ref.actions[code]
        final = max(action.annees)
        if final not in years or final not in per_year:
            continue
        last = per_year[final]
        for ind_code, declared in sorted(last.cumuls.items()):
            ind = ref.indicateurs[ind_code]
            present = [y for y in action.annees if y in per_year and ind_code in per_year[y].valeurs]
            if ind.nature == "stock":
                expected = last.valeurs.get(ind_code)
                basis = "valeur de la dernière année"
            else:
                if len(present) < len(action.annees):
                    continue  # an earlier bilan is missing or invalid: not checkable
                expected = sum(per_year[y].valeurs[ind_code] for y in action.annees)
                basis = "somme des bilans annuels"
            if expected is not None and abs(expected - declared) > 1e-6:
                sheet, _, ref_cell = last.cellules_cumul[ind_code].partition("!")
                out.append(
                    make(
                        "cumul.ecart",
                        last.file,
                        sheet,
                        ref_cell,
                        detail=f"{ind_code} ({code}, {basis})",
                        trouve=declared,
                        attendu=expected,
                    )
                )
    return out


def _plausibility(bilans: list[Any], ref: Referential, years: list[int]) -> list[Finding]:
    """Year-on-year jumps and values far from target, flagged when the bilan gives no commentaire."""
    out = []
    for code, per_year in sorted(_by_action(bilans).items()):
        action = ref.actions[code]
        targets = {ia.code: ia.cibles for ia in action.indicateurs}
        for y in sorted(per_year):
            if y not in years:
                continue
            b = per_year[y]
            for ind_code, value in b.valeurs.items():
                if b.commentaires.get(ind_code):
                    continue
                sheet, _, cell = b.cellules[ind_code].partition("!")
                prev = per_year.get(y - 1)
                before = prev.valeurs.get(ind_code) if prev else None
                if before and value and (value / before > JUMP_RATIO or before / value > JUMP_RATIO):
                    out.append(
                        make(
                            "plausibilite.ecart_annuel",
                            b.file,
                            sheet,
                            cell,
                            detail=f"{ind_code} ({code}) passe de {_fr(before)} en {y - 1} à {_fr(value)} en {y} (écart de plus de x{JUMP_RATIO:g}) sans commentaire",
                        )
                    )
                target = targets.get(ind_code, {}).get(y)
                if target and (value / target > TARGET_RATIO or value / target < 1 / TARGET_RATIO):
                    out.append(
                        make(
                            "plausibilite.ecart_cible",
                            b.file,
                            sheet,
                            cell,
                            detail=f"{ind_code} ({code}, {y}) : {_fr(value)} pour une cible de {_fr(target)} ({value / target:.0%} de la cible) sans commentaire".replace(
                                "%", " %"
                            ),
                        )
                    )
    return out


def _fr(x: float) -> str:
    return (
        f"{x:,.0f}".replace(",", "\u202f")
        if float(x).is_integer()
        else f"{x:,.1f}".replace(",", "\u202f").replace(".", ",")
    )


def _tidy(bilans: list[Any], ref: Referential) -> pd.DataFrame:
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


# -- evaluative questions ---------------------------------------------------------------


def _q4(facts: pd.DataFrame, ref: Referential, years: list[int], completeness: dict[str, Any]) -> pd.DataFrame:
    """Governance figures: meetings held against planned, participation, bilan completeness."""
    planned = sum(i.reunions_min_par_an for i in ref.instances)
    rows: list[tuple[Any, ...]] = []
    anim = facts[facts["code_action"] == "ANIM"]
    for y in years:
        year = anim[anim["annee"] == y]
        held = year.loc[year["indicateur"] == "reunions_instances", "valeur"]
        people = year.loc[year["indicateur"] == "participants_instances", "valeur"]
        h = float(held.iloc[0]) if len(held) else None
        p = float(people.iloc[0]) if len(people) else None
        rows.append((str(y), "Réunions des instances tenues", h, "nombre"))
        rows.append((str(y), "Réunions prévues par la gouvernance (minimum)", planned, "nombre"))
        rows.append((str(y), "Taux de tenue des instances", h / planned if h is not None and planned else None, "%"))
        rows.append((str(y), "Participants aux instances", p, "nombre"))
        rows.append((str(y), "Participants par réunion", p / h if p is not None and h else None, "décimal"))
    label = period_label(years)
    rows.append((label, "Bilans attendus", completeness["attendus"], "nombre"))
    rows.append((label, "Bilans reçus", completeness["recu"], "nombre"))
    rows.append((label, "Taux de réception", completeness["taux_recu"], "%"))
    rows.append((label, "Taux de bilans transmis à l'heure", completeness["taux_a_l_heure"], "%"))
    rows.append((label, "Taux de bilans valides du premier coup", completeness["taux_valide_premiere"], "%"))
    rows.append((label, "Taux de bilans exploitables (valides)", completeness["taux_valide"], "%"))
    return pd.DataFrame(rows, columns=["annee", "chiffre", "valeur", "format"])


def _questions(contract: pd.DataFrame, ref: Referential) -> pd.DataFrame:
    """Question -> expected effect -> indicator -> contract-level figure per year, with coverage."""
    rows: list[tuple[Any, ...]] = []
    for q in ref.questions:
        for effet in q.effets:
            if not effet.indicateurs:
                rows.append((q.code, q.libelle, effet.libelle, "", "", "", None, None, "", ", ".join(effet.calcule)))
            for code in effet.indicateurs:
                sub = contract[contract["indicateur"] == code]
                if sub.empty:
                    rows.append(
                        (
                            q.code,
                            q.libelle,
                            effet.libelle,
                            code,
                            ref.indicateurs[code].libelle,
                            "",
                            None,
                            None,
                            "aucun bilan attendu",
                            "",
                        )
                    )
                for r in sub.itertuples(index=False):
                    rows.append(
                        (
                            q.code,
                            q.libelle,
                            effet.libelle,
                            code,
                            r.libelle,
                            r.annee,
                            r.valeur,
                            r.cible,
                            r.couverture,
                            ", ".join(effet.calcule),
                        )
                    )
    columns = [
        "question",
        "libelle_question",
        "effet",
        "indicateur",
        "libelle",
        "annee",
        "valeur",
        "cible",
        "couverture",
        "calcule",
    ]
    return pd.DataFrame(rows, columns=columns)


def _key_figures(ev: Evaluation, completeness: dict[str, Any]) -> list[tuple[str, Any, str]]:
    fin = ev.tables["financements"]
    total = fin[fin["axe"] == "total"]
    obtained = float(total["montant_obtenu"].sum()) if len(total) else 0.0
    envelopes = float(total["enveloppe"].fillna(0).sum()) if len(total) else 0.0
    out: list[tuple[str, Any, str]] = [
        ("Bilans attendus", completeness["attendus"], "#,##0"),
        ("Bilans reçus", completeness["recu"], "#,##0"),
        ("Bilans valides (comptés)", completeness["valide"], "#,##0"),
        ("Bilans manquants", completeness["manquant"], "#,##0"),
        ("Taux de complétude (bilans valides / attendus)", completeness["taux_valide"], "0.0%"),
        ("Financements obtenus déclarés", obtained, "#,##0 €"),
        ("Enveloppes des signataires", envelopes, "#,##0 €"),
    ]
    contract = ev.tables["par_contrat"]
    col = PERIODE if len(ev.years) > 1 else str(ev.years[0])
    for code in (
        "participants",
        "structures_accompagnees",
        "entreprises_creees",
        "emplois_crees",
        "emplois_consolides",
    ):
        row = contract[(contract["indicateur"] == code) & (contract["annee"] == col)]
        if len(row):
            r = row.iloc[0]
            out.append((f"{r['libelle']} ({r['couverture']})", r["valeur"], "#,##0"))
    return out
