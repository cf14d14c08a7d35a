"""Write blank bilan workbooks (format version 1), pre-filled from the referential.

Pre-filled cells are locked (sheet protection without password: it guards against
slips, not against a determined user), input cells are unlocked and carry Excel
data validation (lists for départements, funders and rubriques; whole numbers
>= 0 where the unit is `nombre`).
"""

from __future__ import annotations

import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cess_cli.findings import CessError
from cess_cli.outputs import sheet_tables as tables
from cess_cli.outputs.atomic import save_workbook
from cess_cli.outputs.print_pages import print_wide
from cess_cli.referential.bilan_format import (
    FINANCEMENTS,
    IDENTIFICATION,
    IDENTIFICATION_KEYS,
    INDICATEURS,
    INSTRUCTIONS_TITLE,
    LISTS_TITLE,
    QUALITATIF,
    TERRITOIRES,
)
from cess_cli.referential.loading import Referential
from cess_cli.wording import french_date

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
# Input cells are blue, never red or yellow: the feedback copies colour the cells to fix in red
# (erreur) and yellow-orange (avertissement), so an operator never mistakes one for the other.
INPUT_FILL = PatternFill("solid", fgColor="DDEBF7")  # to fill in, optional: light blue
REQUIRED_FILL = PatternFill("solid", fgColor="9BC2E6")  # to fill in, required: blue
INPUT_BORDER = Border(*(Side(style="thin", color="5B9BD5"),) * 4)
INSTRUCTIONS_WIDTH = 100  # characters: the Mode d'emploi column, printed on a landscape A4 page
UNLOCKED = Protection(locked=False)
FREE_ROWS = {"financements": 30, "territoires": 80}


def template_filename(action: str, year: int) -> str:
    return f"bilan_{action}_{year}.xlsx"


def write_template(ref: Referential, action_code: str, year: int, target: Path) -> Path:
    """Write the blank bilan (format version 1, SPEC §4) of one action and year to `target`,
    atomically. Raises `CessError` for an unknown action or a year it is not active."""
    return save_workbook(build_template(ref, action_code, year), target)


def build_template(ref: Referential, action_code: str, year: int) -> Workbook:
    if action_code not in ref.actions:
        raise CessError(f"Action « {action_code} » inconnue. Actions : {', '.join(ref.actions)}.")
    action = ref.actions[action_code]
    if year not in action.annees:
        raise CessError(
            f"L'action {action_code} n'est pas active en {year} (années actives : {', '.join(map(str, action.annees))})."
        )
    wb = Workbook()
    ws_id = wb.active
    assert ws_id is not None
    ws_id.title = IDENTIFICATION.title
    _identification(ws_id, ref, action_code, year)
    _indicators(wb.create_sheet(INDICATEURS.title), ref, action_code, year)
    _free_sheet(wb.create_sheet(FINANCEMENTS.title), FINANCEMENTS.columns, FREE_ROWS["financements"])
    ter = wb.create_sheet(TERRITOIRES.title)
    _free_sheet(ter, TERRITOIRES.columns, FREE_ROWS["territoires"])
    # printed: the lines this action can need (one per territorial indicator and département of
    # the referential, Hors Rhône-Alpes included), not every blank input line
    territorial = sum(1 for _, ind in ref.typed_indicators(action_code) if ind.territorial)
    needed = min(FREE_ROWS["territoires"], max(1, territorial) * len(ref.contrat.departements))
    ter.print_area = f"A1:{get_column_letter(len(TERRITOIRES.columns))}{needed + 1}"
    _qualitatif(wb.create_sheet(QUALITATIF.title), ref)
    _instructions(wb.create_sheet(INSTRUCTIONS_TITLE), ref, action_code, year)
    lists = wb.create_sheet(LISTS_TITLE)
    _lists(wb, lists, ref, action_code)
    lists.sheet_state = "hidden"
    for ws in (wb[IDENTIFICATION.title], wb[INDICATEURS.title], wb[FINANCEMENTS.title], ter):
        print_wide(ws, "A:B" if ws.title == INDICATEURS.title else "A:A")  # 60 % at least
    return wb


