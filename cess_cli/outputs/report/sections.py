"""Build the report's thematic parts from the `Evaluation`: financing against the envelopes,
completeness (grid and chart), the qualitative bilans, the method annex.

Figures come from the evaluation's tables (those the workbook writes); nothing is recomputed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cess_cli import __version__
from cess_cli.consolidation.completeness import summarise
from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.consolidation.financing import NOT_FIXED
from cess_cli.consolidation.shared import amount
from cess_cli.outputs.labels import COMPLETUDE_SUMMARY, axis_label, referential_name
from cess_cli.outputs.report import french
from cess_cli.outputs.report.charts import DARK, MID, Series, grouped_bars
from cess_cli.outputs.report.model import (
    ActionTexts,
    Block,
    Chapter,
    GridCell,
    GridRow,
    Table,
)
from cess_cli.outputs.safety import clean_text
from cess_cli.referential.loading import Referential

PREV = "prévisionnelle"
CELLS = {
    "valide": GridCell("●", "valide", "ok"),
    "retard": GridCell("◐", "valide, en retard", "late"),
    "invalide": GridCell("✕", "invalide", "bad"),
    "conflit": GridCell("✕", "en conflit", "bad"),
    "manquant": GridCell("○", "manquant", "missing"),
    "hors": GridCell("", "non attendu", "none"),
}


def financing_chapter(ev: Evaluation, ref: Referential, number: int) -> Chapter:
    """Financing obtained (declared by the counted bilans) against each signatory's envelope per
    year, prévisionnelle envelopes marked; then by axis and by funder."""
    fin = ev.tables["financements"]
    total = fin[fin["axe"] == "total"]
    signatories = [code for code, f in ref.financeurs.items() if f.enveloppes]
    years = [str(y) for y in ev.years]
    env_table = Table(
        headers=[
            "Signataire",
            "Année",
            "Enveloppe du contrat",
            "Statut",
            "Obtenu (bilans)",
            "Obtenu / enveloppe",
            "Couverture",
        ],
        rows=[],
        numeric={2, 4, 5},
        caption="Financements obtenus par les actions, comparés à l'enveloppe de chaque signataire",
        note=envelope_note(ref, ev.years),
    )
    cats, obtained, envelopes = [], [], []
    for code in signatories:
        for y in years:
            r = _first(total[(total["financeur"] == code) & (total["annee"] == y)])
            status = str(r.get("statut_enveloppe") or "") if r else ""
            env_table.rows.append(
                [
                    ref.libelle_financeur(code) if y == years[0] else "",  # named once per signatory
                    y,
                    french.euros(r.get("enveloppe") if r else None),
                    status or "—",
                    french.euros(r.get("montant_obtenu") if r else None),
                    _rate(r),
                    str(r.get("couverture") or "") if r else "",
                ]
            )
            env_table.row_classes.append("")
            mark = {PREV: " (prév.)", NOT_FIXED: " (non fixée)"}.get(status, "")
            cats.append(f"{ref.libelle_financeur(code)} {y}{mark}")
            obtained.append(r.get("montant_obtenu") if r else None)
            envelopes.append(r.get("enveloppe") if r else None)
        _period_row(env_table, ev, code)
    chart = grouped_bars(
        f"f{number}",
        f"Financements obtenus et enveloppes des signataires ({ev.label})",
        cats,
        [
            Series("Obtenu (déclaré par les bilans comptés)", obtained),
            Series("Enveloppe du contrat", envelopes, "white", ""),
        ],
        "euros",
        horizontal=True,
        height=1.0 + 0.42 * len(cats),
    )
    blocks = [
        Block("Enveloppes des signataires", tables=[env_table], charts=[chart]),
        Block("Par axe et par financeur", tables=[_by_axis(fin, ref, ev.label), _by_funder(total, years)]),
    ]
    return Chapter(
        anchor="financements",
        number=str(number),
        title="Financements",
        intro="Montants déclarés dans la feuille Financements des bilans comptés, en euros.",
        blocks=blocks,
    )


def envelope_note(ref: Referential, years: list[int]) -> str:
    """The note under the envelopes table, from the referential: which envelopes are only
    prévisionnelles (the contract's own words: « montant prévisionnel », renewed « sous
    réserve »), which years a signatory has no amount fixed for, and what « partiel » means."""
    provisional, unfixed = [], []
    for f in ref.financeurs.values():
        if not f.enveloppes:
            continue
        prov = [e.annee for e in f.enveloppes if e.previsionnel and e.annee in years]
        if prov:
            provisional.append(f"{f.libelle} {', '.join(map(str, prov))}")
        missing = [y for y in years if y not in {e.annee for e in f.enveloppes}]
        if missing:
            unfixed.append(f"{f.libelle} {', '.join(map(str, missing))}")
    parts = []
    if provisional:
        parts.append(
            "Une enveloppe « prévisionnelle » n'est pas encore confirmée par le contrat ("
            + " ; ".join(provisional)
            + ")."
        )
    if unfixed:
        parts.append(
            "Pas de montant fixé par le contrat ("
            + " ; ".join(unfixed)
            + ") : ces années n'ont pas d'enveloppe, et le taux de la période ne compare que les années qui en ont une."
        )
    parts.append(
        "Couverture : bilans comptés qui déclarent des financements / bilans attendus ; un taux qui "
        "repose sur une partie des bilans attendus est marqué « partiel »."
    )
    return " ".join(parts)


def _period_row(table: Table, ev: Evaluation, code: str) -> None:
    """The signatory's whole period, from the evaluation's `signataires` table (like with like:
    the rate compares what was obtained in the years that have an envelope)."""
    sig = ev.tables.get("signataires")
    if len(ev.years) < 2 or sig is None or not len(sig[sig["financeur"] == code]):
        return
    r = _first(sig[sig["financeur"] == code]) or {}
    table.rows.append(
        [
            "",
            f"Période {ev.label}",
            french.euros(r.get("enveloppe")),
            str(r.get("statut_enveloppe") or "—"),
            french.euros(r.get("montant_obtenu")),
            _rate(r),
            str(r.get("couverture") or ""),
        ]
    )
    table.row_classes.append("period")


def _rate(r: dict[str, Any] | None) -> str:
    """The rate obtained / envelope in French, « partiel » when it rests on fewer bilans than
    expected (the mark indicator rates get)."""
    if not r:
        return french.percent(None)
    return french.percent(r.get("taux_enveloppe")) + (" partiel" if r.get("taux_partiel") else "")


def _first(df: pd.DataFrame) -> dict[str, Any] | None:
    return {str(k): v for k, v in df.iloc[0].items()} if len(df) else None


def _year_coverage(total: pd.DataFrame) -> str:
    """« Couverture … : 2014 : 19 / 21 bilans ; … » — the bilans counted that declare
    financing, out of those expected, per year (the same for every funder of a year)."""
    years = total.drop_duplicates("annee")
    listed = " ; ".join(f"{a} : {c}" for a, c in zip(years["annee"], years["couverture"], strict=True))
    return f"Couverture (bilans comptés qui déclarent des financements / bilans attendus) : {listed}."


def _by_axis(fin: pd.DataFrame, ref: Referential, label: str) -> Table:
    lines = fin[fin["axe"] != "total"]
    axes = [a.code for a in ref.contrat.axes if a.code in set(lines["axe"])]
    axes += sorted(set(lines["axe"]) - set(axes))
    table = Table(
        headers=["Financeur", *[("Transversal" if a == "transversal" else f"Axe {a}") for a in axes]],
        rows=[],
        numeric=set(range(1, len(axes) + 1)),
        caption="Financements obtenus par axe, " + ("toutes années de la période" if "-" in label else label),
        note=" ; ".join(axis_label(ref, a) for a in axes) + ". " + _year_coverage(fin[fin["axe"] == "total"]),
    )
    for code in dict.fromkeys(lines["financeur"]):
        sub = lines[lines["financeur"] == code]
        # a declared 0 € is a figure (« 0 € »); an axis whose amounts are all blank has none (« — »)
        got = [amount(sub.loc[sub["axe"] == a, "montant_obtenu"]) for a in axes]
        if all(v is None for v in got):
            continue  # no figure at all: no row
        table.rows.append([ref.libelle_financeur(code), *[french.euros(v) for v in got]])
    return table


def _by_funder(total: pd.DataFrame, years: list[str]) -> Table:
    table = Table(
        headers=["Financeur", *[f"Obtenu {y}" for y in years]],
        rows=[],
        numeric=set(range(1, len(years) + 1)),
        caption="Financements obtenus par financeur et par année (toutes sources)",
        note=_year_coverage(total),
    )
    for code in dict.fromkeys(total["financeur"]):
        sub = total[total["financeur"] == code]
        got = dict(zip(sub["annee"].astype(str), sub["montant_obtenu"], strict=True))
        if not any(french.is_number(got.get(y)) for y in years):
            continue  # no figure in any year (0 € is one): no row
        table.rows.append([str(sub["libelle"].iloc[0]), *[french.euros(got.get(y)) for y in years]])
    return table


def _state(r: dict[Any, Any]) -> str:
    if r["etat"] == "valide":
        on_time = r.get("version_comptee_a_l_heure", r.get("a_l_heure"))  # the counted version's date
        return "retard" if on_time is not None and on_time == on_time and not on_time else "valide"
    return str(r["etat"]) if r["etat"] in CELLS else "invalide"


def grid(ev: Evaluation, ref: Referential) -> tuple[list[str], list[GridCell], list[GridRow]]:
    """The action × year completeness grid: (years, legend, rows). Each cell is a symbol and
    a word, so it reads in black and white and without colour vision."""
    comp = ev.tables["completude"]
    years = [str(y) for y in ev.years]
    by_key = {(r["code_action"], str(r["annee"])): r for r in comp.to_dict("records")}
    rows = []
    for code, action in ref.actions.items():
        cells = [CELLS[_state(by_key[(code, y)])] if (code, y) in by_key else CELLS["hors"] for y in years]
        rows.append(GridRow(code, action.libelle, cells))
    legend = [CELLS[k] for k in ("valide", "retard", "invalide", "conflit", "manquant")]
    return years, legend, rows


def completeness_chapter(ev: Evaluation, ref: Referential, number: int) -> Chapter:
    """Totals per year and the state of the bilans per year as a stacked chart (the grid is
    rendered by the template)."""
    comp = ev.tables["completude"]
    years = [str(y) for y in ev.years]
    cols = years + ([f"Période {ev.label}"] if len(years) > 1 else [])
    table = Table(headers=["", *cols], rows=[], numeric=set(range(1, len(cols) + 1)), caption="Bilans par année")
    per_year = [summarise(comp[comp["annee"].astype(str) == y] if len(comp) else comp) for y in years]
    period = summarise(comp)
    table.rows.append(["Bilans attendus", *(str(t["attendus"]) for t in per_year)])
    if len(years) > 1:
        table.rows[-1].append(str(period["attendus"]))
    for key, label in COMPLETUDE_SUMMARY:
        cells = [f"{t[key]} / {t['attendus']}" for t in per_year]
        if len(years) > 1:
            cells.append(f"{period[key]} / {period['attendus']} ({french.percent(period[f'taux_{key}'])})")
        table.rows.append([label, *cells])
    states = {k: [0] * len(years) for k in ("valide", "retard", "invalide", "manquant")}
    for r in comp.to_dict("records"):
        s = _state(r)
        states["invalide" if s == "conflit" else s][years.index(str(r["annee"]))] += 1
    series = [
        Series("Valides, à l'heure", list(map(float, states["valide"])), DARK),
        Series("Valides, en retard", list(map(float, states["retard"])), MID, "///"),
        Series("Invalides ou en conflit", list(map(float, states["invalide"])), "white", "xxx"),
        Series("Manquants", list(map(float, states["manquant"])), "white", ""),
    ]
    chart = grouped_bars(
        f"c{number}",
        "État des bilans attendus par année",
        years,
        series,
        "nombre",
        stacked=True,
        axis_label="bilans attendus",
        height=2.8,
    )
    return Chapter(
        anchor="completude",
        number=str(number),
        title="Complétude des bilans",
        intro=(
            "Pour chaque action et chaque année : le bilan est-il arrivé, à l'heure, et compte-t-il ? "
            "Un bilan invalide ou manquant n'est jamais compté dans les chiffres."
        ),
        blocks=[Block("Bilans reçus, à l'heure et valides", tables=[table], charts=[chart])],
    )


def qualitative(ev: Evaluation, ref: Referential) -> list[ActionTexts]:
    """The qualitative bilans per action: rubriques × years, each text whole (cleaned of control
    characters; escaping is the template's), and the source file of each year."""
    table = ev.tables.get("qualitatif")
    out: list[ActionTexts] = []
    if table is None or not len(table):
        return out
    rubriques = [(r.code, r.libelle) for r in ref.contrat.rubriques_qualitatives]
    for code in dict.fromkeys(table["code_action"]):
        sub = table[table["code_action"] == code]
        years = [str(a) for a in dict.fromkeys(sub["annee"])]
        text = {  # the operator's words as written: no typography of ours (french.Verbatim)
            (str(r["annee"]), str(r["rubrique"])): french.Verbatim(clean_text(str(r["texte"])))
            for r in sub.to_dict("records")
        }
        files = {str(r["annee"]): str(r["fichier"]) for r in sub.to_dict("records")}
        rows = [
            (label, [text.get((y, rub), "—") for y in years])
            for rub, label in rubriques
            if any((y, rub) in text for y in years)
        ]
        first = sub.iloc[0]
        out.append(
            ActionTexts(
                str(code),
                str(first["libelle_action"]),
                axis_label(ref, str(first["axe"])),
                years,
                rows,
                [files[y] for y in years],
            )
        )
    return out


def method(ev: Evaluation, ref: Referential) -> list[tuple[str, str]]:
    """The method annex: how figures are aggregated, what coverage and targets mean."""
    return [
        (
            "Bilans comptés",
            "Pour chaque action et chaque année, seule la version la plus récente d'un bilan compte, "
            "et seulement si elle est valide. Une copie identique d'un fichier ne compte qu'une fois ; deux fichiers "
            "différents de même version sont en conflit et aucun ne compte.",
        ),
        (
            "Flux",
            "Un flux (nombre d'événements de l'année : participants, entreprises créées…) est additionné sur les "
            "actions et sur les années.",
        ),
        (
            "Stock",
            "Un stock (niveau au 31 décembre : PTCE actifs, collectivités engagées…) est additionné sur les actions "
            "pour une année ; sur la période, c'est la valeur de la dernière année, jamais la somme des années.",
        ),
        (
            "Sommes d'actions",
            "Un chiffre d'axe ou du contrat additionne ce que déclare chaque action : une même structure, "
            "collectivité ou personne suivie par deux actions y compte deux fois. « Structures accompagnées » ou "
            "« collectivités engagées » sont donc des accompagnements et des engagements par action, non des "
            f"structures ou des collectivités distinctes (le contrat compte {len(ref.collectivites)} collectivités "
            "partenaires).",
        ),
        (
            "Ratio",
            "Un ratio (taux de sorties positives) est toujours la somme des numérateurs divisée par la somme des "
            "dénominateurs des bilans qui donnent les deux, jamais une moyenne de ratios.",
        ),
        (
            "Couverture",
            "« 18 / 21 bilans » : le chiffre repose sur 18 bilans comptés sur 21 attendus. Un taux de "
            "réalisation qui repose sur une partie des bilans attendus est marqué « partiel ».",
        ),
        (
            "Cibles",
            "La cible d'une année est la somme des cibles des actions. La cible de la période est celle du "
            "référentiel quand il en donne une ; sinon la somme des cibles annuelles pour un flux, la cible de la dernière "
            "année pour un stock. La colonne « Règle de la cible » dit laquelle. Taux de réalisation = valeur / cible.",
        ),
        (
            "Anomalies",
            "Cumul de la période comparé aux bilans annuels ; variations de plus de ×3 ou moins de ÷3 d'une "
            "année sur l'autre (ou d'une valeur positive à zéro, ou l'inverse), valeurs à plus de ×2 ou moins de ÷2 "
            "de la cible, sans commentaire du porteur ; un cumul qui ne peut être vérifié (une année manque) est signalé.",
        ),
        (
            "Outil",
            f"cess {__version__}, {referential_name(ref)} (empreinte SHA-256 "
            f"{ref.digest}). Les chiffres sont ceux que donne le classeur evaluation_{ev.label}.xlsx "
            f"(cess consolidate {ev.label}, ou cess batch) à partir des mêmes bilans.",
        ),
    ]


LISTING_FROM = 150  # sources: a table up to this many files, a fixed-width listing beyond


def sources_table(ev: Evaluation) -> tuple[Table, str]:
    """Every bilan of the period: file, action, year, version, date, status, the first 12
    hexadecimal digits of its SHA-256, counted or why not. Returns the table and, beyond
    `LISTING_FROM` files, the same rows as a fixed-width text listing (the PDF renderer lays
    out a thousand-row table in seconds, a listing in a fraction of one)."""
    rows = []
    for s in ev.sources:  # already in the referential's order (ANIM, axes I, II, III), then year, version
        rows.append(
            [
                s.name,
                s.action or "—",
                str(s.annee or "—"),
                str(s.version or "—"),
                french.short_date(s.date_transmission),
                s.statut or "—",
                (s.sha256 or "")[:12] or "—",
                "oui" if s.retenu else f"non : {s.motif.removesuffix(' : non compté')}" if s.motif else "non",
            ]
        )
    table = Table(
        headers=["Fichier", "Action", "Année", "Version", "Transmis le", "Statut", "SHA-256 (début)", "Compté"],
        rows=rows,
        numeric={2, 3},
        caption=f"Sources : les {len(rows)} fichiers lus pour cette période",
    )
    if len(rows) <= LISTING_FROM:
        return table, ""
    widths = [max(len(r[i]) for r in [table.headers, *rows]) for i in range(len(table.headers) - 1)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in [table.headers, *rows]
    ]
    return table, "\n".join(clean_text(line).rstrip() for line in lines)
