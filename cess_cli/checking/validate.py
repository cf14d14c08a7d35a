"""Validate a bilan workbook against its action's model: workbook + referential -> findings.

Never raises for bad data: every problem becomes a `Finding` with its sheet and
cell. The reader keeps each value's cell address next to it (`FileCheck.addr`), so
positions survive pydantic validation (`findings_from_pydantic`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cess_cli.checking.bilan import Bilan
from cess_cli.checking.identification import Identification, read_identification, sheets_of_another_action
from cess_cli.checking.pydantic_findings import findings_from_pydantic
from cess_cli.checking.rules import check_rules, check_targets, check_territories
from cess_cli.checking.sheets import read_financements, read_indicators, read_qualitatif, read_territoires
from cess_cli.checking.state import FileCheck, Loc
from cess_cli.checking.structure import locate_sheets
from cess_cli.findings import FileResult, Finding
from cess_cli.reading.kinds import column_number
from cess_cli.reading.limits import DEFAULT_LIMITS, Limits
from cess_cli.reading.preflight import short_reason
from cess_cli.reading.workbook import Book, DamagedSheet, open_book
from cess_cli.referential.loading import Referential
from cess_cli.wording import french_date


def validate_workbook(
    path: Path, ref: Referential, *, display: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> FileResult:
    """Validate one bilan file against its action's model (SPEC §4, §5).

    `display` is the name findings give the file (default: the path). Returns the
    `FileResult`: every finding with its sheet and cell, and what was learned of the
    file (action, year, version, SHA-256). Never raises for a bad file: an unreadable
    one is a single `erreur` finding."""
    return read_bilan(path, ref, display=display, limits=limits)[0]


def read_bilan(
    path: Path, ref: Referential, *, display: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[FileResult, Bilan | None]:
    """Validate one file and, when it is valid, return its content too: (result, bilan or None).

    The `Bilan` carries each figure with the cell it came from (what consolidation
    reads, SPEC §6). Never raises for a bad file."""
    run = FileCheck(display or str(path), ref)
    book, finding, run.result.sha256 = open_book(path, run.display, limits)
    if book is None:
        assert finding is not None
        run.result.findings.append(finding)
        return run.result, None
    run.book = book
    try:
        bilan = _validate_book(run, book, limits)
    except DamagedSheet as exc:
        run.add("fichier.illisible", exc.sheet, None, detail=exc.reason)
        bilan = None
    except Exception as exc:  # a reader surprise must never become a traceback
        run.add("fichier.illisible", None, None, detail=short_reason(exc))
        bilan = None
    finally:
        book.close()
    run.result.findings.sort(key=_reading_order(book.sheet_names))
    return run.result, bilan


def _reading_order(sheet_names: list[str]) -> Callable[[Finding], tuple[int, int, int]]:
    """The order an operator reads the file in: what concerns the whole file first, then
    sheet by sheet as the workbook orders them, and within a sheet what concerns the
    whole sheet, then cell by cell, row after row (the checks' own order where these tie)."""
    rank = {name: i for i, name in enumerate(sheet_names)}

    def key(f: Finding) -> tuple[int, int, int]:
        if f.sheet is None:
            return (-1, 0, 0)
        where = _CELL.fullmatch(f.cell or "")
        row, col = (int(where.group(2)), column_number(where.group(1))) if where else (0, 0)
        return (rank.get(f.sheet, len(rank)), row, col)

    return key


_CELL = re.compile(r"([A-Z]{1,3})([0-9]+)")


def _validate_book(run: FileCheck, book: Book, limits: Limits) -> Bilan | None:
    """Every check of SPEC §4 on an opened workbook; the bilan's content when it is valid."""
    sheets = locate_sheets(run, book, limits)
    ident_sheet = sheets["identification"]
    ident = read_identification(run, ident_sheet) if ident_sheet is not None else None
    if ident is None or sheets_of_another_action(run, ident, sheets["indicateurs"]):
        return None
    action = run.ref.actions[ident.code]
    final_year = ident.annee is not None and ident.annee == max(action.annees)
    indic, cumuls, comments = read_indicators(run, sheets["indicateurs"], ident.code, final_year)
    finances = read_financements(run, sheets["financements"])
    territoires = read_territoires(run, sheets["territoires"])
    qualitatif = read_qualitatif(run, sheets["qualitatif"])
    data = {
        "identification": ident.fields,
        "indicateurs": indic,
        "cumuls": cumuls,
        "financements": finances,
        "territoires": territoires,
        "qualitatif": qualitatif,
    }
    try:
        run.ref.model_for(ident.code).model_validate(data)
    except ValidationError as exc:
        findings_from_pydantic(run, exc, ident.code)
    check_territories(run, ident.code, indic, territoires, sheets["territoires"] is not None)
    check_rules(run, indic)
    check_targets(run, ident.code, ident.annee, indic, comments)
    _check_deadline(run, ident)
    if not run.result.valid:
        return None
    return _to_bilan(run, ident, indic, cumuls, comments, finances, territoires, qualitatif)


def _check_deadline(run: FileCheck, ident: Identification) -> None:
    """A transmission after the year's deadline is an `avertissement`; a date in the future
    is refused by the model (`identification.date_future`), not judged late as well."""
    annee, sent = ident.annee, ident.date_transmission
    if sent is None or annee is None or annee not in run.ref.periode or sent > date.today():
        return
    deadline = run.ref.echeance(annee)
    if sent > deadline:
        version = ident.fields.get("version", 1)
        # which on-time fact of the completeness follow-up this date feeds (README, cess status)
        # (columns « premier envoi à l'heure », « version comptée à l'heure »), in the operator's words
        suivi = (
            "Votre premier envoi sera noté hors délai dans le suivi de la CRESS (et la version retenue aussi, "
            "si c'est celle-ci)."
            if version == 1
            # never « if the CRESS retains it » beside a feedback saying it counts (a user's review)
            else f"Cette version {version} sera notée hors délai dans le suivi de la CRESS ; votre premier envoi "
            "reste jugé sur sa propre date."
        )
        run.add(
            "transmission.retard",
            ident.sheet,
            ident.where.get("date_transmission"),
            trouve=french_date(sent),
            attendu=french_date(deadline),
            detail=suivi,
        )


def _to_bilan(
    run: FileCheck,
    ident: Identification,
    indic: dict[str, Any],
    cumuls: dict[str, Any],
    comments: dict[str, str],
    finances: list[dict[str, Any]],
    territoires: list[dict[str, Any]],
    qualitatif: dict[str, str],
) -> Bilan:
    """The content of a valid bilan, each figure with its cell: the cell of the value itself
    (`Territoires!C5`, the obtained amount of a financing row), on the sheet's real name."""

    def at(loc: Loc) -> str:
        sheet, cell = run.addr[loc]
        return f"{sheet}!{cell}"

    return Bilan(
        file=run.display,
        action=ident.code,
        annee=ident.fields["annee"],
        version=ident.fields.get("version", 1),
        porteur=ident.fields["porteur"],
        date_transmission=ident.fields["date_transmission"],
        valeurs=dict(indic),
        cellules={k: at(("indicateurs", k)) for k in indic},
        cumuls=cumuls,
        cellules_cumul={k: at(("cumuls", k)) for k in cumuls},
        commentaires=comments,
        financements=[
            (
                f["financeur"],
                f.get("montant_prevu"),
                f.get("montant_obtenu"),
                at(("financements", i, "montant_obtenu") if "montant_obtenu" in f else ("financements", i)),
            )
            for i, f in enumerate(finances)
        ],
        territoires=[
            (
                t["departement"],
                t["indicateur"],
                t["valeur"],
                t.get("dont_qpv"),
                t.get("dont_zrr"),
                at(("territoires", i, "valeur")),
            )
            for i, t in enumerate(territoires)
        ],
        qualitatif=[
            (r.code, qualitatif[r.code], at(("qualitatif", r.code)))
            for r in run.ref.contrat.rubriques_qualitatives
            if qualitatif.get(r.code)
        ],
    )
