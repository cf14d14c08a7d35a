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

from cess_cli.consolidation.financing import NOT_FIXED, partial_mark
from cess_cli.consolidation.shared import PERCENT_FORMAT, PERIODE, amount, coverage
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
    """Per signatory, over `years`: obtained (euros, every year), its envelopes (the years the
    contract fixes one), their status (« confirmée », « prévisionnelle », « prévisionnelle en
    2015, 2016 » for a mix; with a year the contract sets no amount for, each kind with its
    years: « confirmée en 2014 ; non fixée par le contrat en 2015, 2016 »), what was obtained
    in the years that have an envelope (`obtenu_compare`, euros: the rate compares like with
    like), the rate obtained / envelope, its mark `taux_partiel` (« partiel : n / m bilans »
    when fewer bilans declare financing than are expected, as for indicator rates), the
    years without an envelope (`annees_non_fixees`, « 2015, 2016 » or "") and the coverage.
    Columns: financeur, libelle, montant_obtenu, enveloppe, statut_enveloppe, obtenu_compare,
    taux_enveloppe, taux_partiel, annees_non_fixees, couverture."""
    n, m = financing_coverage(fin, years)
    rows: list[dict[str, Any]] = []
    for code, funder in ref.financeurs.items():
        envs = [e for e in funder.enveloppes if e.annee in years]
        if not funder.enveloppes:
            continue
        sub = fin[(fin["financeur"] == code) & (fin["axe"] == "total")]
        obtained = amount(sub["montant_obtenu"])
        envelope = float(sum(e.montant for e in envs))
        covered = amount(sub[sub["annee"].isin([str(e.annee) for e in envs])]["montant_obtenu"])
        missing = [y for y in years if y not in {e.annee for e in envs}]
        rate = covered / envelope if envelope and covered is not None else None
        rows.append(
            dict(
                financeur=code,
                libelle=funder.libelle,
                montant_obtenu=obtained,
                enveloppe=envelope if envs else None,
                statut_enveloppe=_status(
                    [e.annee for e in envs if not e.previsionnel], [e.annee for e in envs if e.previsionnel], missing
                ),
                obtenu_compare=covered,
                taux_enveloppe=rate,
                taux_partiel=partial_mark(rate, n, m),
                annees_non_fixees=_years(missing),
                couverture=coverage(n, m),
            )
        )
    return pd.DataFrame(rows, columns=SIGNATORY_COLUMNS)


SIGNATORY_COLUMNS = [
    "financeur",
    "libelle",
    "montant_obtenu",
    "enveloppe",
    "statut_enveloppe",
    "obtenu_compare",
    "taux_enveloppe",
    "taux_partiel",
    "annees_non_fixees",
    "couverture",
]


def _years(years: list[int]) -> str:
    return ", ".join(str(y) for y in sorted(years))


def _status(confirmed: list[int], provisional: list[int], missing: list[int]) -> str:
    """The status of a signatory's envelopes over a period (see `signatories`)."""
    if not missing:
        if not provisional:
            return "confirmée" if confirmed else ""
        return "prévisionnelle" if not confirmed else f"prévisionnelle en {_years(provisional)}"
    kinds = [("confirmée", confirmed), ("prévisionnelle", provisional), (NOT_FIXED, missing)]
    present = [(word, ys) for word, ys in kinds if ys]
    if len(present) == 1:
        return present[0][0]
    return " ; ".join(f"{word} en {_years(ys)}" for word, ys in present)