def _header(ws: Worksheet, columns: tuple[str, ...], widths: dict[str, int]) -> None:
    for i, name in enumerate(columns):
        cell = ws.cell(row=1, column=i + 1, value=name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        ws.column_dimensions[get_column_letter(i + 1)].width = widths.get(name, max(14, len(name) + 4))
    ws.freeze_panes = "A2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    print_setup(ws, landscape=True, title_row=1)


def print_setup(ws: Worksheet, *, landscape: bool, title_row: int | None = None) -> None:
    """The workbooks' print setup (`sheet_tables.print_setup`), with grid lines on the sheets
    that have a header row, so that a blank form can be filled in by hand."""
    tables.print_setup(ws, title_row=title_row, landscape=landscape, side_margin=0.5)
    ws.print_options.gridLines = title_row is not None


def _identification(ws: Worksheet, ref: Referential, action_code: str, year: int) -> None:
    _header(ws, IDENTIFICATION.columns, {"cle": 20, "libelle": 52, "valeur": 44})
    prefilled = {
        "code_action": action_code,
        "annee": year,
        "version": 1,
        "version_modele": ref.version_courante,
    }
    locked_values = {"code_action", "annee", "version_modele"}
    for r, (key, label, required) in enumerate(IDENTIFICATION_KEYS, start=2):
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=label + ("" if required else " (facultatif)"))
        cell = ws.cell(row=r, column=3, value=prefilled.get(key))
        if key == "version_modele":
            cell.number_format = "@"
        if key not in locked_values:
            _input(cell, required)
        if key == "date_transmission":
            cell.number_format = "DD/MM/YYYY"
            dv = DataValidation(type="date", operator="greaterThan", formula1="41640", allow_blank=True)
            dv.error = "Saisissez une date au format JJ/MM/AAAA."
            dv.add(cell.coordinate)
            ws.add_data_validation(dv)
        elif key == "siret":
            cell.number_format = "@"
            dv = DataValidation(type="textLength", operator="equal", formula1="14", allow_blank=True)
            dv.error = "Le SIRET compte 14 chiffres, sans espace."
            dv.add(cell.coordinate)
            ws.add_data_validation(dv)
        elif key == "version":
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="1", allow_blank=True)
            dv.error = "La version est un entier à partir de 1."
            dv.add(cell.coordinate)
            ws.add_data_validation(dv)


def _indicators(ws: Worksheet, ref: Referential, action_code: str, year: int) -> None:
    columns = (*INDICATEURS.columns, "obligatoire")
    _header(
        ws,
        columns,
        {
            "code": 24,
            "libelle": 30,  # wrapped: the sheet prints on one page wide at 80 % or more
            "unite": 9,
            "cible": 11,
            "valeur": 14,
            "cumul_periode": 15,
            "commentaire": 28,
            "obligatoire": 12,
        },
    )
    action = ref.actions[action_code]
    final = year == max(action.annees)
    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    whole.error = "Un nombre entier positif ou nul est attendu (unité : nombre)."
    decimal = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    decimal.error = "Un nombre positif ou nul est attendu."
    ws.add_data_validation(whole)
    ws.add_data_validation(decimal)
    letters = {name: get_column_letter(i + 1) for i, name in enumerate(columns)}
    for r, (ia, ind) in enumerate(ref.typed_indicators(action_code), start=2):
        ws.cell(row=r, column=1, value=ind.code)
        ws.cell(row=r, column=2, value=ind.libelle).alignment = Alignment(wrap_text=True, vertical="top")
        if len(ind.libelle) > 30:  # two lines
            ws.row_dimensions[r].height = 30
        ws.cell(row=r, column=3, value=ind.unite)
        target = ws.cell(row=r, column=4, value=ia.cibles.get(year))
        target.number_format = "#,##0" if ind.unite == "nombre" else "#,##0.0#"
        ws.cell(row=r, column=8, value="oui" if ia.obligatoire else "non")
        dv = whole if ind.unite == "nombre" else decimal
        for name in ("valeur", "cumul_periode", "commentaire"):
            cell = ws[f"{letters[name]}{r}"]
            cell.protection = UNLOCKED
            if name == "valeur":
                _input(cell, ia.obligatoire)
                dv.add(cell.coordinate)
            elif name == "cumul_periode":
                dv.add(cell.coordinate)
                if final:
                    _input(cell, True)
                    cell.comment = Comment(
                        f"Dernière année de l'action : indiquez le total {min(action.annees)}-{year}.",
                        "cess",
                    )
            else:
                _input(cell, False)
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _input(cell: Cell, required: bool) -> None:
    """An input cell: unlocked, blue (darker when required), with a thin blue frame."""
    cell.protection = UNLOCKED
    cell.fill = REQUIRED_FILL if required else INPUT_FILL
    cell.border = INPUT_BORDER


