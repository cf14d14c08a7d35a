"""Build the report's view from the `Evaluation`: the cover, the key figures and one chapter per
evaluative question (SPEC §6 *The COPIL report*).

Every figure is taken from the evaluation's tables (the same ones the workbook writes), never
recomputed; this module only selects, orders, labels and formats them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from cess_cli import __version__
from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.consolidation.shared import amount
from cess_cli.outputs.labels import COMPUTED, UNITS, governance_note, referential_name, year_label
from cess_cli.outputs.report import french
from cess_cli.outputs.report.anomalies import anomalies
from cess_cli.outputs.report.charts import Panel, Series, grouped_bars, panels_chart
from cess_cli.outputs.report.drawing import drawn_together
from cess_cli.outputs.report.fit import mark_keeps
from cess_cli.outputs.report.model import Block, Chapter, EffectView, FigureRow, IndicatorView, Report, Table
from cess_cli.outputs.report.sections import (
    completeness_chapter,
    financing_chapter,
    grid,
    method,
    qualitative,
    sources_table,
)
from cess_cli.referential.loading import Referential
from cess_cli.referential.schema import Question
from cess_cli.wording import EXPECTED, EXPECTEDS, count

PERIODE = "période"
PANEL_HEADING = "Valeur et cible par année, ensemble du contrat (sous l'année : bilans comptés / attendus)"
NATURE_SHORT = {"flux": "flux", "stock": "stock au 31 décembre", "ratio": "ratio"}


def build_report(ev: Evaluation, ref: Referential, today: date) -> Report:
    """The whole report of `ev` (a year or a period) as French strings, tables and SVG charts
    (drawn together, on every core: `drawing.drawn_together`)."""
    with drawn_together():  # the charts asked for below are drawn when it ends, on every core
        report = _report(ev, ref, today)
    mark_keeps(report)
    return report


def _report(ev: Evaluation, ref: Referential, today: date) -> Report:
    comp = ev.tables["completude"]
    counted, expected = (int(comp["valide"].sum()), len(comp)) if len(comp) else (0, 0)
    years, legend, rows = grid(ev, ref)
    sources, listing = sources_table(ev)
    single = len(ev.years) == 1
    return Report(
        title=f"Rapport d'évaluation {ev.label}",
        contract=ref.contrat.intitule,
        period=ev.label,
        period_text=f"Année {ev.label}" if single else f"Période {ev.label}",
        date=french.long_date(today),
        iso_date=today.isoformat(),
        coverage=f"{counted} / {count(expected, EXPECTED, EXPECTEDS)}",
        cess_version=__version__,
        referential_hash=ref.digest,
        referential_folder=referential_name(ref, short=True),
        key_figures=_key_figures(ev),
        key_note=(
            "Chaque chiffre indique sur combien de bilans il repose (bilans comptés / bilans attendus) : "
            "un total partiel n'est pas un total complet."
        ),
        chapters=[_question(ev, ref, q, i) for i, q in enumerate(ref.questions, start=1)],
        financing=financing_chapter(ev, ref, len(ref.questions) + 1),
        completeness=completeness_chapter(ev, ref, len(ref.questions) + 2),
        grid_years=years,
        grid=rows,
        legend=legend,
        anomalies=anomalies(ev, ref),
        qualitative=qualitative(ev, ref),
        method=method(ev, ref),
        sources=sources,
        sources_listing=listing,
    )


def _key_figures(ev: Evaluation) -> list[tuple[str, str, str]]:
    """The key figures of *Synthèse* (label, French figure, coverage « n / m bilans » or "");
    from the evaluation's `chiffres_cles` table, else from `Evaluation.key_figures`."""
    table = ev.tables.get("chiffres_cles")
    if table is not None and {"libelle", "valeur", "format", "couverture"} <= set(table.columns):
        return [
            (str(r["libelle"]), french.by_excel_format(r["valeur"], str(r["format"])), str(r["couverture"] or ""))
            for r in table.to_dict("records")
        ]
    return [(label, french.by_excel_format(value, fmt), "") for label, value, fmt in ev.key_figures]