def events_chart(by_axis: pd.DataFrame, ref: Referential, years: list[int]) -> pd.DataFrame:
    """The data of the events chart: per axis and year (then « Transversal », the actions
    outside the axes, the animation's, when one lists events: every event of the contract
    is in the chart), the events and their coverage, and the year's coverage over the
    chart's axes (« n / m bilans »: sums over the axes).
    Columns: axe, libelle_axe, annee, valeur (None when nothing was counted: no bar), couverture,
    recus, attendus, couverture_annee."""
    rows = []
    axes = [(a.code, f"Axe {a.code}") for a in ref.contrat.axes]
    if any(a.axe is None and any(ia.code == CHART_INDICATOR for ia in a.indicateurs) for a in ref.actions.values()):
        axes.append(("transversal", "Transversal"))  # the animation's own events (ANIM): every event is shown
    for axe_code, axe_label in axes:
        for y in years:
            sel = by_axis[
                (by_axis["axe"] == axe_code) & (by_axis["indicateur"] == CHART_INDICATOR) & (by_axis["annee"] == str(y))
            ]
            value = sel["valeur"].iloc[0] if len(sel) else None
            n, m = (int(sel["recus"].iloc[0]), int(sel["attendus"].iloc[0])) if len(sel) else (0, 0)
            rows.append(
                dict(
                    axe=axe_code,
                    libelle_axe=axe_label,
                    annee=str(y),
                    valeur=float(value) if value is not None and value == value else None,
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


def envelope_labels(sig: pd.DataFrame, ref: Referential, years: list[int]) -> tuple[str, str]:
    """The labels of the key figures « Enveloppes des signataires » and « Taux obtenu /
    enveloppes des signataires »: each signatory whose envelope is only prévisionnelle, with
    its years (« Etat 2014, 2015, 2016 ; Région Rhône-Alpes 2015, 2016 »), and the
    signatories with years the contract fixes no amount for (their financing of those years
    is left out of the rate, which compares like with like)."""
    provisional = [
        f"{f.libelle} {_years(held)}"
        for f in ref.financeurs.values()
        if (held := [e.annee for e in f.enveloppes if e.previsionnel and e.annee in years])
    ]
    notes = []
    if provisional:  # each signatory named: the Etat's 2014 is not the Région's
        notes.append("prévisionnelles : " + " ; ".join(provisional))
    unfixed = [f"{r['libelle']} {r['annees_non_fixees']}" for _, r in sig.iterrows() if r["annees_non_fixees"]]
    if unfixed:
        notes.append("non fixées par le contrat : " + ", ".join(unfixed))
    env_label = "Enveloppes des signataires" + (f" ({' ; '.join(notes)})" if notes else "")
    rate_label = "Taux obtenu / enveloppes des signataires"
    if unfixed:
        rate_label += " (années dont l'enveloppe est fixée)"
    return env_label, rate_label


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
        (
            "bilans",
            "Bilans reçus mais non comptés (invalides ou en conflit)",
            summary["recu"] - summary["valide"],
            "#,##0",
            "",
        ),
        ("bilans", "Bilans manquants", summary["manquant"], "#,##0", ""),
        ("bilans", "Taux de complétude (bilans comptés / attendus)", summary["taux_valide"], PERCENT_FORMAT, ""),
    ]
    fin = tables["financements"]
    sig = signatories(fin, ref, years)
    n, m = financing_coverage(fin, years)
    names = ", ".join(sig["libelle"]) if len(sig) else ""  # labels, never codes
    obtained, envelope = amount(sig["montant_obtenu"]), amount(sig["enveloppe"])
    compared = amount(sig["obtenu_compare"])
    env_label, rate_label = envelope_labels(sig, ref, years)
    rate = compared / envelope if envelope and compared is not None else None
    rows.append(("signataires", f"Financements obtenus des signataires ({names})", obtained, "#,##0 €", coverage(n, m)))
    if compared != obtained and compared is not None:  # the rate's numerator, printed: a reader checks it
        label = "dont obtenus les années à enveloppe fixée (comparés aux enveloppes)"
        rows.append(("signataires", label, compared, "#,##0 €", coverage(n, m)))
    rows += [
        ("signataires", env_label, envelope, "#,##0 €", ""),
        (
            "signataires",
            rate_label,
            rate,
            PERCENT_FORMAT,
            partial_mark(rate, n, m) or (coverage(n, m) if rate is not None else ""),
        ),
    ]
    totals = fin[fin["axe"] == "total"]
    all_sources = amount(totals["montant_obtenu"])
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
        return label, PERCENT_FORMAT
    return label, "#,##0"


def key_figures(table: pd.DataFrame) -> list[tuple[str, Any, str]]:
    """The key figures as (French label with its coverage, value, Excel number format)."""
    return [
        (f"{r['libelle']} ({r['couverture']})" if r["couverture"] else str(r["libelle"]), r["valeur"], str(r["format"]))
        for r in table.to_dict("records")
    ]
