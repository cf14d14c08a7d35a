"""The evaluative questions (SPEC §2, §3): effect -> indicators -> figures, and the
governance figures of Q4."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cess_cli.consolidation.completeness import summarise
from cess_cli.consolidation.shared import coverage, period_label
from cess_cli.referential.loading import Referential


def q4_figures(facts: pd.DataFrame, ref: Referential, years: list[int], completude: pd.DataFrame) -> pd.DataFrame:
    """Governance figures (Q4): meetings held against planned and participation, from the
    ANIM bilan of each year (coverage « n / m bilans » of ANIM) and, for a period, summed
    over its years (coverage: the ANIM bilans counted over those expected in the period;
    planned: the yearly minimum times the years), then the completeness counts and rates
    over the bilans expected, for each year and for the period, from the *Complétude*
    table (`completeness.completeness`). Columns: annee (a year or the period, as text),
    chiffre, valeur, format ("nombre", "%", "décimal"), couverture ("" for the
    completeness rows)."""
    planned = sum(i.reunions_min_par_an for i in ref.instances)
    rows: list[tuple[Any, ...]] = []
    anim = facts[facts["code_action"] == "ANIM"]
    per_year: list[tuple[float | None, float | None, int]] = []  # (held, participants, expected)
    for y in years:
        year = anim[anim["annee"] == y]
        held = year.loc[year["indicateur"] == "reunions_instances", "valeur"]
        people = year.loc[year["indicateur"] == "participants_instances", "valeur"]
        h = float(held.iloc[0]) if len(held) else None
        p = float(people.iloc[0]) if len(people) else None
        per_year.append((h, p, int("ANIM" in ref.actions and y in ref.actions["ANIM"].annees)))
        rows += _meetings(str(y), [per_year[-1]], planned)
    if len(years) > 1:  # the period: sums over the years counted, coverage over the years expected
        rows += _meetings(period_label(years), per_year, planned * len(years))
    parts = [(str(y), completude[completude["annee"] == y] if len(completude) else completude) for y in years]
    if len(years) > 1:
        parts.append((period_label(years), completude))
    for label, part in parts:
        totals = summarise(part)
        rows.append((label, "Bilans attendus", totals["attendus"], "nombre", ""))
        for key, count, rate in COMPLETENESS_ROWS:
            rows.append((label, count, totals[key], "nombre", ""))
            rows.append((label, f"{rate} (sur les bilans attendus)", totals[f"taux_{key}"], "%", ""))
    return pd.DataFrame(rows, columns=["annee", "chiffre", "valeur", "format", "couverture"])


COMPLETENESS_ROWS = (  # (count of *Complétude*, its label, its rate's label)
    ("recu", "Bilans reçus", "Taux de réception"),
    ("premier_envoi_a_l_heure", "Premiers envois à l'heure", "Taux de premiers envois à l'heure"),
    ("version_comptee_a_l_heure", "Versions comptées à l'heure", "Taux de versions comptées à l'heure"),
    ("valide_premiere", "Bilans valides du premier coup", "Taux de bilans valides du premier coup"),
    ("valide", "Bilans exploitables (valides, comptés)", "Taux de bilans exploitables"),
)


def _meetings(label: str, years: list[tuple[float | None, float | None, int]], planned: int) -> list[tuple[Any, ...]]:
    """The meeting rows of Q4 for a year or the period, from each year's (held, participants,
    ANIM bilans expected): held (the sum of the years that give it; coverage: ANIM bilans
    that give it / expected), planned, rate held / planned, participants, participants per
    meeting (over the years that give both)."""
    expected = sum(e for _, _, e in years)
    held = [h for h, _, _ in years if h is not None]
    people = [p for _, p, _ in years if p is not None]
    both = [(h, p) for h, p, _ in years if h is not None and p is not None]
    h_sum, p_sum = (sum(held) if held else None), (sum(people) if people else None)
    both_h = sum(h for h, _ in both)
    held_cov, people_cov, both_cov = (coverage(len(x), expected) for x in (held, people, both))
    return [
        (label, "Réunions des instances tenues", h_sum, "nombre", held_cov),
        (label, "Réunions prévues par la gouvernance (minimum)", planned, "nombre", ""),
        (
            label,
            "Taux de tenue des instances",
            h_sum / planned if h_sum is not None and planned else None,
            "%",
            f"partiel : {held_cov}" if held and len(held) < expected else held_cov,  # like indicator rates
        ),
        (label, "Participants aux instances", p_sum, "nombre", people_cov),
        (label, "Participants par réunion", sum(p for _, p in both) / both_h if both_h else None, "décimal", both_cov),
    ]


def question_rows(contract: pd.DataFrame, ref: Referential) -> pd.DataFrame:
    """Question -> expected effect -> indicator -> contract-level figure per year, with coverage."""
    rows: list[tuple[Any, ...]] = []
    for q in ref.questions:
        for effet in q.effets:
            if not effet.indicateurs:
                rows.append(
                    (q.code, q.libelle, effet.libelle, "", "", "", None, None, None, "", "", ", ".join(effet.calcule))
                )
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
                            None,
                            "",
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
                            r.taux_realisation,
                            r.taux_partiel,
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
        "taux_realisation",
        "taux_partiel",
        "couverture",
        "calcule",
    ]
    return pd.DataFrame(rows, columns=columns)