def _question(ev: Evaluation, ref: Referential, q: Question, number: int) -> Chapter:
    contract = ev.tables["par_contrat"]
    chapter = Chapter(anchor=f"q{number}", number=str(number), title=q.libelle, precision=q.precision)
    for k, effet in enumerate(q.effets, start=1):
        indicators, panels = [], []
        for code in effet.indicateurs:
            rows = contract[contract["indicateur"] == code]
            ind = ref.indicateurs[code]
            indicators.append(
                IndicatorView(
                    ind.libelle, UNITS.get(ind.unite, ind.unite), NATURE_SHORT[ind.nature], _figures(rows, ev)
                )
            )
            yearly = rows[rows["annee"] != PERIODE]
            if len(yearly):
                panels.append(
                    Panel(
                        label=ind.libelle,
                        unit=ind.unite,
                        years=[str(a) for a in yearly["annee"]],
                        values=list(yearly["valeur"]),
                        targets=list(yearly["cible"]),
                        coverage=[(int(r), int(m)) for r, m in zip(yearly["recus"], yearly["attendus"], strict=True)],
                    )
                )
        chart = (
            panels_chart(
                f"q{number}e{k}", f"{effet.libelle} : valeurs et cibles par année", panels, heading=PANEL_HEADING
            )
            if panels
            else None
        )
        chapter.effects.append(
            EffectView(
                effet.libelle, indicators, chart, [COMPUTED[c] for c in effet.calcule], effet.mesure_indirecte or ""
            )
        )
    if q.effets and any("territoires" in e.calcule for e in q.effets):
        chapter.blocks.append(_territories(ev, ref, f"q{number}t"))
    if any("completude" in e.calcule for e in q.effets):
        chapter.blocks.append(_governance(ev, ref, f"q{number}g"))
    return chapter


def _figures(rows: pd.DataFrame, ev: Evaluation) -> list[FigureRow]:
    """The year rows and the period row of one contract-level indicator."""
    out = []
    for r in rows.to_dict("records"):
        unit = str(r["unite"])
        some = int(r["recus"]) < int(r["attendus"])
        partial = some and french.is_number(r["taux_realisation"])
        # a ratio on part of the bilans is itself partial (70,7 % from one action of two)
        partial_ratio = some and r["nature"] == "ratio" and french.is_number(r["valeur"])
        period = r["annee"] == PERIODE
        out.append(
            FigureRow(
                annee=year_label(r["annee"], ev.label),
                valeur=french.by_unit(r["valeur"], unit) + (" partiel" if partial_ratio else ""),
                cible=french.by_unit(r["cible"], unit),
                taux=french.percent(r["taux_realisation"]) + (" partiel" if partial else ""),
                couverture=str(r["couverture"]),
                rule=_rule(str(r["regle_cible"] or ""), str(r["nature"])) if period else "",
                partial=partial,
                period=period,
            )
        )
    return out or [FigureRow("—", "—", "—", "—", "aucun bilan attendu")]


def _rule(rule: str, nature: str) -> str:
    """The period target's rule without the kind the indicator cell already shows."""
    return rule[len(nature) + 3 :] if rule.startswith(f"{nature} : ") else rule


def _with_unit(label: str, unit: str) -> str:
    """An indicator's label with the unit its bare figures are in: « Emplois consolidés (ETP) »
    (euros and % carry theirs, a count needs none)."""
    return f"{label} (ETP)" if unit == "ETP" else label


