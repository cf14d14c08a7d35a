"""The *Bilans qualitatifs* sheet of the evaluation workbook: what each counted bilan says under
réalisations, résultats, difficultés and perspectives (SPEC §6), each text whole."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.outputs.labels import axis_label
from cess_cli.outputs.sheet_tables import Col, records, write_table
from cess_cli.referential.loading import Referential

# What a text is (action, year, rubrique), the text, then what describes it further: one page
# wide at about 80 % (README *Printing*), the text and the labels wrapped.
COLUMNS = [
    Col("Action", "code_action", width=12),
    Col("Année", "annee", width=8),
    Col("Rubrique", "libelle_rubrique", width=16),
    Col("Texte", "texte", width=60),
    Col("Libellé de l'action", "libelle_action", width=22),
    Col("Axe", "axe", width=18),
    Col("Source", "source", width=30),
]


def qualitative_sheet(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    """One row per counted bilan × rubrique: action (code and label), axis, year, rubrique,
    the operator's text whole (wrapped, the row as tall as its lines) and its source cell."""
    table = ev.tables.get("qualitatif")
    rows = records(table) if table is not None else []
    for r in rows:
        r["axe"] = axis_label(ref, str(r["axe"]))
    write_table(ws, rows, COLUMNS)
