"""The data of the *Synthèse* sheet (and of the report's cover): key figures with their
coverage, the signatories' financing against their own envelopes, and the chart data.

Like with like (README): what the three signatories (those with envelopes in the
contract: Région, État, CDC) obtained is compared with their own envelopes only; the
all-sources total is shown apart, with no envelope to compare it with; an envelope
that is not confirmed is marked « prévisionnelle » wherever it appears.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cess_cli.consolidation.financing import partial_mark
from cess_cli.consolidation.shared import PERIODE, coverage
from cess_cli.referential.loading import Referential

KEY_COLUMNS = ["groupe", "libelle", "valeur", "format", "couverture"]
KEY_INDICATORS = (
    "participants",
    "structures_accompagnees",
    "entreprises_creees",
    "emplois_crees",
    "emplois_consolides",
)
CHART_INDICATOR = "evenements"


def financing_coverage(fin: pd.DataFrame, years: list[int]) -> tuple[int, int]:
    """(bilans counted that declare financing, bilans expected) over `years`."""
    totals = fin[fin["axe"] == "total"].drop_duplicates("annee")
    return int(totals["bilans_declarants"].sum()), int(totals["bilans_attendus"].sum())


def signatories(fin: pd.DataFrame, ref: Referential, years: list[int]) -> pd.DataFrame:
    """Per signatory, over `years`: obtained (euros), its envelopes, their status (« confirmée »,
    « prévisionnelle », or « prévisionnelle en 2015, 2016 » for a mix), the rate obtained /
    envelope, its mark `taux_partiel` (« partiel : n / m bilans » when fewer bilans declare
    financing than are expected, as for indicator rates) and the coverage. Columns:
    financeur, libelle, montant_obtenu, enveloppe, statut_enveloppe, taux_enveloppe,
    taux_partiel, couverture."""
    n, m = financing_coverage(fin, years)
    rows: list[dict[str, Any]] = []
    for code, funder in ref.financeurs.items():
        envs = [e for e in funder.enveloppes if e.annee in years]
        if not funder.enveloppes:
            continue
        sub = fin[(fin["financeur"] == code) & (fin["axe"] == "total")]
        obtained = float(sub["montant_obtenu"].sum())
        envelope = float(sum(e.montant for e in envs))
        # the rate compares like with like: what was obtained in the years that have an envelope
        covered = float(sub[sub["annee"].isin([str(e.annee) for e in envs])]["montant_obtenu"].sum())
        rows.append(
            dict(
                financeur=code,
                libelle=funder.libelle,
                montant_obtenu=obtained,
                enveloppe=envelope if envs else None,
                statut_enveloppe=_status([e.annee for e in envs if e.previsionnel], len(envs)),
                taux_enveloppe=covered / envelope if envelope else None,
                taux_partiel=partial_mark(covered / envelope if envelope else None, n, m),
                couverture=coverage(n, m),
            )
        )
    columns = [
        "financeur",
        "libelle",
        "montant_obtenu",
        "enveloppe",
        "statut_enveloppe",
        "taux_enveloppe",
        "taux_partiel",
        "couverture",
    ]
    return pd.DataFrame(rows, columns=columns)


def _status(provisional: list[int], count: int) -> str:
    if not count:
        return ""
    if not provisional:
        return "confirmée"
    if len(provisional) == count:
        return "prévisionnelle"
    return "prévisionnelle en " + ", ".join(str(y) for y in sorted(provisional))


def events_chart(by_axis: pd.DataFrame, ref: Referential, years: list[int]) -> pd.DataFrame:
    """The data of the events chart: per axis and year, the events and their coverage, and
    the year's coverage over the chart's axes (« n / m bilans »: sums over the axes).
    Columns: axe, libelle_axe, annee, valeur (0 when nothing was counted), couverture,
    recus, attendus, couverture_annee."""
    rows = []
    for axe in ref.contrat.axes:
        for y in years:
            sel = by_axis[
                (by_axis["axe"] == axe.code) & (by_axis["indicateur"] == CHART_INDICATOR) & (by_axis["annee"] == str(y))
            ]
            value = sel["valeur"].iloc[0] if len(sel) else None
            n, m = (int(sel["recus"].iloc[0]), int(sel["attendus"].iloc[0])) if len(sel) else (0, 0)
            rows.append(
                dict(
                    axe=axe.code,
                    libelle_axe=f"Axe {axe.code}",
                    annee=str(y),
                    valeur=float(value) if value is not None and value == value else 0.0,
                    couverture=coverage(n, m),
                    recus=n,
                    attendus=m,
                )
            )
    df = pd.DataFrame(rows, columns=["axe", "libelle_axe", "annee", "valeur", "couverture", "recus", "attendus"])
    n_year = df.groupby("annee")["recus"].sum().to_dict()
    m_year = df.groupby("annee")["attendus"].sum().to_dict()
    df["couverture_annee"] = [coverage(int(n_year[y]), int(m_year[y])) for y in df["annee"]]
    return df


def key_figures_table(
    tables: dict[str, pd.DataFrame], ref: Referential, years: list[int], summary: dict[str, Any]
) -> pd.DataFrame:
    """The key figures of *Synthèse*, one row each: groupe (bilans, signataires, toutes
    sources, indicateurs), libelle, valeur, format (Excel number format), couverture
    (« n / m bilans »: bilans counted out of expected; "" for counts of bilans; for the
    signatories' rate, « partiel : n / m bilans » when it rests on fewer bilans than expected)."""
    expected = summary["attendus"]
    rows: list[tuple[str, str, Any, str, str]] = [
        ("bilans", "Bilans attendus", expected, "#,##0", ""),
        ("bilans", "Bilans reçus", summary["recu"], "#,##0", ""),
        ("bilans", "Bilans valides (comptés)", summary["valide"], "#,##0", ""),
        ("bilans", "Bilans manquants", summary["manquant"], "#,##0", ""),
        ("bilans", "Taux de complétude (bilans comptés / attendus)", summary["taux_valide"], "0.0%", ""),
    ]
    fin = tables["financements"]
    sig = signatories(fin, ref, years)
    n, m = financing_coverage(fin, years)
    names = ", ".join(sig["libelle"]) if len(sig) else ""  # labels, never codes
    obtained, envelope = float(sig["montant_obtenu"].sum()), float(sig["enveloppe"].fillna(0).sum())
    provisional = sorted(
        {e.annee for f in ref.financeurs.values() for e in f.enveloppes if e.previsionnel} & set(years)
    )
    env_label = "Enveloppes des signataires"
    if provisional:
        env_label += " (prévisionnelles : " + ", ".join(str(y) for y in provisional) + ")"
    rate = obtained / envelope if envelope else None
    rows += [
        ("signataires", f"Financements obtenus des signataires ({names})", obtained, "#,##0 €", coverage(n, m)),
        ("signataires", env_label, envelope, "#,##0 €", ""),
        (
            "signataires",
            "Taux obtenu / enveloppes des signataires",
            rate,
            "0.0%",
            partial_mark(rate, n, m) or (coverage(n, m) if rate is not None else ""),
        ),
    ]
    totals = fin[fin["axe"] == "total"]
    all_sources = float(totals["montant_obtenu"].sum()) if len(totals) else 0.0
    rows.append(
        (
            "toutes sources",
            "Financements obtenus, toutes sources (sans enveloppe à comparer)",
            all_sources,
            "#,##0 €",
            coverage(n, m),
        )
    )
    contract = tables["par_contrat"]
    col = PERIODE if len(years) > 1 else str(years[0])
    for code in KEY_INDICATORS:
        row = contract[(contract["indicateur"] == code) & (contract["annee"] == col)]
        if len(row):
            r = row.iloc[0]
            label, fmt = _label_and_format(str(r["libelle"]), str(r["unite"]))
            rows.append(("indicateurs", label, r["valeur"], fmt, str(r["couverture"])))
    return pd.DataFrame(rows, columns=KEY_COLUMNS)


def _label_and_format(label: str, unit: str) -> tuple[str, str]:
    """A key indicator's label with its unit when it is not a plain count, and the Excel
    number format that shows every figure it can hold: ETP keep one decimal (125,2 ETP
    never prints as 125), euros carry their sign."""
    if unit == "ETP":
        return f"{label} (ETP)", "#,##0.0"
    if unit == "euros":
        return label, "#,##0 €"
    if unit == "%":
        return label, "0.0%"
    return label, "#,##0"


def key_figures(table: pd.DataFrame) -> list[tuple[str, Any, str]]:
    """The key figures as (French label with its coverage, value, Excel number format)."""
    return [
        (f"{r['libelle']} ({r['couverture']})" if r["couverture"] else str(r["libelle"]), r["valeur"], str(r["format"]))
        for r in table.to_dict("records")
    ]