def _territories(ev: Evaluation, ref: Referential, chart_id: str) -> Block:
    """Q3: the département breakdown of the territorial indicators and the QPV / ZRR shares."""
    ter = ev.tables["territoires"]
    key = PERIODE if len(ev.years) > 1 else str(ev.years[0])
    sub = ter[ter["annee"] == key]
    codes = [c for c in ref.indicateurs if c in set(sub["indicateur"])]
    deps = [d for d in ref.contrat.departements if d.code in set(sub["departement"])]
    extra = sorted(set(sub["departement"]) - {d.code for d in deps})
    names = [f"{d.code} {d.libelle}" for d in deps] + [("Hors Rhône-Alpes" if c == "HORS_RA" else c) for c in extra]
    order = [d.code for d in deps] + extra
    cell = {(r["departement"], r["indicateur"]): r for r in sub.to_dict("records")}
    units = {c: ref.indicateurs[c].unite for c in codes}
    by_dep = Table(
        headers=["Département", *[_with_unit(ref.indicateurs[c].libelle, units[c]) for c in codes]],
        rows=[
            [name, *[french.by_unit(cell[(d, c)]["valeur"] if (d, c) in cell else None, units[c]) for c in codes]]
            for name, d in zip(names, order, strict=True)
        ],
        numeric=set(range(1, len(codes) + 1)),
        caption=f"Répartition par département ({year_label(key, ev.label).lower()})",
    )
    if "couverture" in sub:
        first = {c: str(sub[sub["indicateur"] == c]["couverture"].iloc[0]) for c in codes}
        by_dep.rows.append(["Couverture", *[first[c] for c in codes]])
        by_dep.row_classes = [""] * (len(by_dep.rows) - 1) + ["coverage"]
    zones = Table(
        headers=["Indicateur", "Total", "Dont QPV", "Part QPV", "Dont ZRR", "Part ZRR"],
        rows=[],
        numeric={1, 2, 3, 4, 5},
        caption="Zones prioritaires : quartiers de la politique de la ville (QPV), zones de revitalisation rurale (ZRR)",
        note="Part = dont QPV (ou ZRR) / total des départements.",
    )
    for c in codes:
        rows = sub[sub["indicateur"] == c]
        total, qpv, zrr = (amount(rows[k]) for k in ("valeur", "dont_qpv", "dont_zrr"))  # none given: « — »
        u = units[c]
        zones.rows.append(
            [
                _with_unit(ref.indicateurs[c].libelle, u),
                french.by_unit(total, u),
                french.by_unit(qpv, u),
                french.percent(qpv / total if total and qpv is not None else None),
                french.by_unit(zrr, u),
                french.percent(zrr / total if total and zrr is not None else None),
            ]
        )
    charts = []
    main = next((c for c in ("structures_accompagnees", *codes) if c in codes), None)
    if main:
        series = [
            Series("Total", [cell[(d, main)]["valeur"] if (d, main) in cell else None for d in order]),
            Series(
                "dont QPV",
                [cell[(d, main)]["dont_qpv"] if (d, main) in cell else None for d in order],
                "#c9d6e8",
                "///",
            ),
            Series(
                "dont ZRR",
                [cell[(d, main)]["dont_zrr"] if (d, main) in cell else None for d in order],
                "white",
                "\\\\\\",
            ),
        ]
        title = (
            f"{ref.indicateurs[main].libelle} par département, dont QPV et ZRR ({year_label(key, ev.label).lower()})"
        )
        charts.append(
            grouped_bars(chart_id, title, names, series, units[main], horizontal=True, height=4.2, value_labels=False)
        )
    return Block(
        title="Ventilation par département et zones prioritaires",
        intro="Les chiffres par département viennent de la feuille Territoires des bilans comptés.",
        tables=[by_dep, zones],
        charts=charts,
    )


def _governance(ev: Evaluation, ref: Referential, chart_id: str) -> Block:
    """Q4: instances held against planned, participation, and the completeness of the bilans."""
    q4 = ev.tables["q4"]
    formats = {"%": french.percent, "décimal": lambda v: french.number(v, 1)}
    columns = list(dict.fromkeys(str(a) for a in q4["annee"]))
    table = Table(
        headers=[
            "Chiffre calculé par cess",
            *[year_label(c, ev.label) if c != ev.label else f"Période {c}" for c in columns],
        ],
        rows=[],
        numeric=set(range(1, len(columns) + 1)),
        note=governance_note(ref),
    )
    table.headers.append("Couverture")
    for chiffre in dict.fromkeys(q4["chiffre"]):
        sub = q4[q4["chiffre"] == chiffre]
        fmt: Any = formats.get(str(sub["format"].iloc[0]), french.number)
        got = dict(zip(sub["annee"].astype(str), sub["valeur"], strict=True))
        covers = dict(zip(sub["annee"].astype(str), sub["couverture"], strict=True)) if "couverture" in sub else {}
        shown = [c for c in columns if covers.get(c)]
        # the coverage of the whole row: the period's (bilans counted over expected across it)
        cover = str(covers.get(ev.label) or "") or (
            str(covers[shown[0]])
            if len({covers[c] for c in shown}) == 1
            else " ; ".join(f"{c} : {covers[c]}" for c in shown)
        )
        table.rows.append([str(chiffre), *[fmt(got[c]) if c in got else "" for c in columns], cover])
    years = [str(y) for y in ev.years]

    def series(label: str) -> list[float | None]:
        sel = q4[q4["chiffre"] == label]
        found = dict(zip(sel["annee"].astype(str), sel["valeur"], strict=True))
        return [found.get(y) for y in years]

    held, planned = series("Réunions des instances tenues"), series("Réunions prévues par la gouvernance (minimum)")
    panel = Panel(
        "Réunions des instances du contrat", "nombre", years, held, planned, [], "Tenues", "Prévues (minimum)"
    )
    chart = panels_chart(chart_id, "Réunions des instances du contrat tenues et prévues par année", [panel])
    return Block(
        title="Gouvernance et suivi : chiffres calculés par cess",
        intro="Le chapitre « Complétude des bilans » détaille, action par action, les bilans reçus, à l'heure et valides.",
        tables=[table],
        charts=[chart],
    )
