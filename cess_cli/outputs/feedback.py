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

Failures (README *Reading the feedback*): the feedback is staged in a private folder
and published whole or not at all; what could not be written is said, in French, in
`Feedback.problem`, and the text never mentions a workbook that was not written.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import shutil
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from cess_cli.findings import FileResult, Finding, Severity
from cess_cli.outputs.atomic import (
    TMP_PREFIX,
    TMP_SUFFIX,
    name_output,
    names_hidden,
    os_error_text,
    publish_new,
    save_workbook,
    write_text_atomic,
)
from cess_cli.outputs.print_pages import print_setup, wrapped_lines
from cess_cli.outputs.safety import clean_text, set_cell
from cess_cli.reading.limits import DEFAULT_LIMITS
from cess_cli.reading.preflight import read_regular_file
from cess_cli.reading.strict import is_strict, to_transitional
from cess_cli.wording import count

ERROR_FILL = PatternFill("solid", fgColor="F4B6B6")
WARNING_FILL = PatternFill("solid", fgColor="FFE699")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
CORRECTIONS = "Corrections"
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)
_CELL = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")


@dataclass(frozen=True)
class Feedback:
    """The feedback of one file (`file`: its name as shown): the text and the annotated
    workbook, each None when it was not written, and `problem`, a French sentence saying
    what could not be written and why (None when everything was)."""

    file: str
    text: Path | None
    workbook: Path | None
    problem: str | None = None

    @property
    def paths(self) -> list[Path]:
        return [p for p in (self.text, self.workbook) if p is not None]


TEXT_SUFFIX, WORKBOOK_SUFFIX = "_retour.txt", "_corrections.xlsx"
STEM_MAX_BYTES = 120  # + "_corrections.xlsx" and a "_2" stays far below the 255-byte limit


def feedback_stem(file: str) -> str:
    """A safe file-name stem from an operator's file name: no separators, no control
    characters, at most `STEM_MAX_BYTES` bytes of UTF-8 (cut between characters)."""
    stem = Path(file).stem
    safe = _UNSAFE_NAME.sub("_", clean_text(stem)).strip(" ._")
    cut = safe.encode("utf-8")[:STEM_MAX_BYTES].decode("utf-8", "ignore").rstrip(" ._")
    return cut or "bilan"


def feedback_names(folder: Path, stem: str) -> tuple[Path, Path]:
    """Where the text and the annotated workbook of `stem` go in `folder`."""
    return folder / f"{stem}{TEXT_SUFFIX}", folder / f"{stem}{WORKBOOK_SUFFIX}"


