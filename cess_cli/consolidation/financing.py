"""Financing by funder x axis x year, against the signatories' envelopes (SPEC §6).

Coverage: a financing figure of an axis and a year rests on the counted bilans of that
axis and year that declare financing (at least one row in *Financements*), out of the
bilans expected there (« n / m bilans »); a funder's yearly total, on those of every axis.
"""

from __future__ import annotations

from collections import defaultdict
from functools import reduce
from typing import Any

import pandas as pd

from cess_cli.consolidation.shared import coverage, plus
from cess_cli.referential.loading import Referential

COLUMNS = [
    "annee",
    "financeur",
    "libelle",
    "signataire",
    "axe",
    "montant_prevu",
    "montant_obtenu",
    "enveloppe",
    "statut_enveloppe",
    "taux_enveloppe",
    "taux_partiel",
    "lignes",
    "bilans_declarants",
    "bilans_attendus",
    "couverture",
]


def expected_by_axis(ref: Referential, years: list[int]) -> dict[tuple[str, int], int]:
    """(axis, year) -> number of bilans expected (actions active that year)."""
    out: dict[tuple[str, int], int] = defaultdict(int)
    for code, action in ref.actions.items():
        for y in years:
            if y in action.annees:
                out[(ref.axe_of(code), y)] += 1
    return out


def partial_mark(rate: float | None, n: int, m: int) -> str:
    """« partiel : n / m bilans » when a rate exists and rests on fewer counted bilans than
    expected (n < m), else "" — the same mark as an indicator's achievement rate (README)."""
    return f"partiel : {coverage(n, m)}" if rate is not None and n < m else ""


NOT_FIXED = "non fixée par le contrat"


def envelope_status(previsionnel: bool | None) -> str:
    """« confirmée », « prévisionnelle », or, for a signatory's year without an envelope
    (`None`: the contract sets no amount, as for the Caisse des Dépôts in 2015 and 2016,
    article 5), « non fixée par le contrat »."""
    if previsionnel is None:
        return NOT_FIXED
    return "prévisionnelle" if previsionnel else "confirmée"


def financing(bilans: list[Any], ref: Referential, years: list[int]) -> pd.DataFrame:
    """Funder x axis x year: planned and obtained (euros), with coverage; per funder and
    year, a « total » row with the contract envelope, its status (confirmée /
    prévisionnelle), the rate obtained / envelope and its mark `taux_partiel` (« partiel :
    n / m bilans » when fewer bilans declare financing than are expected). A funder that is no
    signatory has rows only for the years a counted bilan names it (no invented « 0 € »); a
    signatory has its total row every year, to set against its envelope. Columns: COLUMNS
    (`signataire`: the funder has envelopes in the contract; `lignes`: rows of bilans naming it)."""
    # (funder, axis, year) -> [planned, obtained, rows]; an amount stays None while no row gives
    # it: a funder named with its obtained amount left blank has no obtained figure, not 0 €
    sums: dict[tuple[str, str, int], list[Any]] = defaultdict(lambda: [None, None, 0])
    declaring: dict[tuple[str, int], int] = defaultdict(int)
    for b in bilans:
        axe = ref.axe_of(b.action)
        if b.financements:
            declaring[(axe, b.annee)] += 1
        for funder, prevu, obtenu, _cell in b.financements:
            acc = sums[(funder, axe, b.annee)]
            acc[0] = plus(acc[0], prevu)
            acc[1] = plus(acc[1], obtenu)
            acc[2] += 1
    expected = expected_by_axis(ref, years)
    rows: list[tuple[Any, ...]] = []
    funders = [f for f in ref.codes_financeurs if any(k[0] == f for k in sums)]
    signatories = [code for code, f in ref.financeurs.items() if f.enveloppes]
    for funder in dict.fromkeys([*signatories, *funders]):
        label, signatory = ref.libelle_financeur(funder), funder in signatories
        for y in years:
            env = (
                next((e for e in ref.financeurs[funder].enveloppes if e.annee == y), None)
                if funder in ref.financeurs
                else None
            )
            axes = sorted({k[1] for k in sums if k[0] == funder and k[2] == y})
            if not axes and not signatory:  # no bilan names it this year: no row, not « 0 € »
                continue
            for a in axes:
                prevu, obtenu, n = sums[(funder, a, y)]
                n_decl, m = declaring[(a, y)], expected[(a, y)]
                rows.append(
                    (
                        str(y),
                        funder,
                        label,
                        signatory,
                        a,
                        prevu,
                        obtenu,
                        None,
                        "",
                        None,
                        "",
                        n,
                        n_decl,
                        m,
                        coverage(n_decl, m),
                    )
                )
            n_decl = sum(v for (_, yy), v in declaring.items() if yy == y)
            # a signatory no counted bilan names this year: 0 € declared, against its envelope,
            # when some bilan declares financing; none does (none counted): no figure, not 0 €
            total_obtenu = _total([sums[(funder, a, y)][1] for a in axes]) if axes else (0.0 if n_decl else None)
            m = sum(v for (_, yy), v in expected.items() if yy == y)
            rate = (total_obtenu / env.montant) if env and env.montant and total_obtenu is not None else None
            rows.append(
                (
                    str(y),
                    funder,
                    label,
                    signatory,
                    "total",
                    _total([sums[(funder, a, y)][0] for a in axes]) if axes else (0.0 if n_decl else None),
                    total_obtenu,
                    env.montant if env else None,
                    envelope_status(env.previsionnel) if env else (NOT_FIXED if signatory else ""),
                    rate,
                    partial_mark(rate, n_decl, m),
                    sum(sums[(funder, a, y)][2] for a in axes),
                    n_decl,
                    m,
                    coverage(n_decl, m),
                )
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _total(amounts: list[float | None]) -> float | None:
    """The sum of the amounts given; None when none is (`shared.plus`, the running sum)."""
    return reduce(plus, amounts, None)
