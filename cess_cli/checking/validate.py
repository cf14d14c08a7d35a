"""Validate a bilan workbook against its action's model: workbook + referential -> findings.

Never raises for bad data: every problem becomes a `Finding` with its sheet and
cell. The reader keeps each value's cell address next to it (`_Run.addr`), so
positions survive pydantic validation (`_findings_from_pydantic`).
"""

from __future__ import annotations

import operator
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cess_cli.catalogue import make
from cess_cli.findings import FileResult, Finding, Report, Severity
from cess_cli.reading import cells
from cess_cli.reading.limits import DEFAULT_LIMITS, Limits
from cess_cli.reading.workbook import Book, Sheet, col_letter, normalize, open_book
from cess_cli.referential.bilan_format import (
    FINANCEMENTS,
    IDENTIFICATION,
    IDENTIFICATION_KEYS,
    INDICATEURS,
    QUALITATIF,
    SHEETS,
    TERRITOIRES,
    SheetSpec,
)
from cess_cli.referential.loading import Referential

Loc = tuple[Any, ...]


@dataclass(slots=True)
class Bilan:
    """The content of a valid bilan, each figure with the cell it came from."""

    file: str
    action: str
    annee: int
    version: int
    porteur: str
    date_transmission: date
    valeurs: dict[str, float] = field(default_factory=dict)
    cellules: dict[str, str] = field(default_factory=dict)  # indicator -> "Indicateurs!E7"
    cumuls: dict[str, float] = field(default_factory=dict)
    cellules_cumul: dict[str, str] = field(default_factory=dict)  # indicator -> "Indicateurs!F7"
    commentaires: dict[str, str] = field(default_factory=dict)
    financements: list[tuple[str, float | None, float | None, str]] = field(default_factory=list)
    territoires: list[tuple[str, str, float, float | None, float | None, str]] = field(default_factory=list)


_OPS = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}
_KNOWN_KEYS = {k for k, _, _ in IDENTIFICATION_KEYS}


class _Run:
    """State of one file's validation."""

    def __init__(self, display: str, ref: Referential) -> None:
        self.display = display
        self.ref = ref
        self.result = FileResult(display)
        self.addr: dict[Loc, tuple[str, str | None]] = {}
        self.reported: set[Loc] = set()
        self.book: Book | None = None

    def add(self, code: str, sheet: str | None, cell: str | None, **kw: Any) -> None:
        self.result.findings.append(make(code, self.display, sheet, cell, **kw))

    def parsed(self, loc: Loc, parsed: cells.Parsed, sheet: str, cell: str) -> Any:
        """Record a parser's warning or error; return the usable value (or None)."""
        value, code, fields = parsed
        self.addr[loc] = (sheet, cell)
        if code is not None:
            self.add(code, sheet, cell, **fields)
            if value is None:
                self.reported.add(loc)
        return value


