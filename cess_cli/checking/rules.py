"""Checks across values: territorial breakdowns against their totals, the referential's
rules, and values far from their target without a commentaire."""

from __future__ import annotations

import operator
from typing import Any

from cess_cli.checking.state import FileCheck
from cess_cli.findings import Severity
from cess_cli.reading import cells
from cess_cli.referential.action_models import MAX_VALUE
from cess_cli.wording import half_up, typed_number

TARGET_RATIO = 2.0  # far from target: above x2 or below /2 of the target


def far_from_target(value: float, target: float | None) -> bool:
    """Far from target (SPEC §6, plausibility): above x2 or below /2 of it; a positive value
    against a target of 0 too, and 0 against a positive target. No target: never far."""
    if target is None:
        return False
    if target == 0:
        return value != 0
    return value / target > TARGET_RATIO or value / target < 1 / TARGET_RATIO


def check_targets(run: FileCheck, action_code: str, year: Any, indic: dict[str, Any], comments: dict[str, str]) -> None:
    """A value far from the action's target of the year (`far_from_target`) with no
    commentaire is an avertissement (`indicateur.ecart_cible`) at its cell: the operator is
    asked for the explanation the Mode d'emploi asks for, before the COPIL reads the gap
    in *Anomalies*. A value refused elsewhere is not judged."""
    for ia, _ in run.ref.typed_indicators(action_code):
        value, target = indic.get(ia.code), ia.cibles.get(year) if isinstance(year, int) else None
        if value is None or comments.get(ia.code) or not _in_bounds(value) or not far_from_target(value, target):
            continue
        if ("indicateurs", ia.code) in run.reported:
            continue
        sheet, cell = run.addr[("indicateurs", ia.code)]
        if any(f.sheet == sheet and f.cell == cell and f.severity is Severity.ERREUR for f in run.result.findings):
            continue  # an erreur is already at the cell: one finding, not a cascade
        share = _share(value, target)
        run.add("indicateur.ecart_cible", sheet, cell, trouve=value, attendu=target, detail=ia.code, part=share)


def _share(value: float, target: float | None) -> str:
    """« 206 % de la cible », « moins de 1 % de la cible », or « cible nulle »."""
    if not target:
        return "cible nulle"
    share = int(half_up(value / target, 0, scale=2))
    return f"{typed_number(share)} % de la cible" if share >= 1 else "moins de 1 % de la cible"


_OPS = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}


def _in_bounds(value: float) -> bool:
    """A figure the model accepts: between 0 and MAX_VALUE (others get their own finding)."""
    return 0 <= value <= MAX_VALUE


def check_territories(
    run: FileCheck,
    action_code: str,
    indic: dict[str, Any],
    lines: list[dict[str, Any]],
    sheet_present: bool,
) -> None:
    """Each territorial indicator's rows sum to its declared valeur (at the valeur's cell);
    dont_qpv and dont_zrr lie within their row's valeur (SPEC §4). A row already refused, for
    its value (unreadable, negative or beyond `MAX_VALUE`, a doubled row) or for its key (a
    blank or unknown département: a total row « Rhône-Alpes », « Total »), feeds no check: its
    indicator's rows are not summed (the sum cannot be judged until it is fixed), and a row
    whose indicator cannot be told (blank, or a code of no indicator: a typo) leaves every sum
    unjudged.
    So a cell gets one finding, not a cascade."""
    if not sheet_present:
        return
    refused = _refused_rows(run, lines)
    broken = {lines[i].get("indicateur") for i in refused}
    if any(run.ref.indicateurs.get(lines[i].get("indicateur") or "") is None for i in refused):
        broken |= {ind.code for _, ind in run.ref.typed_indicators(action_code)}
    totals: dict[str, float] = {}
    for i, line in enumerate(lines):
        ind, value = line.get("indicateur"), line.get("valeur")
        if i in refused or ind is None or value is None:
            continue
        totals[ind] = totals.get(ind, 0) + value
        for col, code in (
            ("dont_qpv", "territoire.qpv_superieur"),
            ("dont_zrr", "territoire.zrr_superieur"),
        ):
            part = line.get(col)
            if part is not None and _in_bounds(part) and part > value + 1e-9:
                sheet, cell = run.addr[("territoires", i, col)]
                run.add(code, sheet, cell, trouve=part, attendu=value)
    for _, ind in run.ref.typed_indicators(action_code):
        if not ind.territorial or ind.code not in indic or ind.code in broken:
            continue
        declared = indic[ind.code]
        if not _in_bounds(declared):
            continue
        total = totals.get(ind.code, 0)
        if abs(total - declared) > 1e-6:
            sheet, cell = run.addr[("indicateurs", ind.code)]
            run.add("territoire.somme", sheet, cell, trouve=total, attendu=declared, detail=ind.code)


def _refused_rows(run: FileCheck, lines: list[dict[str, Any]]) -> set[int]:
    """The Territoires rows (by index) refused for their key or their value: each has its
    own finding already (`ligne.incomplete`, `departement.inconnu`, `territoire.indicateur_inconnu`,
    a parser's, the model's, `territoire.duplique`)."""
    deps = set(run.ref.departements)
    out: set[int] = set()
    for i, line in enumerate(lines):
        value = line.get("valeur")
        if (
            ("territoires", i, "valeur") in run.reported
            or (value is not None and not _in_bounds(value))
            or line.get("departement") not in deps
            or line.get("indicateur") not in run.ref.indicateurs
        ):
            out.add(i)
    return out


def check_rules(run: FileCheck, indic: dict[str, Any]) -> None:
    for rule in run.ref.regles:
        left_terms, right_terms = rule.termes(rule.gauche), rule.termes(rule.droite)
        if not all(t in indic and _in_bounds(indic[t]) for t in (*left_terms, *right_terms)):
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
