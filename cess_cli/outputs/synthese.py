"""The *Synthèse* sheet: the key figures and two native Excel charts."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.outputs.safety import set_cell
from cess_cli.outputs.sheet_tables import EUR, cell_value, sheet_title
from cess_cli.referential.loading import Referential


def synthese_sheet(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    row = sheet_title(ws, f"Contrat économique sectoriel ESS — évaluation {ev.label}", ref.contrat.intitule)
    set_cell(ws.cell(row=row, column=1), "Chiffres clés")
    ws.cell(row=row, column=1).font = Font(bold=True)
    for i, (label, value, fmt) in enumerate(ev.key_figures, start=row + 1):
        set_cell(ws.cell(row=i, column=1), label)
        cell = ws.cell(row=i, column=2)
        set_cell(cell, cell_value(value))
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
            ws.cell(row=i, column=j, value=cell_value(sel["valeur"].iloc[0]) if len(sel) else 0)
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
