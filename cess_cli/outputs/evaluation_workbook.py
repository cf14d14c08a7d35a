"""Write the evaluation workbook (French, for the COPIL) and the tidy CSV.

Every sheet has a frozen, filterable header row, French number formats and
readable widths; every text cell goes through `safety.set_cell`, so text coming
from bilans is never written as a formula. Files are written atomically.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.consolidation.shared import PERIODE
from cess_cli.consolidation.tidy import TIDY_COLUMNS
from cess_cli.outputs.atomic import atomic_path, save_workbook
from cess_cli.outputs.safety import csv_text, set_cell
from cess_cli.referential.loading import Referential

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
TITLE_FONT = Font(bold=True, size=14)
INT, DEC, EUR, PCT = "#,##0", "#,##0.0", "#,##0 €", "0.0%"
UNIT_FORMAT = {"nombre": INT, "ETP": DEC, "euros": EUR, "%": PCT}


@dataclass(frozen=True)
class Col:
    title: str
    key: str
    fmt: str | None = None
    width: int = 14


def _value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


def write_table(
    ws: Worksheet, rows: Sequence[dict[str, Any]], cols: Sequence[Col], start: int = 1, unit_key: str | None = None
) -> int:
    """Header + rows from `start`; frozen header, filter, formats. Returns the next free row."""
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=start, column=j)
        set_cell(cell, col.title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(j)].width = col.width
    for i, row in enumerate(rows, start=start + 1):
        unit_fmt = UNIT_FORMAT.get(row.get(unit_key, "")) if unit_key else None
        for j, col in enumerate(cols, start=1):
            cell = ws.cell(row=i, column=j)
            set_cell(cell, _value(row.get(col.key)))
            fmt = unit_fmt if col.fmt == "unit" else col.fmt
            if fmt:
                cell.number_format = fmt
    last = start + len(rows)
    ws.freeze_panes = ws.cell(row=start + 1, column=1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.auto_filter.ref = f"A{start}:{get_column_letter(len(cols))}{max(last, start + 1)}"
    return last + 2


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")] if len(df) else []


FIGURE_COLS = [
    Col("Indicateur", "indicateur", width=26),
    Col("Libellé", "libelle", width=40),
    Col("Unité", "unite", width=9),
    Col("Nature", "nature", width=9),
    Col("Année", "annee", width=11),
    Col("Valeur", "valeur", "unit", 14),
    Col("Cible", "cible", "unit", 14),
    Col("Taux de réalisation", "taux_realisation", PCT, 12),
    Col("Couverture", "couverture", width=16),
    Col("Règle de la cible", "regle_cible", width=44),
]


def build_workbook(ev: Evaluation, ref: Referential) -> Workbook:
    wb = Workbook()
    synth = wb.active
    assert synth is not None
    synth.title = "Synthèse"
    _synthese(synth, ev, ref)
    _par_axe(wb.create_sheet("Par axe"), ev)
    _par_action(wb.create_sheet("Par action"), ev, ref)
    _financements(wb.create_sheet("Financements"), ev)
    _territoires(wb.create_sheet("Territoires"), ev)
    _completude(wb.create_sheet("Complétude"), ev)
    for q in ref.questions:
        _question(wb.create_sheet(_question_title(q.code, q.libelle)), ev, ref, q)
    _anomalies(wb.create_sheet("Anomalies"), ev)
    _sources(wb.create_sheet("Sources"), ev)
    wb.properties.creator = "cess"
    wb.properties.title = f"Evaluation du CES ESS — {ev.label}"
    return wb


def write_evaluation(ev: Evaluation, ref: Referential, target: Path) -> Path:
    return save_workbook(build_workbook(ev, ref), target)


def write_tidy_csv(ev: Evaluation, target: Path) -> Path:
    """UTF-8, comma-separated, the SPEC §6 columns; `source` leads back to the cell."""
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TIDY_COLUMNS)
        for row in ev.tables["tidy"].itertuples(index=False):
            writer.writerow([_csv_value(v) for v in row])
    return target


def _csv_value(v: Any) -> Any:
    v = _value(v)
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return csv_text(v)


def _question_title(code: str, label: str) -> str:
    short = {"Q1": "Q1 Effet structurant", "Q2": "Q2 Impact économique", "Q3": "Q3 Territoires", "Q4": "Q4 Gouvernance"}
    return short.get(code, f"{code} {label}")[:31]


def _title(ws: Worksheet, text: str, sub: str = "") -> int:
    set_cell(ws.cell(row=1, column=1), text)
    ws.cell(row=1, column=1).font = TITLE_FONT
    if sub:
        set_cell(ws.cell(row=2, column=1), sub)
        ws.cell(row=2, column=1).alignment = Alignment(wrap_text=False)
    return 4


def _synthese(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    row = _title(ws, f"Contrat économique sectoriel ESS — évaluation {ev.label}", ref.contrat.intitule)
    set_cell(ws.cell(row=row, column=1), "Chiffres clés")
    ws.cell(row=row, column=1).font = Font(bold=True)
    for i, (label, value, fmt) in enumerate(ev.key_figures, start=row + 1):
        set_cell(ws.cell(row=i, column=1), label)
        cell = ws.cell(row=i, column=2)
        set_cell(cell, _value(value))
        cell.number_format = fmt
    ws.column_dimensions["A"].width = 52
    ws.column_dimensions["B"].width = 18
    note = row + len(ev.key_figures) + 2
    set_cell(
        ws.cell(row=note, column=1),
        "Chaque chiffre indique sur combien de bilans il repose (« reçus / attendus ») : un total partiel n'est pas un total complet.",
    )
    _charts(ws, ev, ref)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _charts(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    """Native Excel charts: a key indicator by axis and year; financing against envelopes."""
    by_axis = ev.tables["par_axe"]
    axes = [a.code for a in ref.contrat.axes]
    years = [str(y) for y in ev.years]
    indicator = "evenements"
    top = 4
    set_cell(ws.cell(row=top, column=8), "Evénements organisés par axe")
    for j, y in enumerate(years, start=9):
        set_cell(ws.cell(row=top, column=j), y)
    for i, axe in enumerate(axes, start=top + 1):
        set_cell(ws.cell(row=i, column=8), f"Axe {axe}")
        for j, y in enumerate(years, start=9):
            sel = by_axis[(by_axis["axe"] == axe) & (by_axis["indicateur"] == indicator) & (by_axis["annee"] == y)]
            ws.cell(row=i, column=j, value=_value(sel["valeur"].iloc[0]) if len(sel) else 0)
    chart = BarChart()
    chart.type = "col"
    chart.title = "Evénements organisés par axe et par année"
    chart.y_axis.title = "événements"
    data = Reference(ws, min_col=9, max_col=8 + len(years), min_row=top, max_row=top + len(axes))
    cats = Reference(ws, min_col=8, min_row=top + 1, max_row=top + len(axes))
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height, chart.width = 8, 13
    ws.add_chart(chart, "A22")

    fin = ev.tables["financements"]
    total = fin[fin["axe"] == "total"]
    signatories = [code for code, f in ref.financeurs.items() if f.enveloppes]
    frow = top + len(axes) + 3
    set_cell(ws.cell(row=frow, column=8), "Financeur")
    set_cell(ws.cell(row=frow, column=9), "Obtenu")
    set_cell(ws.cell(row=frow, column=10), "Enveloppe")
    for i, code in enumerate(signatories, start=frow + 1):
        sub = total[total["financeur"] == code]
        set_cell(ws.cell(row=i, column=8), ref.financeurs[code].libelle)
        ws.cell(row=i, column=9, value=float(sub["montant_obtenu"].sum())).number_format = EUR
        ws.cell(row=i, column=10, value=float(sub["enveloppe"].fillna(0).sum())).number_format = EUR
    chart2 = BarChart()
    chart2.type = "bar"
    chart2.title = f"Financements obtenus et enveloppes du contrat ({ev.label})"
    data2 = Reference(ws, min_col=9, max_col=10, min_row=frow, max_row=frow + len(signatories))
    cats2 = Reference(ws, min_col=8, min_row=frow + 1, max_row=frow + len(signatories))
    chart2.add_data(data2, titles_from_data=True)
    chart2.set_categories(cats2)
    chart2.height, chart2.width = 8, 15
    ws.add_chart(chart2, "D22")
    for c, w in (("H", 34), ("I", 14), ("J", 14), ("K", 14)):
        ws.column_dimensions[c].width = w


def _par_axe(ws: Worksheet, ev: Evaluation) -> None:
    rows = _records(ev.tables["par_axe"])
    for r in _records(ev.tables["par_contrat"]):
        rows.append({**r, "axe": "Ensemble du contrat"})
    write_table(ws, rows, [Col("Axe", "axe", width=12), *FIGURE_COLS], unit_key="unite")


def _par_action(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    rows = _records(ev.tables["par_action"])
    for r in rows:
        r["libelle_action"] = ref.actions[r["code_action"]].libelle
    cols = [
        Col("Axe", "axe", width=10),
        Col("Action", "code_action", width=12),
        Col("Libellé de l'action", "libelle_action", width=40),
        *FIGURE_COLS,
    ]
    write_table(ws, rows, cols, unit_key="unite")


def _financements(ws: Worksheet, ev: Evaluation) -> None:
    cols = [
        Col("Année", "annee", width=8),
        Col("Financeur", "financeur", width=20),
        Col("Libellé", "libelle", width=40),
        Col("Axe", "axe", width=12),
        Col("Montant prévu", "montant_prevu", EUR, 16),
        Col("Montant obtenu", "montant_obtenu", EUR, 16),
        Col("Enveloppe du contrat", "enveloppe", EUR, 18),
        Col("Statut de l'enveloppe", "statut_enveloppe", width=16),
        Col("Taux obtenu / enveloppe", "taux_enveloppe", PCT, 14),
        Col("Lignes de bilans", "lignes", INT, 10),
    ]
    write_table(ws, _records(ev.tables["financements"]), cols)


def _territoires(ws: Worksheet, ev: Evaluation) -> None:
    cols = [
        Col("Année", "annee", width=10),
        Col("Département", "departement", width=12),
        Col("Nom", "libelle_departement", width=18),
        Col("Indicateur", "indicateur", width=26),
        Col("Libellé", "libelle", width=32),
        Col("Valeur", "valeur", DEC, 12),
        Col("Dont QPV", "dont_qpv", DEC, 12),
        Col("Dont ZRR", "dont_zrr", DEC, 12),
        Col("Part QPV", "part_qpv", PCT, 10),
        Col("Part ZRR", "part_zrr", PCT, 10),
    ]
    write_table(ws, _records(ev.tables["territoires"]), cols)


def _completude(ws: Worksheet, ev: Evaluation) -> None:
    df = ev.tables["completude"]
    rows = _records(df)
    for r in rows:
        for k in ("a_l_heure", "valide_premiere", "valide", "recu", "manquant"):
            r[k] = "oui" if r[k] else "non"
    cols = [
        Col("Action", "code_action", width=12),
        Col("Axe", "axe", width=12),
        Col("Année", "annee", width=8),
        Col("Reçu", "recu", width=8),
        Col("À l'heure", "a_l_heure", width=9),
        Col("Valide du premier coup", "valide_premiere", width=12),
        Col("Valide (compté)", "valide", width=10),
        Col("Manquant", "manquant", width=10),
        Col("Versions reçues", "versions", INT, 10),
        Col("Échéance", "echeance", "DD/MM/YYYY", 12),
        Col("Première transmission", "date_premiere_transmission", "DD/MM/YYYY", 14),
        Col("État", "etat", width=10),
    ]
    nxt = write_table(ws, rows, cols)
    total = len(df)
    summary: list[tuple[str, Any, str]] = [("Bilans attendus", total, INT)]
    for key, label in (
        ("recu", "Reçus"),
        ("a_l_heure", "Transmis à l'heure"),
        ("valide_premiere", "Valides du premier coup"),
        ("valide", "Valides (comptés)"),
        ("manquant", "Manquants"),
    ):
        n = int(df[key].sum()) if total else 0
        summary.append((label, n, INT))
        summary.append((f"Taux : {label.lower()}", n / total if total else None, PCT))
    for i, (label, value, fmt) in enumerate(summary, start=nxt):
        set_cell(ws.cell(row=i, column=1), label)
        ws.cell(row=i, column=3, value=value).number_format = fmt


def _question(ws: Worksheet, ev: Evaluation, ref: Referential, q: Any) -> None:
    row = _title(ws, f"{q.code} — {q.libelle}", q.precision)
    rows = _records(ev.tables["questions"][ev.tables["questions"]["question"] == q.code])
    for r in rows:
        r["unite"] = ref.indicateurs[r["indicateur"]].unite if r["indicateur"] else ""
    cols = [
        Col("Effet attendu", "effet", width=50),
        Col("Indicateur", "indicateur", width=24),
        Col("Libellé", "libelle", width=32),
        Col("Année", "annee", width=10),
        Col("Valeur", "valeur", "unit", 14),
        Col("Cible", "cible", "unit", 14),
        Col("Couverture", "couverture", width=16),
        Col("Chiffres calculés par cess", "calcule", width=18),
    ]
    nxt = write_table(ws, rows, cols, start=row, unit_key="unite")
    if q.code == "Q3":
        ter = ev.tables["territoires"]
        last = PERIODE if len(ev.years) > 1 else str(ev.years[0])
        sub = ter[ter["annee"] == last] if (ter["annee"] == last).any() else ter
        set_cell(ws.cell(row=nxt, column=1), "Ventilation par département (dont QPV et ZRR)")
        ws.cell(row=nxt, column=1).font = Font(bold=True)
        _territory_block(ws, sub, nxt + 1)
    if q.code == "Q4":
        set_cell(ws.cell(row=nxt, column=1), "Gouvernance et suivi : chiffres calculés par cess")
        ws.cell(row=nxt, column=1).font = Font(bold=True)
        for i, r in enumerate(_records(ev.tables["q4"]), start=nxt + 1):
            set_cell(ws.cell(row=i, column=1), f"{r['chiffre']} ({r['annee']})")
            cell = ws.cell(row=i, column=5, value=_value(r["valeur"]))
            cell.number_format = {"%": PCT, "décimal": DEC}.get(r["format"], INT)


def _territory_block(ws: Worksheet, df: pd.DataFrame, start: int) -> None:
    headers = ["Département", "Indicateur", "Année", "Valeur", "Dont QPV", "Part QPV", "Dont ZRR", "Part ZRR"]
    for j, h in enumerate(headers, start=1):
        set_cell(ws.cell(row=start, column=j), h)
        ws.cell(row=start, column=j).font = Font(bold=True)
    for i, r in enumerate(_records(df), start=start + 1):
        values = [
            f"{r['departement']} {r['libelle_departement']}",
            r["indicateur"],
            r["annee"],
            r["valeur"],
            r["dont_qpv"],
            r["part_qpv"],
            r["dont_zrr"],
            r["part_zrr"],
        ]
        fmts = [None, None, None, DEC, DEC, PCT, DEC, PCT]
        for j, (v, fmt) in enumerate(zip(values, fmts, strict=True), start=1):
            cell = ws.cell(row=i, column=j)
            set_cell(cell, _value(v))
            if fmt:
                cell.number_format = fmt


def _anomalies(ws: Worksheet, ev: Evaluation) -> None:
    rows = [
        {
            "code": f.code,
            "gravite": str(f.severity),
            "fichier": Path(f.file).name,
            "feuille": f.sheet,
            "cellule": f.cell,
            "message": f.message,
            "conseil": f.hint,
        }
        for f in ev.anomalies
    ]
    cols = [
        Col("Type", "code", width=26),
        Col("Gravité", "gravite", width=13),
        Col("Fichier", "fichier", width=34),
        Col("Feuille", "feuille", width=13),
        Col("Cellule", "cellule", width=9),
        Col("Constat", "message", width=90),
        Col("Que faire", "conseil", width=50),
    ]
    write_table(ws, rows, cols)


def _sources(ws: Worksheet, ev: Evaluation) -> None:
    rows = [
        {
            "fichier": s.name,
            "sha256": s.sha256,
            "action": s.action,
            "annee": s.annee,
            "version": s.version,
            "date": s.date_transmission,
            "statut": s.statut,
            "erreurs": s.erreurs,
            "avertissements": s.avertissements,
            "retenu": "oui" if s.retenu else "non",
            "motif": s.motif,
        }
        for s in ev.sources
    ]
    cols = [
        Col("Fichier", "fichier", width=34),
        Col("SHA-256", "sha256", width=20),
        Col("Action", "action", width=12),
        Col("Année", "annee", width=8),
        Col("Version", "version", INT, 8),
        Col("Date de transmission", "date", "DD/MM/YYYY", 14),
        Col("Statut", "statut", width=10),
        Col("Erreurs", "erreurs", INT, 8),
        Col("Avertissements", "avertissements", INT, 8),
        Col("Retenu", "retenu", width=8),
        Col("Retenu ou pourquoi pas", "motif", width=60),
    ]
    write_table(ws, rows, cols)
