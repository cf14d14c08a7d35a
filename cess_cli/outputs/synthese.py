"""The *Synthèse* sheet: the key figures with their coverage and two native Excel charts.

Presentation only: every figure comes from `Evaluation.tables` (chiffres_cles,
signataires, graphique_evenements), which the COPIL report reuses."""

from __future__ import annotations

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.consolidation.financing import NOT_FIXED
from cess_cli.outputs.safety import set_cell
from cess_cli.outputs.sheet_tables import EUR, cell_value, header_lines, print_setup, records, sheet_title
from cess_cli.referential.loading import Referential
from cess_cli.wording import french_number

CENTER = Alignment(horizontal="center", vertical="top")
TOP = Alignment(vertical="top")
CHART_ROWS = 18  # rows an 8-cm chart takes, and a blank one
LABEL_LINE = 62  # characters of a key figure's label on one line of column A (60 width units)
NOTE = (
    "Couverture « n / m bilans » : n bilans comptés (valides, dans leur version retenue) sur m bilans attendus, "
    "et non les bilans reçus ; un total partiel n'est pas un total complet. Les financements obtenus des "
    "signataires sont comparés à leurs seules enveloppes ; le total toutes sources n'a pas d'enveloppe à "
    "comparer. Une enveloppe « prévisionnelle » n'est pas encore confirmée ; une année dont le contrat ne fixe "
    "pas le montant n'a pas d'enveloppe, et ce qui a été obtenu cette année-là n'entre pas dans le taux."
)


