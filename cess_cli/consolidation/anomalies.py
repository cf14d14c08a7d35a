"""Checks made while consolidating (sheet *Anomalies*): the last-year cumulative figure against
the earlier bilans, year-on-year jumps and values far from target without a commentaire (SPEC §6)."""

from __future__ import annotations

from typing import Any

from cess_cli.catalogue import make
from cess_cli.checking.rules import far_from_target
from cess_cli.consolidation.shared import by_action
from cess_cli.findings import Finding
from cess_cli.referential.loading import Referential
from cess_cli.wording import half_up, typed_number

JUMP_RATIO = 3.0  # year-on-year: flagged when above x3 or below /3 of the previous year


def cumulative_checks(
    bilans: list[Any], ref: Referential, years: list[int], received: frozenset[tuple[str, int]] = frozenset()
) -> list[Finding]:
    """The final-year cumul_periode against the earlier bilans (sum for flux, last value for
    stock). A flux whose earlier year does not count (missing, invalid, superseded without
    a valid replacement, or the indicator left blank) cannot be checked: it is listed as
    `cumul.non_verifiable`, naming the year(s) lacking and why (`received`: the (action,
    year) of which a file came, so that « bilan manquant » and « bilan reçu mais non
    compté » are told apart), never skipped silently."""
    out = []
    for code, per_year in _in_order(by_action(bilans), ref):
        action = ref.actions[code]
        final = max(action.annees)
        if final not in years or final not in per_year:
            continue
        last = per_year[final]
        for ind_code, declared in sorted(last.cumuls.items(), key=lambda kv: _rank(ref.indicateurs, kv[0])):
            ind = ref.indicateurs[ind_code]
            # « sheet!cell »: a sheet's name may hold a « ! », a cell's never
            sheet, _, ref_cell = last.cellules_cumul[ind_code].rpartition("!")
            if ind.nature == "stock":
                expected = last.valeurs.get(ind_code)
                basis = "valeur de la dernière année"
            else:
                lacking = [y for y in action.annees if y not in per_year or ind_code not in per_year[y].valeurs]
                if lacking:
                    why = [_lacking(y, y in per_year, (code, y) in received) for y in lacking]
                    out.append(_not_checkable(last.file, sheet, ref_cell, code, ind_code, declared, why))
                    continue
                expected = sum(per_year[y].valeurs[ind_code] for y in action.annees)
                basis = "somme des bilans annuels"
            if expected is not None and abs(expected - declared) > 1e-6:
                out.append(
                    make(
                        "cumul.ecart",
                        last.file,
                        sheet,
                        ref_cell,
                        detail=f"{ind_code} ({code}, {basis})",
                        trouve=declared,
                        attendu=expected,
                    )
                )
    return sorted(out, key=lambda f: f.code != "cumul.ecart")  # a real mismatch before what cannot be checked


def _lacking(year: int, counted: bool, received: bool) -> str:
    if counted:
        return f"l'année {year} (indicateur non renseigné)"
    return f"l'année {year} (bilan reçu mais non compté)" if received else f"l'année {year} (bilan manquant)"


def _not_checkable(
    file: str, sheet: str, cell: str, code: str, ind_code: str, declared: float, why: list[str]
) -> Finding:
    return make(
        "cumul.non_verifiable",
        file,
        sheet,
        cell,
        detail=f"{ind_code} ({code})",
        trouve=declared,
        attendu=" et ".join(why),
    )


def _jump(before: float | None, value: float) -> bool:
    """A year-on-year jump: above x3 or below /3; a fall to 0 or a rise from 0 too (a ratio
    threshold cannot judge a zero)."""
    if before is None:
        return False
    if before == 0 or value == 0:
        return before != value
    return value / before > JUMP_RATIO or before / value > JUMP_RATIO


def _rank(codes: dict[str, Any], code: str) -> tuple[int, str]:
    """A code's place in the referential's order (unknown codes last, by name)."""
    return (list(codes).index(code), "") if code in codes else (len(codes), code)


def _in_order(per_action: dict[str, Any], ref: Referential) -> list[tuple[str, Any]]:
    """Actions in the referential's order (axis, then action), as a reader expects them."""
    return sorted(per_action.items(), key=lambda kv: _rank(ref.actions, kv[0]))


def plausibility_checks(bilans: list[Any], ref: Referential, years: list[int]) -> list[Finding]:
    """Year-on-year jumps and values far from target, flagged when the bilan gives no
    commentaire (`_jump`, `checking.rules.far_from_target`). Values are shown as typed (`0,12`)."""
    out = []
    for code, per_year in _in_order(by_action(bilans), ref):
        action = ref.actions[code]
        targets = {ia.code: ia.cibles for ia in action.indicateurs}
        for y in sorted(per_year):
            if y not in years:
                continue
            b = per_year[y]
            for ind_code, value in b.valeurs.items():
                if b.commentaires.get(ind_code):
                    continue
                sheet, _, cell = b.cellules[ind_code].rpartition("!")
                prev = per_year.get(y - 1)
                before = prev.valeurs.get(ind_code) if prev else None
                if _jump(before, value):
                    assert before is not None
                    out.append(
                        make(
                            "plausibilite.ecart_annuel",
                            b.file,
                            sheet,
                            cell,
                            detail=f"{ind_code} ({code}) passe de {typed_number(before)} en {y - 1} à "
                            f"{typed_number(value)} en {y} ({_change(before, value)}) sans commentaire",
                        )
                    )
                target = targets.get(ind_code, {}).get(y)
                if far_from_target(value, target):
                    assert target is not None
                    share = (
                        f"{typed_number(int(half_up(value / target, 0, scale=2)))} % de la cible"
                        if target
                        else "cible nulle"
                    )
                    out.append(
                        make(
                            "plausibilite.ecart_cible",
                            b.file,
                            sheet,
                            cell,
                            detail=f"{ind_code} ({code}, {y}) : {typed_number(value)} pour une cible de "
                            f"{typed_number(target)} ({share}) sans commentaire",
                        )
                    )
    return out


def _change(before: float, value: float) -> str:
    if before == 0:
        return "hausse depuis zéro"
    if value == 0:
        return "chute à zéro"
    return f"écart de plus de x{JUMP_RATIO:g}"