def validate_workbook(
    path: Path, ref: Referential, *, display: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> FileResult:
    """Validate one bilan file; never raises for a bad file."""
    return read_bilan(path, ref, display=display, limits=limits)[0]


def validate_paths(
    paths: Iterable[Path],
    ref: Referential,
    *,
    limits: Limits = DEFAULT_LIMITS,
    isolate: bool = False,
    timeout: float = 30.0,
    feedback_dir: Path | None = None,
) -> Report:
    """Validate files and folders (recursively, *.xlsx and look-alikes), one file at a time.

    With `isolate`, files are read in worker processes (see isolation.py): a file that
    crashes the reader or exceeds `timeout` seconds gets a finding, the others go on.
    With `feedback_dir`, every file with findings gets its feedback files there."""
    from cess_cli.reading.isolation import read_many

    report = Report()
    files = iter_bilan_files(paths)
    for result, _, _ in read_many(
        files, ref, limits=limits, isolate=isolate, timeout=timeout, feedback_dir=feedback_dir
    ):
        report.files.append(result)
    return report


def iter_bilan_files(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> Iterator[tuple[Path, str]]:
    """Files named on the command line, and the spreadsheet files found in folders.

    Folders are walked without following symbolic links; inside a folder, every
    entry whose name looks like a spreadsheet is yielded, even a link or a FIFO,
    so the validator can report it instead of silently skipping it. Hidden folders,
    Office lock files and the `exclude` folders (cess's own output folder, when it
    lies inside the bilans folder) are not walked.
    """
    suffixes = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
    skip = {p.resolve() for p in exclude}
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            found = []
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (Path(root) / d).resolve() not in skip)
                for name in [*files, *dirs]:
                    if name.lower().endswith(suffixes) and not name.startswith(("~$", ".~lock")):
                        found.append(Path(root) / name)
            for f in sorted(found):
                yield f, str(f)
        else:
            yield path, str(path)


def read_bilan(
    path: Path, ref: Referential, *, display: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[FileResult, Bilan | None]:
    run = _Run(display or str(path), ref)
    book, finding, run.result.sha256 = open_book(path, run.display, limits)
    if book is None:
        assert finding is not None
        run.result.findings.append(finding)
        return run.result, None
    run.book = book
    try:
        bilan = _validate_book(run, book, limits)
    except Exception as exc:  # a reader surprise must never become a traceback
        run.add("fichier.illisible", None, None, detail=f"{type(exc).__name__}: {exc}"[:200])
        bilan = None
    finally:
        book.close()
    return run.result, bilan


def _locate_sheets(run: _Run, book: Book, limits: Limits) -> dict[str, Sheet | None]:
    by_norm = {normalize(n): n for n in book.sheet_names}
    expected = {normalize(s.title) for s in SHEETS} | {
        normalize("Mode d'emploi"),
        normalize("Listes"),
    }
    strangers = [n for n in book.sheet_names if normalize(n) not in expected]
    out: dict[str, Sheet | None] = {}
    for spec in SHEETS:
        actual = by_norm.get(normalize(spec.title))
        if actual is None:
            hint = (
                f"La feuille « {strangers[0]} » a-t-elle été renommée ? Rendez-lui le nom « {spec.title} »."
                if strangers
                else None
            )
            finding = make(
                "feuille.manquante",
                run.display,
                spec.title,
                None,
                attendu=spec.title,
                trouve=", ".join(book.sheet_names),
            )
            if hint:
                finding = Finding(**{**finding.to_dict(), "severity": finding.severity, "hint": hint})
            run.result.findings.append(finding)
            out[spec.key] = None
            continue
        sheet = book.sheet(actual)
        if len(sheet.rows) > limits.max_rows:
            run.add(
                "fichier.trop_gros",
                actual,
                None,
                detail=f"{len(sheet.rows)} lignes (limite {limits.max_rows})",
            )
            out[spec.key] = None
            continue
        out[spec.key] = sheet
    return out


def _columns(run: _Run, sheet: Sheet, spec: SheetSpec) -> dict[str, int] | None:
    header = sheet.header()
    by_norm = {name: i for i, name in reversed(list(enumerate(header))) if name}
    index = {col: by_norm[normalize(col)] for col in spec.columns if normalize(col) in by_norm}
    ok = True
    for pos, col in enumerate(spec.columns):
        if col in index:
            continue
        found = ", ".join(str(v) for v in (sheet.rows[0] if sheet.rows else []) if not cells.is_blank(v)) or "rien"
        severity = None if col in spec.essential else Severity.AVERTISSEMENT
        run.result.findings.append(
            make(
                "colonne.manquante",
                run.display,
                sheet.name,
                f"{col_letter(pos)}1",
                severity=severity,
                attendu=col,
                trouve=found,
            )
        )
        ok = ok and col not in spec.essential
    return index if ok else None


def _rows(sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    """Data rows with their Excel row number; rows with no value at all are skipped."""
    for r, row in enumerate(sheet.rows[1:], start=2):
        for v in row:
            if v != "" and v is not None and not (type(v) is str and not v.strip()):
                yield r, row
                break


MAX_TEXT = 32767  # Excel's own limit for one cell


def _get(row: list[Any], idx: int | None) -> Any:
    return row[idx] if idx is not None and idx < len(row) else None


def _too_long(run: _Run, value: Any, sheet: str, cell: str) -> bool:
    """A text longer than Excel allows in a cell: reported, and the value is not used."""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        run.add("valeur.trop_longue", sheet, cell, trouve=len(value), attendu=MAX_TEXT)
        return True
    return False


def _validate_book(run: _Run, book: Book, limits: Limits) -> Bilan | None:
    sheets = _locate_sheets(run, book, limits)
    ident_sheet = sheets["identification"]
    if ident_sheet is None:
        return None
    cols = _columns(run, ident_sheet, IDENTIFICATION)
    if cols is None:
        return None
    raw, where = _identification_rows(run, ident_sheet, cols)
    title = ident_sheet.name

    # Format version first: an unknown format gets one finding, not a cascade.
    version_modele = cells.parse_text(raw.get("version_modele"))
    actives = run.ref.versions_actives
    if version_modele is None:
        run.add(
            "modele.version_absente",
            title,
            where.get("version_modele"),
            attendu=run.ref.version_courante,
        )
        version_modele = run.ref.version_courante
    elif version_modele not in actives:
        retired = {v.version: v.message for v in run.ref.contrat.versions_modele if v.statut == "retire"}
        run.add(
            "modele.version_inconnue",
            title,
            where.get("version_modele"),
            trouve=version_modele,
            attendu=", ".join(actives),
            message=None if version_modele not in retired or not retired[version_modele] else retired[version_modele],
        )
        return None

    code = cells.parse_text(raw.get("code_action"))
    if code is None:
        run.add("identification.manquant", title, where.get("code_action"), attendu="code_action")
        return None
    code = code.upper() if code.upper() in run.ref.actions else code
    if code not in run.ref.actions:
        run.add("action.inconnue", title, where.get("code_action"), trouve=code)
        return None
    run.result.action = code
    action = run.ref.actions[code]

    ident: dict[str, Any] = {"code_action": code, "version_modele": version_modele}
    for key in ("porteur", "contact_nom", "contact_email", "siret"):
        text = cells.parse_text(raw.get(key))
        if text is not None:
            ident[key] = text
        run.addr[("identification", key)] = (title, where.get(key))
    annee = run.parsed(
        ("identification", "annee"),
        cells.parse_int(raw.get("annee")),
        title,
        where.get("annee") or "",
    )
    if annee is not None:
        if annee not in run.ref.periode:
            run.add(
                "annee.hors_contrat",
                title,
                where.get("annee"),
                trouve=annee,
                attendu="-".join(map(str, (min(run.ref.periode), max(run.ref.periode)))),
            )
            run.reported.add(("identification", "annee"))
        else:
            ident["annee"] = annee
            run.result.annee = annee
    date_tr = run.parsed(
        ("identification", "date_transmission"),
        cells.parse_date(raw.get("date_transmission")),
        title,
        where.get("date_transmission") or "",
    )
    if date_tr is not None:
        ident["date_transmission"] = date_tr
        run.result.date_transmission = date_tr
    raw_version = raw.get("version")
    if not cells.is_blank(raw_version):
        version, vcode, _ = cells.parse_int(raw_version)
        if version is None or version < 1 or (vcode is not None and not vcode.startswith("nombre.texte")):
            run.add(
                "identification.version_invalide",
                title,
                where.get("version"),
                trouve=cells.parse_text(raw_version),
            )
            run.reported.add(("identification", "version"))
        else:
            ident["version"] = version
    run.result.version = ident.get("version", 1)
    for key in ("annee", "date_transmission", "version", "code_action", "version_modele"):
        run.addr.setdefault(("identification", key), (title, where.get(key)))

    final_year = annee is not None and annee == max(action.annees)
    indic, cumuls, comments = _indicators(run, sheets["indicateurs"], code, final_year)
    finances = _financements(run, sheets["financements"])
    territoires = _territoires(run, sheets["territoires"])
    qualitatif = _qualitatif(run, sheets["qualitatif"])

    data = {
        "identification": ident,
        "indicateurs": indic,
        "cumuls": cumuls,
        "financements": finances,
        "territoires": territoires,
        "qualitatif": qualitatif,
    }
    model = run.ref.model_for(code)
    try:
        model.model_validate(data)
    except ValidationError as exc:
        _findings_from_pydantic(run, exc, code)

    _check_territories(run, code, indic, territoires, sheets["territoires"] is not None)
    _check_rules(run, indic)
    if date_tr is not None and annee in run.ref.periode and date_tr > run.ref.echeance(annee):
        run.add(
            "transmission.retard",
            title,
            where.get("date_transmission"),
            trouve=date_tr.strftime("%d/%m/%Y"),
            attendu=run.ref.echeance(annee).strftime("%d/%m/%Y"),
        )
    if not run.result.valid:
        return None
    return Bilan(
        file=run.display,
        action=code,
        annee=ident["annee"],
        version=ident.get("version", 1),
        porteur=ident["porteur"],
        date_transmission=ident["date_transmission"],
        valeurs=dict(indic),
        cellules={k: f"{run.addr[('indicateurs', k)][0]}!{run.addr[('indicateurs', k)][1]}" for k in indic},
        cumuls=cumuls,
        cellules_cumul={k: f"{run.addr[('cumuls', k)][0]}!{run.addr[('cumuls', k)][1]}" for k in cumuls},
        commentaires=comments,
        financements=[
            (
                f["financeur"],
                f.get("montant_prevu"),
                f.get("montant_obtenu"),
                f"Financements!{run.addr[('financements', i)][1]}",
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
                f"Territoires!{run.addr[('territoires', i)][1]}",
            )
            for i, t in enumerate(territoires)
        ],
    )


def _identification_rows(run: _Run, sheet: Sheet, cols: dict[str, int]) -> tuple[dict[str, Any], dict[str, str]]:
    raw: dict[str, Any] = {}
    where: dict[str, str] = {}
    c_key, c_val = cols["cle"], cols["valeur"]
    val_letter = col_letter(c_val)
    for r, row in _rows(sheet):
        key_text = cells.parse_text(_get(row, c_key))
        if key_text is None:
            continue
        key = normalize(key_text).replace(" ", "_")
        cell = f"{val_letter}{r}"
        if key not in _KNOWN_KEYS:
            run.add(
                "identification.cle_inconnue",
                sheet.name,
                f"{col_letter(c_key)}{r}",
                trouve=key_text,
            )
            continue
        if key in where:
            run.add(
                "identification.cle_dupliquee",
                sheet.name,
                f"{col_letter(c_key)}{r}",
                trouve=key,
                detail=where[key],
            )
            continue
        value = _get(row, c_val)
        where[key] = cell
        if _too_long(run, value, sheet.name, cell):
            run.reported.add(("identification", key))
            continue
        raw[key] = value
    return raw, where


def _indicators(
    run: _Run, sheet: Sheet | None, action_code: str, final_year: bool
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    cumuls: dict[str, Any] = {}
    comments: dict[str, str] = {}
    if sheet is None:
        for ia, _ in run.ref.typed_indicators(action_code):
            run.reported.add(("indicateurs", ia.code))
        return values, cumuls, comments
    cols = _columns(run, sheet, INDICATEURS)
    if cols is None:
        for ia, _ in run.ref.typed_indicators(action_code):
            run.reported.add(("indicateurs", ia.code))
        return values, cumuls, comments
    typed = {ia.code: (ia, ind) for ia, ind in run.ref.typed_indicators(action_code)}
    c_code, c_val = cols["code"], cols["valeur"]
    c_cumul, c_comment = cols.get("cumul_periode"), cols.get("commentaire")
    seen: dict[str, str] = {}
    for r, row in _rows(sheet):
        code_text = cells.parse_text(_get(row, c_code))
        code_cell = f"{col_letter(c_code)}{r}"
        if code_text is None:
            continue
        code = code_text.lower()
        if code in seen:
            run.add("indicateur.duplique", sheet.name, code_cell, trouve=code, detail=seen[code])
            run.reported.add(("indicateurs", code))
            values.pop(code, None)
            continue
        seen[code] = code_cell
        if code not in typed:
            known = run.ref.indicateurs.get(code)
            if known is not None and known.nature == "ratio":
                run.add("indicateur.calcule", sheet.name, code_cell, trouve=code)
            else:
                run.add(
                    "indicateur.inconnu",
                    sheet.name,
                    code_cell,
                    trouve=code_text,
                    detail=action_code,
                )
            continue
        _, ind = typed[code]
        cell = f"{col_letter(c_val)}{r}"
        raw = _get(row, c_val)
        parser = cells.parse_int if ind.unite == "nombre" else cells.parse_number
        value = run.parsed(("indicateurs", code), parser(raw), sheet.name, cell)
        if value is not None:
            values[code] = value
        elif cells.is_blank(raw) and _hidden(run, sheet, cell):
            run.reported.add(("indicateurs", code))
        if c_comment is not None:
            raw_comment = _get(row, c_comment)
            comment = (
                None
                if _too_long(run, raw_comment, sheet.name, f"{col_letter(c_comment)}{r}")
                else cells.parse_text(raw_comment)
            )
            if comment:
                comments[code] = comment
        if final_year and c_cumul is not None:
            ccell = f"{col_letter(c_cumul)}{r}"
            raw_cumul = _get(row, c_cumul)
            cumul = run.parsed(("cumuls", code), cells.parse_number(raw_cumul), sheet.name, ccell)
            if cumul is not None:
                cumuls[code] = cumul
            elif cells.is_blank(raw_cumul) and value is not None and not _hidden(run, sheet, ccell):
                run.add("cumul.manquant", sheet.name, ccell, attendu=code, detail=run.result.annee)
    return values, cumuls, comments


def _hidden(run: _Run, sheet: Sheet, cell: str) -> bool:
    """Report a cell read as blank that holds an uncomputed formula or an Excel error."""
    content = run.book.hidden_content(sheet.name, cell) if run.book is not None else None
    if content is None:
        return False
    if content == "formule":
        run.add("formule.sans_valeur", sheet.name, cell)
    else:
        run.add("valeur.erreur_excel", sheet.name, cell, trouve=content)
    return True


def _financements(run: _Run, sheet: Sheet | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if sheet is None:
        return out
    cols = _columns(run, sheet, FINANCEMENTS)
    if cols is None:
        return out
    seen: dict[str, str] = {}
    for r, row in _rows(sheet):
        i = len(out)
        line: dict[str, Any] = {}
        fcell = f"{col_letter(cols['financeur'])}{r}"
        run.addr[("financements", i)] = (sheet.name, fcell)
        run.addr[("financements", i, "financeur")] = (sheet.name, fcell)
        funder = cells.parse_text(_get(row, cols["financeur"]))
        if funder is not None:
            funder = funder.upper().replace(" ", "_")
            if funder in seen:
                run.add("financeur.duplique", sheet.name, fcell, trouve=funder, detail=seen[funder])
            seen.setdefault(funder, fcell)
            line["financeur"] = funder
        for col in ("montant_prevu", "montant_obtenu"):
            idx = cols.get(col)
            if idx is None:
                continue
            cell = f"{col_letter(idx)}{r}"
            value = run.parsed(("financements", i, col), cells.parse_number(_get(row, idx)), sheet.name, cell)
            if value is not None:
                line[col] = value
        if cols.get("commentaire") is not None:
            comment = cells.parse_text(_get(row, cols["commentaire"]))
            if comment:
                line["commentaire"] = comment
        out.append(line)
    return out


def _territoires(run: _Run, sheet: Sheet | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if sheet is None:
        return out
    cols = _columns(run, sheet, TERRITOIRES)
    if cols is None:
        return out
    deps = set(run.ref.departements)
    seen: dict[tuple[str, str], str] = {}
    for r, row in _rows(sheet):
        i = len(out)
        line: dict[str, Any] = {}
        dcell = f"{col_letter(cols['departement'])}{r}"
        run.addr[("territoires", i)] = (sheet.name, dcell)
        run.addr[("territoires", i, "departement")] = (sheet.name, dcell)
        dep = _departement(run, _get(row, cols["departement"]), deps, sheet.name, dcell)
        if dep is not None:
            line["departement"] = dep
        icell = f"{col_letter(cols['indicateur'])}{r}"
        run.addr[("territoires", i, "indicateur")] = (sheet.name, icell)
        ind = cells.parse_text(_get(row, cols["indicateur"]))
        if ind is not None:
            line["indicateur"] = ind.lower()
        for col in ("valeur", "dont_qpv", "dont_zrr"):
            idx = cols.get(col)
            if idx is None:
                continue
            cell = f"{col_letter(idx)}{r}"
            value = run.parsed(("territoires", i, col), cells.parse_number(_get(row, idx)), sheet.name, cell)
            if value is not None:
                line[col] = value
        key = (line.get("departement", ""), line.get("indicateur", ""))
        if all(key):
            if key in seen:
                run.add(
                    "territoire.duplique",
                    sheet.name,
                    dcell,
                    trouve=f"{key[0]} / {key[1]}",
                    detail=seen[key],
                )
                run.reported.add(("territoires", i, "valeur"))
            seen.setdefault(key, dcell)
        out.append(line)
    return out


def _departement(run: _Run, raw: Any, deps: set[str], sheet: str, cell: str) -> str | None:
    text = cells.parse_text(raw)
    if text is None:
        return None
    norm = text.strip().upper().replace(" ", "_")
    if norm in deps:
        return norm
    if norm.isdigit() and norm.zfill(2) in deps:
        fixed = norm.zfill(2)
        run.add("departement.format", sheet, cell, trouve=text, attendu=fixed)
        return fixed
    if norm.replace("-", "_") in deps:
        return norm.replace("-", "_")
    return norm  # the model reports it as unknown, with the list of valid codes


def _qualitatif(run: _Run, sheet: Sheet | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if sheet is None:
        run.reported.add(("qualitatif", "realisations"))
        return out
    cols = _columns(run, sheet, QUALITATIF)
    if cols is None:
        run.reported.add(("qualitatif", "realisations"))
        return out
    known = {r.code for r in run.ref.contrat.rubriques_qualitatives}
    for r, row in _rows(sheet):
        rub = cells.parse_text(_get(row, cols["rubrique"]))
        if rub is None:
            continue
        key = normalize(rub).replace(" ", "_")
        if key not in known:
            run.add(
                "qualitatif.rubrique_inconnue",
                sheet.name,
                f"{col_letter(cols['rubrique'])}{r}",
                trouve=rub,
                attendu=", ".join(sorted(known)),
            )
            continue
        tcell = f"{col_letter(cols['texte'])}{r}"
        run.addr[("qualitatif", key)] = (sheet.name, tcell)
        raw_text = _get(row, cols["texte"])
        if _too_long(run, raw_text, sheet.name, tcell):
            run.reported.add(("qualitatif", key))
            continue
        text = cells.parse_text(raw_text)
        if text is not None:
            out[key] = text
    return out


def _findings_from_pydantic(run: _Run, exc: ValidationError, action_code: str) -> None:
    """Turn a pydantic ValidationError into findings, each at its sheet and cell."""
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(err["loc"])
        if loc in run.reported or loc[:2] in run.reported:
            continue
        sheet, cell = run.addr.get(loc) or run.addr.get(loc[:2]) or (_sheet_of(loc[0]), None)
        etype = err["type"]
        found = err.get("input")
        shown = found if not isinstance(found, dict | list) else ""
        section = loc[0]
        field_name = str(loc[-1])
        code, fields = _classify(run, section, field_name, etype, err, action_code)
        fields.setdefault("trouve", shown)
        run.add(code, sheet, cell, **fields)


def _classify(run: _Run, section: str, name: str, etype: str, err: Any, action_code: str) -> tuple[str, dict[str, Any]]:
    ctx = err.get("ctx") or {}
    if "." in etype:  # custom checks use the finding code as their error type
        return etype, {k: v for k, v in ctx.items()} | {"attendu": date.today().strftime("%d/%m/%Y")}
    if etype in ("missing", "string_too_short"):
        if section == "identification":
            return "identification.manquant", {"attendu": name}
        if section == "indicateurs":
            ind = run.ref.indicateurs[name]
            return "indicateur.manquant", {"attendu": f"{name} — {ind.libelle}"}
        if section == "qualitatif":
            return "qualitatif.manquant", {"attendu": name}
        return "ligne.incomplete", {"attendu": name}
    if etype == "greater_than_equal":
        return "valeur.negative", {}
    if etype in ("int_from_float",):
        return "valeur.non_entiere", {"attendu": name}
    if etype == "literal_error":
        if name == "annee":
            action = run.ref.actions[action_code]
            return "annee.action_inactive", {
                "attendu": ", ".join(map(str, action.annees)),
                "detail": action_code,
            }
        if name == "financeur":
            return "financeur.inconnu", {"attendu": ", ".join(run.ref.codes_financeurs)}
        if name == "departement":
            return "departement.inconnu", {"attendu": ", ".join(run.ref.departements)}
        if name == "indicateur":
            territorial = [ind.code for _, ind in run.ref.typed_indicators(action_code) if ind.territorial]
            return "territoire.indicateur_inconnu", {"attendu": ", ".join(territorial) or "aucun"}
    if etype in ("int_type", "int_parsing", "float_type", "float_parsing"):
        return "valeur.non_numerique", {}
    if etype.startswith("date"):
        return "date.invalide", {}
    return "valeur.invalide", {"detail": err.get("msg", etype)}


def _sheet_of(section: str) -> str | None:
    return {
        "identification": IDENTIFICATION.title,
        "indicateurs": INDICATEURS.title,
        "cumuls": INDICATEURS.title,
        "financements": FINANCEMENTS.title,
        "territoires": TERRITOIRES.title,
        "qualitatif": QUALITATIF.title,
    }.get(section)


def _check_territories(
    run: _Run,
    action_code: str,
    indic: dict[str, Any],
    lines: list[dict[str, Any]],
    sheet_present: bool,
) -> None:
    if not sheet_present:
        return
    broken = {line.get("indicateur") for i, line in enumerate(lines) if ("territoires", i, "valeur") in run.reported}
    totals: dict[str, float] = {}
    for i, line in enumerate(lines):
        ind, value = line.get("indicateur"), line.get("valeur")
        if ind is None or value is None:
            continue
        totals[ind] = totals.get(ind, 0) + value
        for col, code in (
            ("dont_qpv", "territoire.qpv_superieur"),
            ("dont_zrr", "territoire.zrr_superieur"),
        ):
            part = line.get(col)
            if part is not None and part > value + 1e-9:
                sheet, cell = run.addr[("territoires", i, col)]
                run.add(code, sheet, cell, trouve=part, attendu=value)
    for _, ind in run.ref.typed_indicators(action_code):
        if not ind.territorial or ind.code not in indic or ind.code in broken:
            continue
        declared = indic[ind.code]
        total = totals.get(ind.code, 0)
        if abs(total - declared) > 1e-6:
            sheet, cell = run.addr[("indicateurs", ind.code)]
            run.add("territoire.somme", sheet, cell, trouve=total, attendu=declared, detail=ind.code)


def _check_rules(run: _Run, indic: dict[str, Any]) -> None:
    for rule in run.ref.regles:
        left_terms, right_terms = rule.termes(rule.gauche), rule.termes(rule.droite)
        if not all(t in indic for t in (*left_terms, *right_terms)):
            continue
        left = sum(indic[t] for t in left_terms)
        right = sum(indic[t] for t in right_terms)
        if not _OPS[rule.operateur](left, right):
            sheet, cell = run.addr[("indicateurs", left_terms[0])]
            run.add(
                f"regle.{rule.code}",
                sheet,
                cell,
                severity=rule.gravite,
                detail=rule.message.rstrip("."),
                trouve=f"{rule.gauche} = {cells._show(left)}, {rule.droite} = {cells._show(right)}",
            )
