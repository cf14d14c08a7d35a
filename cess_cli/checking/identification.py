"""The Identification sheet: its key/value rows, the format version, the action and year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from cess_cli.checking.state import FileCheck
from cess_cli.checking.structure import cell_value, columns_of, data_rows, keyless_row, too_long
from cess_cli.reading import cells
from cess_cli.reading.cells import normalize
from cess_cli.reading.workbook import Sheet, col_letter
from cess_cli.referential.bilan_format import IDENTIFICATION, IDENTIFICATION_KEYS, INDICATEURS
from cess_cli.suggestions import suggestion

KNOWN_KEYS = {k for k, _, _ in IDENTIFICATION_KEYS}


def identification_rows(run: FileCheck, sheet: Sheet, cols: dict[str, int]) -> tuple[dict[str, Any], dict[str, str]]:
    raw: dict[str, Any] = {}
    where: dict[str, str] = {}
    c_key, c_val = cols["cle"], cols["valeur"]
    val_letter = col_letter(c_val)
    for r, row in data_rows(sheet):
        key_text = run.value(cells.parse_code(cell_value(row, c_key)), sheet.name, f"{col_letter(c_key)}{r}")
        if key_text is None:
            keyless_row(run, sheet, row, r, c_key, "cle")
            continue
        key = normalize(key_text).replace(" ", "_")
        cell = f"{val_letter}{r}"
        if key not in KNOWN_KEYS:
            run.add(
                "identification.cle_inconnue",
                sheet.name,
                f"{col_letter(c_key)}{r}",
                trouve=key_text,
                suggestion=suggestion(key_text, KNOWN_KEYS),
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
        value = cell_value(row, c_val)
        where[key] = cell
        if too_long(run, value, sheet.name, cell):
            run.reported.add(("identification", key))
            continue
        raw[key] = value
    return raw, where


@dataclass(slots=True)
class Identification:
    """What the Identification sheet says: the fields the model validates, and where they are."""

    fields: dict[str, Any]
    code: str
    annee: int | None
    date_transmission: date | None
    sheet: str
    where: dict[str, str]


def read_identification(run: FileCheck, sheet: Sheet) -> Identification | None:
    """Read the Identification sheet (SPEC §4). None when the bilan cannot be identified
    (unknown format version, missing or unknown action): one finding, not a cascade."""
    cols = columns_of(run, sheet, IDENTIFICATION)
    if cols is None:
        return None
    raw, where = identification_rows(run, sheet, cols)
    title = sheet.name
    version_modele = _format_version(run, raw, where, title)
    if version_modele is None:
        return None
    code = _action_code(run, raw, where, title)
    if code is None:
        return None
    run.result.action = code
    fields: dict[str, Any] = {"code_action": code, "version_modele": version_modele}
    for key in ("porteur", "contact_nom", "contact_email", "siret"):
        parse = cells.parse_str if key in ("porteur", "contact_nom") else cells.parse_code
        text = run.parsed(("identification", key), parse(raw.get(key)), title, where.get(key))
        if text is not None:
            fields[key] = text
    annee = _year(run, raw, where, title)
    if annee is not None:
        fields["annee"] = annee
        run.result.annee = annee
    date_tr = run.parsed(
        ("identification", "date_transmission"),
        cells.parse_date(raw.get("date_transmission")),
        title,
        where.get("date_transmission"),
    )
    if date_tr is not None:
        fields["date_transmission"] = date_tr
        run.result.date_transmission = date_tr
    version = _version(run, raw, where, title)
    if version is not None:
        fields["version"] = version
    run.result.version = fields.get("version", 1)
    for key in ("annee", "date_transmission", "version", "code_action", "version_modele"):
        run.addr.setdefault(("identification", key), (title, where.get(key)))
    return Identification(fields, code, annee, date_tr, title, where)


def _format_version(run: FileCheck, raw: dict[str, Any], where: dict[str, str], title: str) -> str | None:
    """The format version first: an unknown or retired one gets one finding (None), not a cascade."""
    version_modele: str | None = run.value(
        cells.parse_code(raw.get("version_modele")), title, where.get("version_modele")
    )
    actives = run.ref.versions_actives
    if version_modele is None:
        if (title, where.get("version_modele")) not in run.merged:  # a merged cell has its own finding
            run.add("modele.version_absente", title, where.get("version_modele"), attendu=run.ref.version_courante)
        return run.ref.version_courante
    if version_modele in actives:
        return version_modele
    retired = {v.version: v.message for v in run.ref.contrat.versions_modele if v.statut == "retire"}
    run.add(
        "modele.version_inconnue",
        title,
        where.get("version_modele"),
        trouve=version_modele,
        attendu=", ".join(actives),
        message=retired.get(version_modele) or None,
    )
    return None


def _action_code(run: FileCheck, raw: dict[str, Any], where: dict[str, str], title: str) -> str | None:
    raw_code = raw.get("code_action")
    code: str | None = run.value(cells.parse_code(raw_code), title, where.get("code_action"))
    if code is None:
        if cells.marker(raw_code) is None and (title, where.get("code_action")) not in run.merged:
            run.add("identification.manquant", title, where.get("code_action"), attendu="code_action")
        return None
    code = code.upper() if code.upper() in run.ref.actions else code
    if code not in run.ref.actions:
        run.add(
            "action.inconnue",
            title,
            where.get("code_action"),
            trouve=code,
            suggestion=suggestion(code, run.ref.actions),
        )
        return None
    return code


def _year(run: FileCheck, raw: dict[str, Any], where: dict[str, str], title: str) -> int | None:
    """The bilan's year, when it is a year of the contract. A year outside it is an `erreur`;
    the file's result keeps it all the same (the *Sources* sheet shows « 2013 », the file is
    listed as « année hors du contrat », never as unreadable)."""
    loc = ("identification", "annee")
    annee: int | None = run.parsed(loc, cells.parse_int(raw.get("annee"), plain=True), title, where.get("annee"))
    if annee is not None and annee not in run.ref.periode:
        period = "-".join(map(str, (min(run.ref.periode), max(run.ref.periode))))
        run.add(
            "annee.hors_contrat", title, where.get("annee"), trouve=str(annee), attendu=period
        )  # 2013, not « 2 013 »
        run.reported.add(loc)
        run.result.annee = annee  # what the file says, for the CRESS's lists: not a year the bilan counts for
        return None
    return annee


def _version(run: FileCheck, raw: dict[str, Any], where: dict[str, str], title: str) -> int | None:
    """The bilan's version (an integer >= 1), None when blank (default 1) or refused."""
    raw_version = raw.get("version")
    if cells.is_blank(raw_version):
        return None
    if (found := cells.marker(raw_version)) is not None:
        run.parsed(("identification", "version"), found, title, where.get("version"))
        return None
    version, vcode, _ = cells.parse_int(raw_version)
    if version is None or version < 1 or (vcode is not None and not vcode.startswith("nombre.texte")):
        run.add("identification.version_invalide", title, where.get("version"), trouve=cells.shown(raw_version))
        run.reported.add(("identification", "version"))
        return None
    return int(version)