def _free_sheet(ws: Worksheet, columns: tuple[str, ...], rows: int) -> None:
    _header(ws, columns, {"financeur": 24, "commentaire": 50, "departement": 16, "indicateur": 28})
    for r in range(2, rows + 2):
        for c in range(1, len(columns) + 1):
            _input(ws.cell(row=r, column=c), False)


def _qualitatif(ws: Worksheet, ref: Referential) -> None:
    _header(ws, QUALITATIF.columns, {"rubrique": 20, "texte": 100})
    for r, rub in enumerate(ref.contrat.rubriques_qualitatives, start=2):
        ws.cell(row=r, column=1).alignment = Alignment(vertical="top")
        ws.cell(row=r, column=1, value=rub.code).comment = Comment(
            rub.libelle + (" (obligatoire)" if rub.obligatoire else " (facultatif)"), "cess"
        )
        cell = ws.cell(row=r, column=2)
        _input(cell, rub.obligatoire)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[r].height = 90


def _lists(wb: Workbook, ws: Worksheet, ref: Referential, action_code: str) -> None:
    columns = {
        "A": ("financeur", ref.codes_financeurs),
        "B": ("libelle_financeur", [ref.libelle_financeur(c) for c in ref.codes_financeurs]),
        "D": ("departement", ref.departements),
        "F": (
            "indicateur_territorial",
            [i.code for _, i in ref.typed_indicators(action_code) if i.territorial],
        ),
    }
    for letter, (title, values) in columns.items():
        ws[f"{letter}1"] = title
        for r, value in enumerate(values, start=2):
            ws[f"{letter}{r}"] = value
            ws[f"{letter}{r}"].number_format = "@"
    fin = wb[FINANCEMENTS.title]
    ter = wb[TERRITOIRES.title]
    n_fin, n_ter = FREE_ROWS["financements"] + 1, FREE_ROWS["territoires"] + 1
    _list_validation(
        fin,
        f"A2:A{n_fin}",
        f"{LISTS_TITLE}!$A$2:$A${len(ref.codes_financeurs) + 1}",
        "Choisissez un code financeur de la liste.",
    )
    _list_validation(
        ter,
        f"A2:A{n_ter}",
        f"{LISTS_TITLE}!$D$2:$D${len(ref.departements) + 1}",
        "Choisissez un département de la liste (01, 07, 26, 38, 42, 69, 73, 74, HORS_RA).",
    )
    territorial = columns["F"][1]
    if territorial:
        _list_validation(
            ter,
            f"B2:B{n_ter}",
            f"{LISTS_TITLE}!$F$2:$F${len(territorial) + 1}",
            "Choisissez un indicateur territorialisé de l'action.",
        )
    for r in range(2, n_ter + 1):
        ter[f"A{r}"].number_format = "@"
    qual = wb[QUALITATIF.title]
    rubriques = ",".join(r.code for r in ref.contrat.rubriques_qualitatives)
    _list_validation(qual, "A2:A20", f'"{rubriques}"', "Choisissez une rubrique de la liste.")
    amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    amounts.error = "Un montant positif ou nul, en euros, est attendu."
    amounts.add(f"B2:C{n_fin}")
    fin.add_data_validation(amounts)
    for row in fin.iter_rows(min_row=2, max_row=n_fin, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = "#,##0.00 €"
    values = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    values.error = "Un nombre positif ou nul est attendu."
    values.add(f"C2:E{n_ter}")
    ter.add_data_validation(values)


def _list_validation(ws: Worksheet, cells: str, formula: str, error: str) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    dv.error, dv.errorTitle = error, "Valeur non autorisée"
    dv.add(cells)
    ws.add_data_validation(dv)


def _others(ref: Referential) -> str:
    """« Un financeur qui n'est pas partenaire du contrat s'inscrit AUTRES. », from the
    funder marked `hors_contrat` in financeurs.yaml ("" when none is)."""
    code = ref.code_hors_contrat
    return f" Un financeur qui n'est pas partenaire du contrat s'inscrit {code}." if code else ""


def _instructions(ws: Worksheet, ref: Referential, action_code: str, year: int) -> None:
    action = ref.actions[action_code]
    final = year == max(action.annees)
    lines = [
        (f"Bilan {year} — action {action_code}", True),
        (action.libelle, False),
        ("", False),
        ("Comment remplir ce bilan", True),
        (
            "1. Identification : complétez les cellules colorées (structure, contact, date de transmission). "
            "Ne modifiez pas le code de l'action, l'année ni la version du modèle.",
            False,
        ),
        (
            "2. Indicateurs : saisissez la valeur de l'année pour chaque indicateur. Une cellule vide n'est pas un zéro : "
            "si la valeur est nulle, saisissez 0. Les indicateurs marqués « oui » dans la colonne « obligatoire » doivent être renseignés.",
            False,
        ),
        (
            "   Unités : « nombre » = entier positif ou nul ; « ETP » et « euros » = décimal positif ou nul (virgule).",
            False,
        ),
        (
            f"   {year} est la dernière année de l'action : indiquez aussi dans « cumul_periode » le total depuis {min(action.annees)} "
            "(somme des années pour un flux, valeur au 31 décembre pour un stock)."
            if final
            else "   La colonne « cumul_periode » ne sert que la dernière année de l'action : laissez-la vide cette année.",
            False,
        ),
        (
            "   Si une valeur s'écarte nettement de la cible, expliquez-le dans « commentaire ».",
            False,
        ),
        (
            "3. Financements : une ligne par source de financement, avec le code de la liste (REGION, ETAT, CDC, collectivités…), "
            "le montant prévu et le montant obtenu en euros." + _others(ref),
            False,
        ),
        (
            "4. Territoires : pour chaque indicateur territorialisé, une ligne par département où il n'est pas nul. "
            "La somme des lignes doit égaler la valeur de la feuille Indicateurs ; dont_qpv et dont_zrr sont, dans la même "
            "unité que la valeur (un nombre, pas un pourcentage), ce qui en revient aux quartiers prioritaires (QPV) et "
            "aux zones de revitalisation rurale (ZRR) : par exemple 40 participants dont 12 en QPV.",
            False,
        ),
        ("5. Bilan qualitatif : décrivez au moins les réalisations de l'année.", False),
        ("", False),
        ("Bon à savoir", True),
        (f"• Date limite de transmission : {french_date(ref.echeance(year))}.", False),
        (
            "• Si vous renvoyez un bilan corrigé, augmentez la « version » (2, 3…) : la dernière version remplace les précédentes.",
            False,
        ),
        (
            "• Ne renommez pas les feuilles ni les colonnes, et enregistrez au format .xlsx (sans mot de passe).",
            False,
        ),
        (
            "• À réception, la CRESS vérifie votre bilan et vous renvoie, s'il y a lieu, la liste précise des cellules à "
            "corriger.",
            False,
        ),
    ]
    lines.insert(
        4,
        (
            "Les cellules bleues sont à remplir (bleu foncé : obligatoires, bleu clair : facultatives) ; les autres sont "
            "verrouillées. Dans le retour de la CRESS, les cellules à corriger seront colorées en rouge (erreur) ou en orange "
            "(avertissement).",
            False,
        ),
    )
    ws.column_dimensions["A"].width = INSTRUCTIONS_WIDTH
    for r, (text, bold) in enumerate(lines, start=1):
        cell = ws.cell(row=r, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True, size=12)
        ws.row_dimensions[r].height = _wrapped_height(text, bold)
    print_setup(ws, landscape=True)  # LibreOffice does not shrink a portrait sheet of one wide column


def _wrapped_height(text: str, bold: bool) -> float:
    """Row height (points) that shows a wrapped text whole when printed: one line per ~0.9 ×
    the column's width in characters (proportional fonts, a margin for long words)."""
    per_line = INSTRUCTIONS_WIDTH * 0.9
    lines = max(1, math.ceil(len(text) / per_line)) if text else 1
    return (17.0 if bold else 14.5) * lines + 2
