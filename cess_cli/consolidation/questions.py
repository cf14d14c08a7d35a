"""The evaluative questions (SPEC §2, §3): effect -> indicators -> figures, the governance
figures of Q4, and the key figures of the *Synthèse* sheet."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cess_cli.consolidation.shared import PERIODE, period_label
from cess_cli.referential.loading import Referential


def q4_figures(facts: pd.DataFrame, ref: Referential, years: list[int], completeness: dict[str, Any]) -> pd.DataFrame:
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


def question_rows(contract: pd.DataFrame, ref: Referential) -> pd.DataFrame:
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


def key_figures(
    tables: dict[str, pd.DataFrame], years: list[int], completeness: dict[str, Any]
) -> list[tuple[str, Any, str]]:
    """The key figures of *Synthèse*: (French label, value, Excel number format)."""
    fin = tables["financements"]
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
    contract = tables["par_contrat"]
    col = PERIODE if len(years) > 1 else str(years[0])
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
