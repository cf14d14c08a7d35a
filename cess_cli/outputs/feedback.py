"""Feedback an operator can act on: an annotated copy of their own workbook and a
short French text ready to paste in an e-mail.

The annotated copy is the operator's workbook loaded by openpyxl (which parses
XML through defusedxml when it is installed, as it is here) and saved under a new
name: the original is never written to. Every offending cell gets a comment and a
fill; a *Corrections* sheet lists every finding (cell, what is wrong, what is
expected). A Strict Open XML workbook is given Transitional namespaces in memory first
(reading/strict.py), so that openpyxl sees its sheets. An `.ods` or `.xls` bilan, which
openpyxl cannot rewrite, gets a new workbook holding the *Corrections* sheet. Files
that could not be read at all get the text only.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from cess_cli.findings import FileResult, Finding, Severity
from cess_cli.outputs.atomic import save_workbook, write_text_atomic
from cess_cli.outputs.safety import clean_text, set_cell
from cess_cli.reading.strict import is_strict, to_transitional

ERROR_FILL = PatternFill("solid", fgColor="F4B6B6")
WARNING_FILL = PatternFill("solid", fgColor="FFE699")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
CORRECTIONS = "Corrections"
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)
_CELL = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")


@dataclass(frozen=True)
class Feedback:
    text: Path
    workbook: Path | None


def feedback_stem(file: str) -> str:
    """A safe file-name stem from an operator's file name (no separators, no control chars)."""
    stem = Path(file).stem
    safe = _UNSAFE_NAME.sub("_", clean_text(stem)).strip(" ._")
    return (safe or "bilan")[:120]


def write_feedback(result: FileResult, source: Path, folder: Path, *, stem: str | None = None) -> Feedback:
    """Write the operator's feedback for one file into `folder` (SPEC §8, README *Reading
    the feedback*): `<stem>_retour.txt`, a French e-mail text, and, when the workbook
    could be read, `<stem>_corrections.xlsx`, their workbook annotated. Returns the paths
    written (`workbook` None when only the text was). Raises OSError if the text cannot
    be written; a workbook openpyxl cannot load only loses the annotated copy."""
    stem = stem or feedback_stem(result.file)
    text_path = folder / f"{stem}_retour.txt"
    readable = not any(f.code.startswith("fichier.") for f in result.findings)
    write_text_atomic(text_path, summary_text(result, annotated=readable and _is_xlsx(source)))
    book = None
    if readable:
        book = folder / f"{stem}_corrections.xlsx"
        try:
            annotate(source, result.findings, book)
        except Exception:  # a workbook calamine read but openpyxl cannot: the text still goes out
            book = None
    return Feedback(text_path, book)


def _is_xlsx(source: Path) -> bool:
    """An Office Open XML workbook (openpyxl can annotate it), not an `.ods` nor an `.xls`."""
    try:
        if not stat.S_ISREG(os.lstat(source).st_mode):  # never open a link or a FIFO
            return False
        with source.open("rb") as fh:
            head = fh.read(4)
            if head != b"PK\x03\x04":
                return False
        with zipfile.ZipFile(source) as zf:
            return "mimetype" not in zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def _operator_workbook(source: Path) -> Workbook:
    """The operator's workbook for openpyxl (formats kept; XML parsed with defusedxml);
    a new, empty workbook for an `.ods` or an `.xls`."""
    if not _is_xlsx(source):
        wb = Workbook()
        wb.remove(wb.active)
        return wb
    data = source.read_bytes()
    if is_strict(data):
        data = to_transitional(data)
    return load_workbook(io.BytesIO(data))


def annotate(source: Path, findings: list[Finding], target: Path) -> Path:
    wb = _operator_workbook(source)
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    names = {n.casefold().strip(): n for n in wb.sheetnames}
    for f in findings:
        if f.sheet and f.cell and _CELL.match(f.cell):
            sheet = names.get(f.sheet.casefold().strip())
            if sheet is not None:
                by_cell[(sheet, f.cell)].append(f)
    for (sheet, cell), items in by_cell.items():
        target_cell = wb[sheet][cell]
        worst = Severity.ERREUR if any(f.severity is Severity.ERREUR for f in items) else Severity.AVERTISSEMENT
        target_cell.fill = ERROR_FILL if worst is Severity.ERREUR else WARNING_FILL
        text = "\n".join(f"{f.severity} : {f.message}" + (f"\n→ {f.hint}" if f.hint else "") for f in items)
        comment = Comment(clean_text(text)[:30000], "CRESS (cess)")
        comment.width, comment.height = 320, 160
        target_cell.comment = comment
    if CORRECTIONS in wb.sheetnames:
        del wb[CORRECTIONS]
    ws = wb.create_sheet(CORRECTIONS, 0)
    headers = ("Gravité", "Feuille", "Cellule", "Ce qui ne va pas", "Ce qui est attendu", "Code")
    widths = (14, 18, 9, 80, 60, 28)
    for j, (h, w) in enumerate(zip(headers, widths, strict=True), start=1):
        c = ws.cell(row=1, column=j)
        set_cell(c, h)
        c.font, c.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
        ws.column_dimensions[c.column_letter].width = w
    for i, f in enumerate(findings, start=2):
        for j, value in enumerate((str(f.severity), f.sheet or "", f.cell or "", f.message, f.hint, f.code), start=1):
            c = ws.cell(row=i, column=j)
            set_cell(c, value)
            c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=i, column=1).fill = ERROR_FILL if f.severity is Severity.ERREUR else WARNING_FILL
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:F{max(2, len(findings) + 1)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.active = 0
    return save_workbook(wb, target)


def summary_text(result: FileResult, *, annotated: bool = True) -> str:
    """A short French message for the operator, ready to paste in an e-mail. `annotated`:
    the corrections workbook is their own workbook annotated (else it lists the findings)."""
    name = clean_text(Path(result.file).name)
    what = f"de l'action {result.action} pour {result.annee}" if result.action and result.annee else ""
    errors = [f for f in result.findings if f.severity is Severity.ERREUR]
    warnings = [f for f in result.findings if f.severity is Severity.AVERTISSEMENT]
    lines = ["Bonjour,", ""]
    if errors:
        lines.append(
            f"Nous avons bien reçu votre bilan {what} (fichier « {name} »). Il ne peut pas encore être pris en "
            f"compte : {len(errors)} point(s) sont à corriger."
        )
    else:
        lines.append(
            f"Nous avons bien reçu votre bilan {what} (fichier « {name} ») et il est pris en compte. "
            f"Quelques points méritent votre attention ({len(warnings)})."
        )
    for title, items in (("À corriger", errors), ("À vérifier", warnings)):
        if not items:
            continue
        lines += ["", f"{title} :"]
        for f in items:
            where = f" ({f.location})" if f.location else ""
            lines.append(f"- {f.message}{where}")
            if f.hint:
                lines.append(f"  → {f.hint}")
    if errors:
        joined = (
            "Le fichier « …_corrections.xlsx » joint reprend votre bilan : les cellules à corriger y sont colorées et "
            "commentées, et la feuille « Corrections » les récapitule."
            if annotated
            else "Le fichier « …_corrections.xlsx » joint récapitule ces points (feuille, cellule, ce qui est attendu)."
        )
        lines += [
            "",
            f"{joined} Merci de nous renvoyer le bilan corrigé en augmentant sa version (Identification, ligne "
            "« version »).",
        ]
    lines += ["", "Cordialement,", "La CRESS Rhône-Alpes", ""]
    return clean_text("\n".join(lines))
