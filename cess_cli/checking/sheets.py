"""The data sheets of a bilan: Indicateurs, Financements, Territoires, Bilan qualitatif.

Each reader turns rows into the dict the action's pydantic model validates, records
the cell of every value, and reports what a parser refused (SPEC §4).
"""

from __future__ import annotations

from typing import Any

from cess_cli.checking.state import FileCheck
from cess_cli.checking.structure import cell_value, columns_of, data_rows, keyless_row, too_long
from cess_cli.reading import cells
from cess_cli.reading.cells import normalize
from cess_cli.reading.workbook import Sheet, col_letter
from cess_cli.referential.bilan_format import FINANCEMENTS, INDICATEURS, QUALITATIF, TERRITOIRES
from cess_cli.suggestions import same_words, suggestion


def read_indicators(
    run: FileCheck, sheet: Sheet | None, action_code: str, final_year: bool
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    cumuls: dict[str, Any] = {}
    comments: dict[str, str] = {}
    if sheet is None:
        for ia, _ in run.ref.typed_indicators(action_code):
            run.reported.add(("indicateurs", ia.code))
        return values, cumuls, comments
    cols = columns_of(run, sheet, INDICATEURS)
    if cols is None:
        for ia, _ in run.ref.typed_indicators(action_code):
            run.reported.add(("indicateurs", ia.code))
        return values, cumuls, comments
    typed = {ia.code: (ia, ind) for ia, ind in run.ref.typed_indicators(action_code)}
    c_code, c_val = cols["code"], cols["valeur"]
    c_cumul, c_comment = cols.get("cumul_periode"), cols.get("commentaire")
    seen: dict[str, str] = {}
    for r, row in data_rows(sheet):
        code_cell = f"{col_letter(c_code)}{r}"
        code_text = run.value(cells.parse_code(cell_value(row, c_code)), sheet.name, code_cell)
        if code_text is None:
            keyless_row(run, sheet, row, r, c_code, "code")
            continue
        code = cells.without_accents(code_text).lower()
        if code in seen:
            run.add("indicateur.duplique", sheet.name, code_cell, trouve=code_text, detail=seen[code])
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
                    suggestion=suggestion(code_text, typed),
                )
            continue
        _, ind = typed[code]
        cell = f"{col_letter(c_val)}{r}"
        raw = cell_value(row, c_val)
        value = run.parsed(("indicateurs", code), parse_in_unit(raw, ind.unite), sheet.name, cell)
        if value is not None:
            values[code] = value
        if c_comment is not None:
            raw_comment = cell_value(row, c_comment)
            ccell = f"{col_letter(c_comment)}{r}"
            comment = (
                None
                if too_long(run, raw_comment, sheet.name, ccell)
                else run.value(cells.parse_str(raw_comment), sheet.name, ccell)
            )
            if comment and any(not c.isspace() and not cells.is_invisible(c) for c in comment):
                comments[code] = comment  # a zero-width space alone says nothing: no commentaire
        if final_year and c_cumul is not None:
            ccell = f"{col_letter(c_cumul)}{r}"
            raw_cumul = cell_value(row, c_cumul)
            cumul = run.parsed(("cumuls", code), parse_in_unit(raw_cumul, ind.unite), sheet.name, ccell)
            if cumul is not None:
                cumuls[code] = cumul
            elif cells.is_blank(raw_cumul) and value is not None and (sheet.name, ccell) not in run.merged:
                run.add("cumul.manquant", sheet.name, ccell, attendu=code, detail=str(run.result.annee))
        elif c_cumul is not None and not cells.is_blank(cell_value(row, c_cumul)) and _earlier_year(run, action_code):
            last = max(run.ref.actions[action_code].annees)  # typed, never read: say so
            run.add(
                "cumul.ignore", sheet.name, f"{col_letter(c_cumul)}{r}", detail=str(run.result.annee), attendu=str(last)
            )
    return values, cumuls, comments


def _earlier_year(run: FileCheck, action_code: str) -> bool:
    """The bilan is of a year of the action before its last (a year outside the contract or
    the action has its own finding, and nothing to say of the cumul)."""
    years = run.ref.actions[action_code].annees
    return run.result.annee in years and run.result.annee != max(years)


def parse_in_unit(raw: Any, unit: str | None) -> cells.Parsed:
    """Parse a number typed in a cell whose unit is `unit` (None: unknown): a whole number
    for `nombre` (a valeur, a cumul_periode, a territorial value or share), a percent sign
    only for `%`; a percentage elsewhere is the error `valeur.pourcentage` naming the unit
    (SPEC §3-4)."""
    if unit == "nombre":
        value, code, fields = cells.parse_int(raw)
    else:
        value, code, fields = cells.parse_number(raw, percent=unit == "%")
    if code == "valeur.pourcentage":
        fields = {**fields, "detail": f"unité : {unit}" if unit else "indicateur inconnu"}
    return value, code, fields