def write_feedback(
    result: FileResult, source: Path, folder: Path, *, stem: str | None = None, max_bytes: int | None = None
) -> Feedback:
    """Write the operator's feedback for one file into `folder` (SPEC §8, README *Reading
    the feedback*): `<stem>_retour.txt`, a French e-mail text, and, when the workbook
    could be read, `<stem>_corrections.xlsx`, their workbook annotated. Existing files are
    never replaced. Never raises: what could not be written is in `Feedback.problem`,
    and then nothing is left behind (the text never mentions a workbook not written)."""
    stem = stem or feedback_stem(result.file)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=folder))
    except OSError as exc:
        return Feedback(result.file, None, None, f"retour non écrit : {os_error_text(exc)}")
    try:
        staged = stage_feedback(result, source, staging, stem, max_bytes=max_bytes)
        return publish_feedback(staged, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def stage_feedback(
    result: FileResult, source: Path, staging: Path, stem: str, *, max_bytes: int | None = None
) -> Feedback:
    """Write the feedback files into `staging` (a private folder; `publish_feedback` gives
    them their names). The source is read again without following a link, and its
    annotated copy is made only if its bytes are still those validated (same SHA-256).
    Never raises: a workbook that cannot be annotated leaves the text alone (which then
    does not mention it); a text that cannot be written leaves nothing."""
    text_path, book_path = feedback_names(staging, stem)
    book: Path | None = None
    note: str | None = None
    annotated = False
    if not any(f.code.startswith(("fichier.", "dossier.")) for f in result.findings):
        try:
            data = _source_bytes(source, result.sha256, max_bytes)
            annotated = _is_xlsx(data)
            annotate(data, result.findings, book_path)
            book = book_path
        except Exception as exc:  # openpyxl cannot read what calamine read, memory, disk…
            note = f"copie annotée non écrite ({_why(exc)}) : seul le texte est écrit"
            with contextlib.suppress(OSError):
                book_path.unlink()
    try:
        text = summary_text(result, workbook=book is not None, annotated=annotated, workbook_name=book_path.name)
        write_text_atomic(text_path, text)
    except OSError as exc:
        with contextlib.suppress(OSError):
            book_path.unlink()
        if names_hidden(exc):  # the name the text would have had, never the staging folder
            name_output(exc, staging.parent / text_path.name)
        return Feedback(result.file, None, None, f"retour non écrit : {os_error_text(exc)}")
    return Feedback(result.file, text_path, book, note)


def publish_feedback(staged: Feedback, folder: Path) -> Feedback:
    """Give the staged files their names in `folder`, the workbook first, never replacing
    an existing file: both are published or neither (what was published is removed)."""
    if staged.text is None:
        return staged
    published: list[Path] = []
    target = folder
    try:
        for path in staged.paths[::-1]:
            target = folder / path.name
            publish_new(path, target)
            published.append(target)
    except OSError as exc:
        if names_hidden(exc):
            name_output(exc, target)
        for done in published:
            with contextlib.suppress(OSError):
                done.unlink()
        return Feedback(staged.file, None, None, f"retour non écrit : {os_error_text(exc)}")
    text = folder / staged.text.name
    book = folder / staged.workbook.name if staged.workbook is not None else None
    return Feedback(staged.file, text, book, staged.problem)


def _source_bytes(source: Path, sha256: str | None, max_bytes: int | None) -> bytes:
    data = read_regular_file(source, max_bytes or DEFAULT_LIMITS.max_file_bytes)
    if data is None:
        raise ValueError("le fichier n'est plus un fichier ordinaire")
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("le fichier a changé depuis sa lecture")
    return data


def _is_xlsx(data: bytes) -> bool:
    """An Office Open XML workbook (openpyxl can annotate it), not an `.ods` nor an `.xls`."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "mimetype" not in zf.namelist()
    except zipfile.BadZipFile:
        return False


def _operator_workbook(data: bytes) -> Workbook:
    """The operator's workbook for openpyxl (formats kept; XML parsed with defusedxml);
    a new, empty workbook for an `.ods` or an `.xls`."""
    if not _is_xlsx(data):
        wb = Workbook()
        wb.remove(wb.active)
        return wb
    if is_strict(data):
        data = to_transitional(data)
    return load_workbook(io.BytesIO(data))


def _why(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "mémoire insuffisante"
    if isinstance(exc, OSError):
        return os_error_text(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def annotate(source: Path | bytes, findings: list[Finding], target: Path) -> Path:
    """The operator's workbook (`source`: its path, or its bytes as validated) with every
    finding's cell coloured and commented, and a first sheet *Corrections* listing them,
    saved to `target`. Raises what openpyxl raises, OSError, ValueError."""
    data = source if isinstance(source, bytes) else _source_bytes(source, None, None)
    wb = _operator_workbook(data)  # keeps the operator's formats; XML parsed with defusedxml
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
    # one page wide, landscape, at about 88 % (README *Printing*): the two texts wrap
    # (sheet and code wider if one is longer: a name or a code is never broken)
    widths = (15, _fit(17, (f.sheet for f in findings)), 10, 55, 40, _fit(26, (f.code for f in findings)))
    for j, (h, w) in enumerate(zip(headers, widths, strict=True), start=1):
        c = ws.cell(row=1, column=j)
        set_cell(c, h)
        c.font, c.fill = Font(name="Calibri", bold=True, color="FFFFFF"), HEADER_FILL
        ws.column_dimensions[c.column_letter].width = w
    for i, f in enumerate(findings, start=2):
        values = (str(f.severity), f.sheet or "", f.cell or "", f.message, f.hint, f.code)
        for j, value in enumerate(values, start=1):
            c = ws.cell(row=i, column=j)
            set_cell(c, value)
            c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=i, column=1).fill = ERROR_FILL if f.severity is Severity.ERREUR else WARNING_FILL
        lines = max(wrapped_lines(clean_text(str(v or "")), w) for v, w in zip(values, widths, strict=True))
        ws.row_dimensions[i].height = 15 * lines + 2  # as tall as its longest text, never clipped
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:F{max(2, len(findings) + 1)}"
    print_setup(ws, title_row=1)
    wb.active = 0
    return save_workbook(wb, target)


def _fit(width: int, names: Iterable[str | None]) -> int:
    """`width`, or more for the longest of `names` (up to 40 units), which has no space to wrap at."""
    return max(width, min(40, max((len(n) + 3 for n in names if n), default=0)))


def summary_text(
    result: FileResult, *, workbook: bool = True, annotated: bool = True, workbook_name: str | None = None
) -> str:
    """A short French message for the operator, ready to paste in an e-mail; it mentions
    the corrections workbook only when `workbook` (it was written), by its file name
    `workbook_name` when known. `annotated`: that workbook is their own workbook
    annotated (else it lists the findings)."""
    name = clean_text(Path(result.file).name)
    what = f"de l'action {result.action} pour {result.annee} " if result.action and result.annee else ""
    errors = [f for f in result.findings if f.severity is Severity.ERREUR]
    warnings = [f for f in result.findings if f.severity is Severity.AVERTISSEMENT]
    lines = ["Bonjour,", ""]
    if errors:
        verb = "est" if result.errors <= 1 else "sont"
        lines.append(
            f"Nous avons bien reçu votre bilan {what}(fichier « {name} »). Il ne peut pas encore être pris en "
            f"compte : {count(result.errors, 'point')} {verb} à corriger."
        )
    else:
        verb = "mérite" if result.warnings <= 1 else "méritent"
        lines.append(
            f"Nous avons bien reçu votre bilan {what}(fichier « {name} ») et il est pris en compte. "
            f"{count(result.warnings, 'point').capitalize()} {verb} votre attention."
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
    if errors and workbook:
        attached = clean_text(workbook_name) if workbook_name else "…_corrections.xlsx"
        joined = (
            f"Le fichier « {attached} » joint reprend votre bilan : les cellules à corriger y sont colorées et "
            "commentées, et la feuille « Corrections » les récapitule."
            if annotated
            else f"Le fichier « {attached} » joint récapitule ces points (feuille, cellule, ce qui est attendu)."
        )
        lines += [
            "",
            f"{joined} Merci de nous renvoyer le bilan corrigé en augmentant sa version (Identification, ligne "
            "« version »).",
        ]
    elif errors:
        lines += [
            "",
            "Merci de nous renvoyer le bilan corrigé en augmentant sa version (Identification, ligne « version »).",
        ]
    lines += ["", "Cordialement,", "La CRESS Rhône-Alpes", ""]
    return clean_text("\n".join(lines))


def superseded_text(name: str, action: str | None, annee: int | None, version: int, replacement: str) -> str:
    """The French message for a version that a higher one replaced: nothing to correct in it
    (`replacement` reads like "2 (bilan_…_v2.xlsx)")."""
    what = f"de l'action {action} pour {annee} " if action and annee else ""
    lines = [
        "Bonjour,",
        "",
        f"Nous avons bien reçu votre bilan {what}(fichier « {clean_text(Path(name).name)} », version {version}). "
        f"Il a été remplacé par la version {clean_text(replacement)} : c'est la version la plus haute qui est "
        "prise en compte, il n'y a donc rien à corriger dans ce fichier-ci.",
        "",
        "Cordialement,",
        "La CRESS Rhône-Alpes",
        "",
    ]
    return clean_text("\n".join(lines))


def supersede_feedback(
    feedback: Feedback, name: str, action: str | None, annee: int | None, version: int, replacement: str
) -> Feedback:
    """Rewrite the feedback of a superseded version once the selection is known: its text
    says which version replaced it, and its annotated copy (a list of cells to correct)
    is removed. Returns the feedback files that remain. Raises OSError if the text
    cannot be written."""
    assert feedback.text is not None
    write_text_atomic(feedback.text, superseded_text(name, action, annee, version, replacement))
    if feedback.workbook is not None:
        feedback.workbook.unlink(missing_ok=True)
    return Feedback(feedback.file, feedback.text, None, feedback.problem)
