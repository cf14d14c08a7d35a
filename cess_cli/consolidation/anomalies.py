"""Checks made while consolidating (sheet *Anomalies*): the last-year cumulative figure against
the earlier bilans, year-on-year jumps and values far from target without a commentaire (SPEC §6)."""

from __future__ import annotations

from typing import Any

from cess_cli.catalogue import make
from cess_cli.consolidation.shared import by_action
from cess_cli.findings import Finding
from cess_cli.referential.loading import Referential

JUMP_RATIO = 3.0  # year-on-year: flagged when above x3 or below /3 of the previous year


TARGET_RATIO = 2.0  # far from target: above x2 or below /2 of the target


def cumulative_checks(bilans: list[Any], ref: Referential, years: list[int]) -> list[Finding]:
    """The final-year cumul_periode against the earlier bilans (sum for flux, last value for stock)."""
    out = []
    for code, per_year in sorted(by_action(bilans).items()):
        action = ref.actions[code]
        final = max(action.annees)
        if final not in years or final not in per_year:
            continue
        last = per_year[final]
        for ind_code, declared in sorted(last.cumuls.items()):
            ind = ref.indicateurs[ind_code]
            present = [y for y in action.annees if y in per_year and ind_code in per_year[y].valeurs]
            if ind.nature == "stock":
                expected = last.valeurs.get(ind_code)
                basis = "valeur de la dernière année"
            else:
                if len(present) < len(action.annees):
                    continue  # an earlier bilan is missing or invalid: not checkable
                expected = sum(per_year[y].valeurs[ind_code] for y in action.annees)
                basis = "somme des bilans annuels"
            if expected is not None and abs(expected - declared) > 1e-6:
                sheet, _, ref_cell = last.cellules_cumul[ind_code].partition("!")
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
    return out


def plausibility_checks(bilans: list[Any], ref: Referential, years: list[int]) -> list[Finding]:
    """Year-on-year jumps and values far from target, flagged when the bilan gives no commentaire."""
    out = []
    for code, per_year in sorted(by_action(bilans).items()):
        action = ref.actions[code]
        targets = {ia.code: ia.cibles for ia in action.indicateurs}
        for y in sorted(per_year):
            if y not in years:
                continue
            b = per_year[y]
            for ind_code, value in b.valeurs.items():
                if b.commentaires.get(ind_code):
                    continue
                sheet, _, cell = b.cellules[ind_code].partition("!")
                prev = per_year.get(y - 1)
                before = prev.valeurs.get(ind_code) if prev else None
                if before and value and (value / before > JUMP_RATIO or before / value > JUMP_RATIO):
                    out.append(
                        make(
                            "plausibilite.ecart_annuel",
                            b.file,
                            sheet,
                            cell,
                            detail=f"{ind_code} ({code}) passe de {fr_number(before)} en {y - 1} à {fr_number(value)} en {y} (écart de plus de x{JUMP_RATIO:g}) sans commentaire",
                        )
                    )
                target = targets.get(ind_code, {}).get(y)
                if target and (value / target > TARGET_RATIO or value / target < 1 / TARGET_RATIO):
                    out.append(
                        make(
                            "plausibilite.ecart_cible",
                            b.file,
                            sheet,
                            cell,
                            detail=f"{ind_code} ({code}, {y}) : {fr_number(value)} pour une cible de {fr_number(target)} ({value / target:.0%} de la cible) sans commentaire".replace(
                                "%", " %"
                            ),
                        )
                    )
    return out


def fr_number(x: float) -> str:
    return (
        f"{x:,.0f}".replace(",", "\u202f")
        if float(x).is_integer()
        else f"{x:,.1f}".replace(",", "\u202f").replace(".", ",")
    )