def read_financements(run: FileCheck, sheet: Sheet | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if sheet is None:
        return out
    cols = columns_of(run, sheet, FINANCEMENTS)
    if cols is None:
        return out
    seen: dict[str, str] = {}
    for r, row in data_rows(sheet):
        i = len(out)
        line: dict[str, Any] = {}
        fcell = f"{col_letter(cols['financeur'])}{r}"
        run.addr[("financements", i)] = (sheet.name, fcell)
        loc = ("financements", i, "financeur")
        funder = run.parsed(loc, cells.parse_code(cell_value(row, cols["financeur"])), sheet.name, fcell)
        if funder is not None:
            run.typed[("financements", i, "financeur")] = typed = funder  # echoed as typed in a finding
            funder = cells.without_accents(funder).upper().replace(" ", "_")
            if funder in seen:
                run.add("financeur.duplique", sheet.name, fcell, trouve=typed, detail=seen[funder])
            seen.setdefault(funder, fcell)
            line["financeur"] = funder
        for col in ("montant_prevu", "montant_obtenu"):
            idx = cols.get(col)
            if idx is None:
                continue
            cell = f"{col_letter(idx)}{r}"
            parsed = parse_in_unit(cell_value(row, idx), "euros")
            value = run.parsed(("financements", i, col), parsed, sheet.name, cell)
            if value is not None:
                line[col] = value
        if cols.get("commentaire") is not None:
            ccell = f"{col_letter(cols['commentaire'])}{r}"
            comment = run.value(cells.parse_str(cell_value(row, cols["commentaire"])), sheet.name, ccell)
            if comment:
                line["commentaire"] = comment
        out.append(line)
    return out


def read_territoires(run: FileCheck, sheet: Sheet | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if sheet is None:
        return out
    cols = columns_of(run, sheet, TERRITOIRES)
    if cols is None:
        return out
    deps = set(run.ref.departements)
    seen: dict[tuple[str, str], str] = {}
    for r, row in data_rows(sheet):
        i = len(out)
        line: dict[str, Any] = {}
        dcell = f"{col_letter(cols['departement'])}{r}"
        run.addr[("territoires", i)] = (sheet.name, dcell)
        run.addr[("territoires", i, "departement")] = (sheet.name, dcell)
        run.typed[("territoires", i, "departement")] = cells.parse_text(cell_value(row, cols["departement"])) or ""
        dep = read_departement(run, cell_value(row, cols["departement"]), deps, sheet.name, dcell, i)
        if dep is not None:
            line["departement"] = dep
        icell = f"{col_letter(cols['indicateur'])}{r}"
        ind = run.parsed(
            ("territoires", i, "indicateur"), cells.parse_code(cell_value(row, cols["indicateur"])), sheet.name, icell
        )
        if ind is not None:
            run.typed[("territoires", i, "indicateur")] = ind
            line["indicateur"] = cells.without_accents(ind).lower()
        known = run.ref.indicateurs.get(line.get("indicateur", ""))
        for col in ("valeur", "dont_qpv", "dont_zrr"):
            idx = cols.get(col)
            if idx is None:
                continue
            cell = f"{col_letter(idx)}{r}"
            parsed = parse_in_unit(cell_value(row, idx), known.unite if known else None)
            value = run.parsed(("territoires", i, col), parsed, sheet.name, cell)
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


def read_departement(run: FileCheck, raw: Any, deps: set[str], sheet: str, cell: str, line: int) -> str | None:
    """A département code: `69`, `1` for `01` (with a warning), `HORS_RA`; an unknown
    code is returned as is for the model to report with the list of valid codes."""
    text: str | None = run.parsed(("territoires", line, "departement"), cells.parse_code(raw), sheet, cell)
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


def read_qualitatif(run: FileCheck, sheet: Sheet | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if sheet is None:
        run.reported.add(("qualitatif", "realisations"))
        return out
    cols = columns_of(run, sheet, QUALITATIF)
    if cols is None:
        run.reported.add(("qualitatif", "realisations"))
        return out
    known = {r.code for r in run.ref.contrat.rubriques_qualitatives}
    labels = [(r.libelle, r.code) for r in run.ref.contrat.rubriques_qualitatives]
    seen: dict[str, str] = {}
    for r, row in data_rows(sheet):
        rcell = f"{col_letter(cols['rubrique'])}{r}"
        rub = run.value(cells.parse_code(cell_value(row, cols["rubrique"])), sheet.name, rcell)
        if rub is None:
            keyless_row(run, sheet, row, r, cols["rubrique"], "rubrique")
            continue
        key = normalize(rub).replace(" ", "_")
        label = next((code for name, code in labels if same_words(rub, name)), None) if key not in known else None
        if label is not None:  # its label (« Réalisations de l’année »), as the template shows it
            key = label
            run.add("qualitatif.rubrique_libelle", sheet.name, rcell, trouve=rub, attendu=key)
        if key not in known:
            run.add(
                "qualitatif.rubrique_inconnue",
                sheet.name,
                rcell,
                trouve=rub,
                attendu=", ".join(sorted(known)),
                suggestion=suggestion(rub, known),
            )
            continue
        if key in seen:  # as a doubled indicator or funder: an erreur, cess picks neither text
            run.add("qualitatif.duplique", sheet.name, rcell, trouve=rub, detail=seen[key])
            run.reported.add(("qualitatif", key))
            continue
        seen[key] = rcell
        tcell = f"{col_letter(cols['texte'])}{r}"
        run.addr[("qualitatif", key)] = (sheet.name, tcell)
        raw_text = cell_value(row, cols["texte"])
        if too_long(run, raw_text, sheet.name, tcell):
            run.reported.add(("qualitatif", key))
            continue
        text = run.parsed(("qualitatif", key), cells.parse_str(raw_text), sheet.name, tcell)
        if text is not None:
            out[key] = text
    return out