def synthese_sheet(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    """The key figures (value and coverage, grouped: bilans, signatories, all sources,
    indicators) and two native charts, from `ev.tables` (chiffres_cles, signataires,
    graphique_evenements)."""
    # the contract's own name under the title, never twice (a user's review)
    row = sheet_title(ws, f"Synthèse de l'évaluation {ev.label}", ref.contrat.intitule)
    set_cell(ws.cell(row=row, column=1), "Chiffres clés")
    set_cell(ws.cell(row=row, column=3), "Couverture")
    for c in (1, 3):
        ws.cell(row=row, column=c).font = Font(name="Calibri", bold=True)
    i, group = row, None
    for r in records(ev.tables["chiffres_cles"]):
        i += 1 if r["groupe"] == group or group is None else 2  # a blank row between groups
        group = r["groupe"]
        set_cell(ws.cell(row=i, column=1), r["libelle"])
        lines = header_lines(str(r["libelle"]), LABEL_LINE)
        ws.cell(row=i, column=1).alignment = Alignment(wrap_text=lines > 1, vertical="top")  # beside its figure
        if lines > 1:  # a long label wraps, its row as tall as its lines
            ws.row_dimensions[i].height = 15 * lines
        cell = ws.cell(row=i, column=2)
        set_cell(cell, cell_value(r["valeur"]))
        cell.number_format = r["format"]
        cell.alignment = TOP  # on the first line of a label that wraps, not under it
        set_cell(ws.cell(row=i, column=3), r["couverture"])
        ws.cell(row=i, column=3).alignment = CENTER
    ws.cell(row=row, column=3).alignment = CENTER
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 25  # « partiel : 55 / 63 bilans »
    set_cell(ws.cell(row=i + 2, column=1), NOTE)
    ws.cell(row=i + 2, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=i + 2, start_column=1, end_row=i + 2, end_column=3)
    ws.row_dimensions[i + 2].height = 75
    _charts(ws, ev, i + 4)
    # portrait, the page width: the key figures on a first page, the two charts below them on a
    # second (on one page, both printed at 67 %); chart data (H:…) not printed
    print_setup(ws, landscape=False)
    ws.print_area = f"A1:C{i + 4 + 2 * CHART_ROWS - 1}"
    ws.row_breaks.append(Break(id=i + 2))  # a page break after the note, above the first chart


def _charts(ws: Worksheet, ev: Evaluation, anchor_row: int) -> None:
    """Native Excel charts drawn from data written beside them (with its coverage): events
    by axis and year; each signatory's financing against its own envelopes."""
    events = ev.tables["graphique_evenements"]
    years = list(dict.fromkeys(events["annee"]))
    axes = list(dict.fromkeys(events["libelle_axe"]))
    top, first = 4, 9  # data in H:… from row 4; coverage after the values
    set_cell(ws.cell(row=top, column=8), "Événements organisés par axe")
    for j, y in enumerate(years):  # the series name carries the year's coverage: it prints in the legend
        year_cover = events[events["annee"] == y]["couverture_annee"].iloc[0]
        set_cell(ws.cell(row=top, column=first + j), f"{y} ({year_cover})")
        set_cell(ws.cell(row=top, column=first + len(years) + j), f"Couverture {y}")
    for i, axe in enumerate(axes, start=top + 1):
        set_cell(ws.cell(row=i, column=8), axe)
        for j, y in enumerate(years):
            r = events[(events["libelle_axe"] == axe) & (events["annee"] == y)].iloc[0]
            ws.cell(row=i, column=first + j, value=cell_value(r["valeur"]))
            set_cell(ws.cell(row=i, column=first + len(years) + j), r["couverture"])
            ws.cell(row=i, column=first + len(years) + j).alignment = CENTER
    chart = BarChart()
    chart.type = "col"
    chart.title = "Événements organisés par axe et par année"
    chart.y_axis.title = "événements"
    data = Reference(ws, min_col=first, max_col=first + len(years) - 1, min_row=top, max_row=top + len(axes))
    cats = Reference(ws, min_col=8, min_row=top + 1, max_row=top + len(axes))
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    _grey_safe(chart)
    chart.height, chart.width = 8, 15
    ws.add_chart(chart, f"A{anchor_row}")
    _chart_note(ws, anchor_row + CHART_ROWS - 2, events_note(events))

    sig = ev.tables["signataires"]
    frow = top + len(axes) + 3
    unfixed = bool(len(sig)) and any(sig["annees_non_fixees"])
    obtained = "Obtenu, années à enveloppe fixée" if unfixed else "Obtenu"  # like with like
    cover = str(sig["couverture"].iloc[0]) if len(sig) else ""
    headers = [
        "Signataire",
        f"{obtained} ({cover})" if cover else obtained,  # the series name, printed in the legend
        "Enveloppe du contrat",
        "Statut de l'enveloppe",
        "Couverture",
    ]
    for j, h in enumerate(headers, start=8):
        set_cell(ws.cell(row=frow, column=j), h)
    for i, r in enumerate(records(sig), start=frow + 1):
        set_cell(ws.cell(row=i, column=8), r["libelle"])
        ws.cell(row=i, column=9, value=cell_value(r["obtenu_compare"])).number_format = EUR
        ws.cell(row=i, column=10, value=cell_value(r["enveloppe"])).number_format = EUR
        set_cell(ws.cell(row=i, column=11), r["statut_enveloppe"])
        set_cell(ws.cell(row=i, column=12), r["couverture"])
        ws.cell(row=i, column=12).alignment = CENTER
    chart2 = BarChart()
    chart2.type = "bar"
    chart2.title = f"Financements obtenus des signataires et leurs enveloppes ({ev.label})"
    data2 = Reference(ws, min_col=9, max_col=10, min_row=frow, max_row=frow + len(sig))
    cats2 = Reference(ws, min_col=8, min_row=frow + 1, max_row=frow + len(sig))
    chart2.add_data(data2, titles_from_data=True)
    chart2.set_categories(cats2)
    _grey_safe(chart2, fills=("1F3B63", "FFFFFF"))  # obtained dark, the envelope white: as in the report
    chart2.height, chart2.width = 8, 15
    ws.add_chart(chart2, f"A{anchor_row + CHART_ROWS}")  # below the first: both print in A:C
    _chart_note(ws, anchor_row + 2 * CHART_ROWS - 2, financing_note(sig, ev.tables["financements"]))
    for c, w in (("H", 34), ("I", 16), ("J", 30), ("K", 30), ("L", 16), ("M", 16), ("N", 16)):
        ws.column_dimensions[c].width = w


FILLS = ("1F3B63", "7F9CC7", "D6DFEC", "404040")  # dark to light: apart when printed in grey


def _grey_safe(chart: BarChart, fills: tuple[str, ...] = FILLS) -> None:
    """Each series its own fill, of a different lightness, outlined in black (Excel's and
    LibreOffice's default colours turn into one grey on a black-and-white printer)."""
    for series, fill in zip(chart.series, fills, strict=False):
        series.graphicalProperties.solidFill = fill
        series.graphicalProperties.line.solidFill = "000000"


def events_note(events: pd.DataFrame) -> str:
    """The printed note under the events chart: which axis-years rest on part of the bilans
    (the chart's data columns, with every coverage, do not print)."""
    partial = [r for r in records(events) if int(r["recus"]) < int(r["attendus"])]
    if not partial:
        return "Chaque barre repose sur tous les bilans attendus de l'axe et de l'année."
    listed = " ; ".join(f"{r['libelle_axe']} {r['annee']} : {r['couverture']}" for r in partial)
    return f"Barres partielles (bilans comptés / attendus) : {listed}. Un total partiel n'est pas un total complet."


def financing_note(sig: pd.DataFrame, fin: pd.DataFrame) -> str:
    """The printed note under the financing chart: what « Obtenu » rests on, and what each
    signatory obtained in the years the contract fixes no envelope for (not in its bar),
    naming the years it was obtained in (`fin`: the *Financements* table)."""
    if not len(sig) or not any(sig["taux_partiel"]):
        text = "Obtenu : déclaré par tous les bilans attendus."
    else:
        text = (
            f"Obtenu : déclaré par les bilans comptés qui déclarent des financements ({sig['couverture'].iloc[0]}) ; "
            "le taux obtenu / enveloppe est partiel."
        )
    outside = fin[
        (fin["axe"] == "total") & (fin["statut_enveloppe"] == NOT_FIXED) & (fin["montant_obtenu"].fillna(0) > 0)
    ]
    for r in records(sig):
        rows = outside[outside["financeur"] == r["financeur"]]
        if len(rows):
            years = sorted(str(y) for y in rows["annee"])
            when = f"en {years[0]}, année" if len(years) == 1 else f"en {', '.join(years)}, années"
            amount = french_number(float(rows["montant_obtenu"].sum()))
            text += (
                f" {r['libelle']} : {amount} € obtenus {when} sans enveloppe fixée par le contrat, hors de la barre."
            )
    return text


def _chart_note(ws: Worksheet, row: int, text: str) -> None:
    """A wrapped note across the printed columns A:C (about 100 characters a line), as tall
    as its lines, two at least."""
    set_cell(ws.cell(row=row, column=1), text)
    ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    ws.row_dimensions[row].height = 15 * max(2, -(-len(text) // NOTE_LINE)) + 2


NOTE_LINE = 100  # characters of a note's line across A:C (101 width units)
