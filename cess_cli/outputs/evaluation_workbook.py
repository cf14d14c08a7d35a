"""Write the evaluation workbook (French, for the COPIL) and the tidy CSV.

Every sheet has a frozen, filterable header row, French number formats and
readable widths; every text cell goes through `safety.set_cell`, so text coming
from bilans is never written as a formula. Files are written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cess_cli.consolidation.completeness import summarise
from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.consolidation.shared import PERIODE
from cess_cli.outputs.atomic import save_workbook
from cess_cli.outputs.labels import (
    COMPLETUDE_SUMMARY,
    anomaly_kind,
    governance_note,
    indirect_note,
    plain_words,
    present,
    year_label,
)
from cess_cli.outputs.qualitative_sheet import qualitative_sheet
from cess_cli.outputs.safety import set_cell
from cess_cli.outputs.sheet_tables import BOLD_CHAR, EUR, INT, PCT, Col, records, sheet_title, write_table
from cess_cli.outputs.synthese import synthese_sheet
from cess_cli.referential.loading import Referential

# What a row is, then its figures, then what describes it further.
FIGURE_ID_COLS = [Col("Libellé", "libelle", width=18), Col("Année", "annee", width=12)]
FIGURE_COLS = [
    Col("Valeur", "valeur", "unit", 14),
    Col("Cible", "cible", "unit", 14),
    Col("Taux de réalisation", "taux_realisation", PCT, 12),
    Col("Taux partiel ?", "taux_partiel", width=12),
    Col("Couverture", "couverture", width=15),
    Col("Unité", "unite", width=9),
    Col("Nature", "nature", width=9),
    Col("Indicateur", "indicateur", width=26),
    Col("Règle de la cible", "regle_cible", width=14),
]


def build_workbook(ev: Evaluation, ref: Referential) -> Workbook:
    wb = Workbook()
    synth = wb.active
    assert synth is not None
    synth.title = "Synthèse"
    synthese_sheet(synth, ev, ref)
    _par_axe(wb.create_sheet("Par axe"), ev, ref)
    _par_action(wb.create_sheet("Par action"), ev, ref)
    _financements(wb.create_sheet("Financements"), ev, ref)
    _territoires(wb.create_sheet("Territoires"), ev, ref)
    _completude(wb.create_sheet("Complétude"), ev, ref)
    for q in ref.questions:
        _question(wb.create_sheet(_question_title(q.code, q.libelle)), ev, ref, q)
        if q.code == "Q3":  # a second table has a sheet of its own: on paper, the first one's
            _q3_departements(wb.create_sheet("Q3 Départements"), ev, ref, q)  # repeated header
        if q.code == "Q4":  # would stand over it, with other columns
            _q4_chiffres(wb.create_sheet("Q4 Chiffres calculés"), ev, ref, q)
    qualitative_sheet(wb.create_sheet("Bilans qualitatifs"), ev, ref)
    _anomalies(wb.create_sheet("Anomalies"), ev, ref)
    _sources(wb.create_sheet("Sources"), ev)
    wb.security = None  # no empty <workbookProtection/>: Gnumeric reports it as an unexpected element
    wb.properties.creator = "cess"
    wb.properties.title = f"Evaluation du CES ESS — {ev.label}"
    return wb


def write_evaluation(ev: Evaluation, ref: Referential, target: Path) -> Path:
    """Write the evaluation workbook (SPEC §6: Synthèse with native charts, Par axe, Par
    action, Financements, Territoires, Complétude, one sheet per question, Anomalies,
    Sources) to `target`, atomically and reproducibly. Returns `target`; raises OSError
    when the folder cannot be written."""
    return save_workbook(build_workbook(ev, ref), target)


def _question_title(code: str, label: str) -> str:
    short = {"Q1": "Q1 Effet structurant", "Q2": "Q2 Impact économique", "Q3": "Q3 Territoires", "Q4": "Q4 Gouvernance"}
    return short.get(code, f"{code} {label}")[:31]


def _par_axe(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    rows = records(ev.tables["par_axe"])
    for r in records(ev.tables["par_contrat"]):
        rows.append({**r, "axe": "Ensemble du contrat"})
    cols = [Col("Axe", "axe", width=18), *FIGURE_ID_COLS, *FIGURE_COLS]
    write_table(ws, present(rows, ref, ev.label), cols, unit_key="unite")


def _par_action(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    rows = records(ev.tables["par_action"])
    for r in rows:
        r["libelle_action"] = ref.actions[r["code_action"]].libelle
    cols = [
        Col("Action", "code_action", width=12),
        *FIGURE_ID_COLS,
        *FIGURE_COLS,
        Col("Libellé de l'action", "libelle_action", width=18),
        Col("Axe", "axe", width=18),
    ]
    write_table(ws, present(rows, ref, ev.label), cols, unit_key="unite")


def _financements(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    cols = [
        Col("Année", "annee", width=14),  # « Période 2014-2016 » in bold on two lines
        Col("Financeur", "financeur", width=20),
        Col("Libellé", "libelle", width=18),  # labels wrap: the sheet prints one page wide at 70 %
        Col("Axe", "axe", width=18),  # or more (README *The evaluation workbook*, printing)
        Col("Montant prévu", "montant_prevu", EUR, 16),
        Col("Montant obtenu", "montant_obtenu", EUR, 16),
        Col("Enveloppe du contrat", "enveloppe", EUR, 18),
        Col("Statut de l'enveloppe", "statut_enveloppe", width=16),
        Col("Taux obtenu / enveloppe", "taux_enveloppe", PCT, 14),
        Col("Taux partiel ?", "taux_partiel", width=12),
        Col("Lignes de bilans", "lignes", INT, 10),
        Col("Couverture (bilans déclarant des financements)", "couverture", width=16),
    ]
    rows = present(records(ev.tables["financements"]) + _signatory_periods(ev), ref, ev.label)
    end = write_table(ws, rows, cols)
    bold = Font(name="Calibri", bold=True)  # named: no serif fallback in LibreOffice
    for i, r in enumerate(rows, start=2):  # a funder's totals stand out from its lines by axis
        if r["axe"] == "Tous axes":
            for j, col in enumerate(cols, start=1):
                ws.cell(row=i, column=j).font = bold
                _fit_bold_code(ws, j, r.get(col.key))
    set_cell(ws.cell(row=end, column=1), FINANCING_NOTE)
    ws.cell(row=end, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=end, start_column=1, end_row=end, end_column=6)
    ws.row_dimensions[end].height = 45


def _fit_bold_code(ws: Worksheet, column: int, value: Any) -> None:
    """Widen a column to a code printed in bold (`VILLE_VILLEURBANNE`): a code has no space
    to wrap at, and bold letters are wider than the widths were measured for."""
    if isinstance(value, str) and value and " " not in value:
        dim = ws.column_dimensions[get_column_letter(column)]
        dim.width = max(float(dim.width or 0), round(len(value) * BOLD_CHAR + 2, 1))


FINANCING_NOTE = (
    "Les lignes « Tous axes » (en gras) sont les totaux d'un financeur pour une année, ou pour la période : "
    "filtrez la colonne Axe avant de faire une somme, sans quoi chaque euro compte deux fois. Le taux de la "
    "période d'un signataire ne compare que les années qui ont une enveloppe fixée par le contrat."
)


def _signatory_periods(ev: Evaluation) -> list[dict[str, Any]]:
    """Each signatory's whole period (the `signataires` table: the rate the report gives),
    as rows of *Financements* whose year is the period; none for a single year."""
    if len(ev.years) < 2:
        return []
    return [
        dict(
            annee=PERIODE,  # « Période 2014-2016 », as in every sheet
            financeur=r["financeur"],
            libelle=r["libelle"],
            axe="total",
            montant_prevu=None,
            montant_obtenu=r["montant_obtenu"],
            enveloppe=r["enveloppe"],
            statut_enveloppe=r["statut_enveloppe"],
            taux_enveloppe=r["taux_enveloppe"],
            taux_partiel=r["taux_partiel"],
            lignes=None,
            couverture=r["couverture"],
        )
        for r in records(ev.tables["signataires"])
    ]


def _territoires(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    cols = [
        Col("Année", "annee", width=18),  # « Période 2014-2016 » on one line
        Col("Département", "departement", width=12),
        Col("Nom", "libelle_departement", width=18),
        Col("Indicateur", "indicateur", width=26),
        Col("Libellé", "libelle", width=32),
        Col("Valeur", "valeur", "unit", 12),
        Col("Dont QPV", "dont_qpv", "unit", 12),
        Col("Dont ZRR", "dont_zrr", "unit", 12),
        Col("Part QPV", "part_qpv", PCT, 10),
        Col("Part ZRR", "part_zrr", PCT, 10),
        Col("Couverture", "couverture", width=16),
    ]
    write_table(ws, _with_units(present(records(ev.tables["territoires"]), ref, ev.label), ref), cols, unit_key="unite")


def _with_units(rows: list[dict[str, Any]], ref: Referential) -> list[dict[str, Any]]:
    """Each territorial row with its indicator's unit: counts shown whole, ETP with a decimal."""
    for r in rows:
        r["unite"] = ref.indicateurs[r["indicateur"]].unite if r.get("indicateur") in ref.indicateurs else ""
    return rows