def sheets_of_another_action(run: FileCheck, ident: Identification, sheet: Sheet | None) -> bool:
    """Whether the Indicateurs sheet is another action's while the code is a real action
    (`III_1.1.4` typed in the bilan of III_1.1.3): then one `erreur` at the code's cell
    names the action the sheets are of (`action.feuilles_autre_action`), and the caller reads
    no further (not a cascade of unknown and missing indicators).

    The rule: at least two of the sheet's indicator codes are foreign to the declared action,
    they outnumber those it knows, and every code of the sheet is an indicator of exactly one
    other action. A bilan that lacks rows, or has one mistyped code, is never taken for
    another action's."""
    found = _indicator_codes(run, sheet) if sheet is not None else set()
    own = {ia.code for ia, _ in run.ref.typed_indicators(ident.code)}
    foreign = found - own
    if len(foreign) < 2 or len(found & own) >= len(foreign):
        return False
    others = [
        code
        for code in run.ref.actions
        if code != ident.code and found <= {ia.code for ia, _ in run.ref.typed_indicators(code)}
    ]
    if len(others) != 1:
        return False
    [other] = others
    shown = [ia.code for ia, _ in run.ref.typed_indicators(other) if ia.code in found]
    run.add(
        "action.feuilles_autre_action",
        ident.sheet,
        ident.where.get("code_action"),
        trouve=ident.code,
        attendu=other,
        libelle=run.ref.actions[other].libelle,
        detail=", ".join(shown),
    )
    return True


def _indicator_codes(run: FileCheck, sheet: Sheet) -> set[str]:
    """The typed indicator codes of the Indicateurs sheet (ratios aside), read without a
    finding: the sheet's own findings come from its reading proper."""
    quiet = FileCheck(run.display, run.ref)
    cols = columns_of(quiet, sheet, INDICATEURS)
    if cols is None:
        return set()
    out: set[str] = set()
    for _, row in data_rows(sheet):
        text = cells.parse_code(cell_value(row, cols["code"]))[0]
        code = cells.without_accents(text).lower() if isinstance(text, str) else None
        known = run.ref.indicateurs.get(code or "")
        if code and (known is None or known.nature != "ratio"):
            out.add(code)
    return out