def _completude(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    df = ev.tables["completude"]
    rows = records(df)
    for r in rows:
        for k, _ in COMPLETUDE_SUMMARY:
            r[k] = "—" if r[k] is None or r[k] != r[k] else "oui" if r[k] else "non"  # None/NaN: nothing counts
    cols = [
        Col("Action", "code_action", width=12),
        Col("Axe", "axe", width=18),
        Col("Année", "annee", width=8),
        Col("Reçu", "recu", width=8),
        Col("Premier envoi à l'heure", "premier_envoi_a_l_heure", width=12),
        Col("Version comptée à l'heure", "version_comptee_a_l_heure", width=12),
        Col("Valide du premier coup", "valide_premiere", width=12),
        Col("Valide (compté)", "valide", width=10),
        Col("Manquant", "manquant", width=10),
        Col("Versions reçues", "versions", INT, 10),
        Col("Échéance", "echeance", "DD/MM/YYYY", 12),
        Col("Première transmission", "date_premiere_transmission", "DD/MM/YYYY", 14),
        Col("Transmission de la version comptée", "date_version_comptee", "DD/MM/YYYY", 14),
        Col("État", "etat", width=16),
    ]
    nxt = write_table(ws, present(rows, ref, ev.label), cols)
    totals = summarise(df)
    summary: list[tuple[str, Any, str]] = [("Bilans attendus", totals["attendus"], INT)]
    for key, label in COMPLETUDE_SUMMARY:
        summary.append((label, totals[key], INT))
        summary.append((f"Taux : {label.lower()} (sur les bilans attendus)", totals[f"taux_{key}"], PCT))
    for i, (label, value, fmt) in enumerate(summary, start=nxt):
        # the label across A:C (wrapped, never clipped by the figure beside it), the figure in D
        set_cell(ws.cell(row=i, column=1), label)
        ws.cell(row=i, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=3)
        cell = ws.cell(row=i, column=4, value=value)
        cell.number_format, cell.alignment = fmt, Alignment(horizontal="right", vertical="top")
    ws.column_dimensions["D"].width = max(ws.column_dimensions["D"].width or 0, 10)  # « 100,0 % »


def _question(ws: Worksheet, ev: Evaluation, ref: Referential, q: Any) -> None:
    row = sheet_title(ws, f"{q.code} — {q.libelle}", q.precision)
    rows = records(ev.tables["questions"][ev.tables["questions"]["question"] == q.code])
    for r in rows:
        r["unite"] = ref.indicateurs[r["indicateur"]].unite if r["indicateur"] else ""
    cols = [
        Col("Effet attendu", "effet", width=30),
        Col("Indicateur", "indicateur", width=24),
        Col("Libellé", "libelle", width=20),
        Col("Année", "annee", width=12),  # « Période 2014-2016 » on two lines
        Col("Valeur", "valeur", "unit", 14),
        Col("Cible", "cible", "unit", 14),
        Col("Taux de réalisation", "taux_realisation", PCT, 12),
        Col("Taux partiel ?", "taux_partiel", width=12),
        Col("Couverture", "couverture", width=15),
        Col("Chiffres calculés par cess", "calcule", width=24),
    ]
    end = write_table(ws, present(rows, ref, ev.label), cols, start=row, unit_key="unite")
    _indirect_notes(ws, q, end + 1)


def _indirect_notes(ws: Worksheet, q: Any, row: int) -> None:
    """Under the question's table, one note per effect the referential says is measured only
    indirectly (« Mesure indirecte (effet « … ») : … »), in column A: the column repeated on
    every printed page, so the note is never cut between two sheets of paper."""
    width = ws.column_dimensions["A"].width or 50
    for effet in q.effets:
        if not effet.mesure_indirecte:
            continue
        cell = ws.cell(row=row, column=1)
        set_cell(cell, indirect_note(effet.libelle, effet.mesure_indirecte))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        lines = -(-len(str(cell.value)) // max(int(width * 0.9), 1))  # a little narrower than it is
        ws.row_dimensions[row].height = 15 * lines + 4
        row += 1


def _q3_departements(ws: Worksheet, ev: Evaluation, ref: Referential, q: Any) -> None:
    """Q3's breakdown by département (dont QPV, dont ZRR), for the last year or the period."""
    row = sheet_title(ws, f"{q.code} — ventilation par département (dont QPV et ZRR)", q.libelle)
    ter = ev.tables["territoires"]
    last = PERIODE if len(ev.years) > 1 else str(ev.years[0])
    sub = ter[ter["annee"] == last] if (ter["annee"] == last).any() else ter
    _territory_block(ws, _with_units(present(records(sub), ref, ev.label), ref), row)


def _q4_chiffres(ws: Worksheet, ev: Evaluation, ref: Referential, q: Any) -> None:
    """Q4's figures computed by cess (meetings held against planned, completeness), and the
    note on what the planned meetings add up to."""
    row = sheet_title(ws, f"{q.code} — gouvernance et suivi : chiffres calculés par cess", q.libelle)
    rows4 = records(ev.tables["q4"])
    for r in rows4:
        r["unite"] = {"%": "%", "décimal": "ETP"}.get(r["format"], "nombre")
        if len(ev.years) > 1 and r["annee"] == ev.label:  # « Période 2014-2016 », as in every sheet
            r["annee"] = year_label(PERIODE, ev.label)
    cols4 = [
        Col("Chiffre", "chiffre", width=50),
        Col("Année", "annee", width=18),  # « Période 2014-2016 » on one line
        Col("Valeur", "valeur", "unit", 14),
        Col("Couverture", "couverture", width=16),
    ]
    end = write_table(ws, rows4, cols4, start=row, unit_key="unite")
    note = ws.cell(row=end, column=1)
    set_cell(note, governance_note(ref))
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=end, start_column=1, end_row=end, end_column=4)
    ws.row_dimensions[end].height = 90


def _territory_block(ws: Worksheet, rows: list[dict[str, Any]], start: int) -> None:
    for r in rows:
        r["nom_departement"] = f"{r['departement']} {r['libelle_departement']}"
    cols = [
        Col("Département", "nom_departement", width=24),
        Col("Indicateur", "libelle", width=30),
        Col("Année", "annee", width=18),
        Col("Valeur", "valeur", "unit", 12),
        Col("Dont QPV", "dont_qpv", "unit", 12),
        Col("Part QPV", "part_qpv", PCT, 10),
        Col("Dont ZRR", "dont_zrr", "unit", 12),
        Col("Part ZRR", "part_zrr", PCT, 10),
        Col("Couverture", "couverture", width=16),
    ]
    write_table(ws, rows, cols, start=start, unit_key="unite")


def _anomalies(ws: Worksheet, ev: Evaluation, ref: Referential) -> None:
    rows = [
        {
            "nature": anomaly_kind(f.code),
            "code": f.code,
            "gravite": str(f.severity),
            "fichier": Path(f.file).name,
            "feuille": f.sheet,
            "cellule": f.cell,
            "message": plain_words(f.message, ref),
            "conseil": f.hint,
        }
        for f in ev.anomalies
    ]
    cols = [
        Col("Nature", "nature", width=20),
        Col("Gravité", "gravite", width=15),  # « avertissement » on one line
        Col("Fichier", "fichier", width=34),
        Col("Feuille", "feuille", width=13),
        Col("Cellule", "cellule", width=9),
        Col("Constat", "message", width=50),
        Col("Que faire", "conseil", width=28),
        Col("Code", "code", width=26),
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
        Col("SHA-256", "sha256", width=35),  # two lines of 32 letters (it has no space to wrap at)
        Col("Action", "action", width=12),
        Col("Année", "annee", width=8),
        Col("Version", "version", INT, 8),
        Col("Date de transmission", "date", "DD/MM/YYYY", 14),
        Col("Statut", "statut", width=10),
        Col("Erreurs", "erreurs", INT, 8),
        Col("Avertissements", "avertissements", INT, 8),
        Col("Retenu", "retenu", width=8),
        Col("Retenu ou pourquoi pas", "motif", width=30),
    ]
    write_table(ws, rows, cols)
