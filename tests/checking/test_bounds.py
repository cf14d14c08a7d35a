"""Bounds on every number of every sheet (issue 11, point 1).

Each case breaks one bound in a bilan built in code and asserts the *whole* list of
findings — code, sheet and cell — so that removing a check (or letting it cascade into
unrelated findings) fails here. Each bound also has its accepted edge (a 0, a share equal
to its total, a decimal where the unit allows one), so that a bound made too strict fails
too. Units (SPEC §3): `nombre` = integer ≥ 0, `ETP` and `euros` = decimal ≥ 0; Territoires
(SPEC §4): rows sum to the declared valeur, dont_qpv and dont_zrr between 0 and valeur.

III_1.1.2 in 2016 (its last year, so cumul_periode is read) has one indicator of each unit:
Indicateurs rows 2-5 = structures_accompagnees (nombre, territorial), entreprises_creees
(nombre, territorial), emplois_crees (ETP, territorial), financements_mobilises (euros,
optional); Territoires rows 2-4 = one row per territorial indicator in département 69.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from openpyxl.workbook import Workbook

from cess_cli.checking.validate import read_bilan
from cess_cli.findings import Severity

from ..helpers import make_bilan, set_ident, set_ind, set_rows, where

ACTION, YEAR = "III_1.1.2", 2016
FAR = "indicateur.ecart_cible"  # zeros and bounds lie far from target: tested in test_targets.py
DECLARED = {"structures_accompagnees": 80, "entreprises_creees": 30, "emplois_crees": 60}  # the 2016 targets
ALL = tuple(DECLARED)
SA_ROWS = (("69", "structures_accompagnees", 50, 0, 0), ("38", "structures_accompagnees", 30, 0, 0))  # = 80


def _cell(sheet: str, ref: str, value: Any) -> Callable[[Workbook], None]:
    return lambda wb: setattr(wb[sheet][ref], "value", value)


def _territories(*rows: tuple[Any, ...], without: tuple[str, ...] = ()) -> Callable[[Workbook], None]:
    """Territoires holds `rows` first, then the one row of each territorial indicator that is
    neither in them nor in `without` (`without=ALL`: no other row)."""

    def edit(wb: Workbook) -> None:
        named = {r[1] for r in rows} | set(without)
        others = [("69", code, value, 0, 0) for code, value in DECLARED.items() if code not in named]
        set_rows(wb, "Territoires", [*rows, *others])

    return edit


def _ind_cell(wb: Workbook, code: str) -> Any:
    """The valeur cell of an indicator's row in Indicateurs."""
    return next(r[4] for r in wb["Indicateurs"].iter_rows(min_row=2) if r[0].value == code)


def _both(*edits: Callable[[Workbook], None]) -> Callable[[Workbook], None]:
    return lambda wb: [e(wb) for e in edits]


# name -> (edit, the exact findings: (code, sheet, cell))
REFUSED: dict[str, tuple[Callable[[Workbook], None], list[tuple[str, str, str]]]] = {
    # Indicateurs, valeur: every unit
    "negative count": (
        _both(lambda wb: set_ind(wb, "entreprises_creees", -1), _territories(("69", "entreprises_creees", -1, 0, 0))),
        [("valeur.negative", "Indicateurs", "E3"), ("valeur.negative", "Territoires", "C2")],
    ),
    "negative ETP": (lambda wb: set_ind(wb, "emplois_crees", -0.5), [("valeur.negative", "Indicateurs", "E4")]),
    "negative euros": (
        lambda wb: set_ind(wb, "financements_mobilises", -1),
        [("valeur.negative", "Indicateurs", "E5")],
    ),
    "negative count beside its territories": (
        lambda wb: set_ind(wb, "structures_accompagnees", -80),  # the rows still say 80: one finding, not two
        [("valeur.negative", "Indicateurs", "E2")],
    ),
    "decimal count": (
        _both(lambda wb: set_ind(wb, "entreprises_creees", 2.5), _territories(("69", "entreprises_creees", 2.5, 0, 0))),
        [("valeur.non_entiere", "Indicateurs", "E3"), ("valeur.non_entiere", "Territoires", "C2")],
    ),
    "decimal count typed as French text": (
        lambda wb: set_ind(wb, "structures_accompagnees", "80,5"),
        [("valeur.non_entiere", "Indicateurs", "E2")],
    ),
    # Indicateurs, cumul_periode (the last year of the action)
    "negative cumul of a count": (
        lambda wb: set_ind(wb, "structures_accompagnees", -1, column=6),
        [("valeur.negative", "Indicateurs", "F2")],
    ),
    "negative cumul of ETP": (
        lambda wb: set_ind(wb, "emplois_crees", -0.5, column=6),
        [("valeur.negative", "Indicateurs", "F4")],
    ),
    "negative cumul of euros": (
        lambda wb: set_ind(wb, "financements_mobilises", -1, column=6),
        [("valeur.negative", "Indicateurs", "F5")],
    ),
    "decimal cumul of a count": (
        lambda wb: set_ind(wb, "entreprises_creees", 90.5, column=6),
        [("valeur.non_entiere", "Indicateurs", "F3")],
    ),
    # Financements
    "negative planned amount": (_cell("Financements", "B2", -1), [("valeur.negative", "Financements", "B2")]),
    "negative obtained amount": (_cell("Financements", "C2", -0.01), [("valeur.negative", "Financements", "C2")]),
    "negative amount on a second row": (
        lambda wb: set_rows(wb, "Financements", [("REGION", 80000, 78000), ("ETAT", -5, 0)]),
        [("valeur.negative", "Financements", "B3")],
    ),
    # Territoires: each value >= 0, an integer for a count
    "negative row summing to the declared value": (  # 40 + (-10) = 30, the declared value
        _territories(("69", "entreprises_creees", 40, 0, 0), ("38", "entreprises_creees", -10, 0, 0)),
        [("valeur.negative", "Territoires", "C3")],
    ),
    "negative QPV share": (_cell("Territoires", "D2", -1), [("valeur.negative", "Territoires", "D2")]),
    "negative ZRR share": (_cell("Territoires", "E3", -1), [("valeur.negative", "Territoires", "E3")]),
    "decimal territorial count": (
        _territories(("69", "structures_accompagnees", 79.5, 0, 0), ("38", "structures_accompagnees", 0.5, 0, 0)),
        [("valeur.non_entiere", "Territoires", "C2"), ("valeur.non_entiere", "Territoires", "C3")],
    ),
    "decimal QPV share of a count": (_cell("Territoires", "D2", 1.5), [("valeur.non_entiere", "Territoires", "D2")]),
    "decimal ZRR share of a count": (_cell("Territoires", "E3", 1.5), [("valeur.non_entiere", "Territoires", "E3")]),
    # Territoires: shares within their row's value
    "QPV share above the row's value": (
        _cell("Territoires", "D2", 81),
        [("territoire.qpv_superieur", "Territoires", "D2")],
    ),
    "ZRR share above the row's value": (
        _cell("Territoires", "E4", 60.5),
        [("territoire.zrr_superieur", "Territoires", "E4")],
    ),
    "QPV share above a zero row": (
        _territories(("69", "entreprises_creees", 30, 0, 0), ("38", "entreprises_creees", 0, 1, 0)),
        [("territoire.qpv_superieur", "Territoires", "D3")],
    ),
    "ZRR share within the total but above its own row": (  # 5 <= 30 but > 4: judged per row
        _territories(("69", "entreprises_creees", 26, 0, 0), ("38", "entreprises_creees", 4, 0, 5)),
        [("territoire.zrr_superieur", "Territoires", "E3")],
    ),
    # Territoires: rows sum to the declared value, at the declared value's cell
    "rows below the declared value": (
        _territories(("69", "structures_accompagnees", 50, 0, 0), ("38", "structures_accompagnees", 29, 0, 0)),
        [("territoire.somme", "Indicateurs", "E2")],
    ),
    "rows above the declared value": (
        _territories(("69", "emplois_crees", 50, 0, 0), ("38", "emplois_crees", 10.5, 0, 0)),
        [("territoire.somme", "Indicateurs", "E4")],
    ),
    "no row for a declared value": (
        _territories(without=ALL),
        [
            ("territoire.somme", "Indicateurs", "E2"),
            ("territoire.somme", "Indicateurs", "E3"),
            ("territoire.somme", "Indicateurs", "E4"),
        ],
    ),
    # a row refused for its key feeds no sum: a total row (blank, « Rhône-Alpes », « Total »)
    # under rows that add up is its own erreur alone, never also « the rows total 160 »
    "total row with a blank département": (
        _territories(SA_ROWS[0], SA_ROWS[1], (None, "structures_accompagnees", 80, 0, 0)),
        [("ligne.incomplete", "Territoires", "A4")],
    ),
    "total row for the région": (
        _territories(SA_ROWS[0], SA_ROWS[1], ("Rhône-Alpes", "structures_accompagnees", 80, 0, 0)),
        [("departement.inconnu", "Territoires", "A4")],
    ),
    "total row named Total, its QPV share above its value": (
        _territories(SA_ROWS[0], SA_ROWS[1], ("Total", "structures_accompagnees", 80, 90, 0)),
        [("departement.inconnu", "Territoires", "A4")],
    ),
    "mistyped département on rows that would add up": (  # 30 + 50 = 80 once « 6 9 » is 69
        _territories(("6 9", "structures_accompagnees", 50, 0, 0), SA_ROWS[1]),
        [("departement.inconnu", "Territoires", "A2")],
    ),
    "mistyped indicator on rows that would add up": (
        _territories(SA_ROWS[0], ("38", "structures_acompagnees", 30, 0, 0)),
        [("territoire.indicateur_inconnu", "Territoires", "B3")],
    ),
    "doubled row": (
        _territories(SA_ROWS[0], ("69", "structures_accompagnees", 30, 0, 0)),
        [("territoire.duplique", "Territoires", "A3")],
    ),
    "rows for a declared zero": (
        _both(lambda wb: set_ind(wb, "entreprises_creees", 0), _territories(("69", "entreprises_creees", 1, 0, 0))),
        [("territoire.somme", "Indicateurs", "E3")],
    ),
    # a figure beyond a million million (1e12): zeros or an exponent too many, or a forged file
    "huge ETP": (lambda wb: set_ind(wb, "emplois_crees", 1e29), [("valeur.demesuree", "Indicateurs", "E4")]),
    "huge count": (
        _both(
            lambda wb: set_ind(wb, "structures_accompagnees", 10**29),
            _territories(("69", "structures_accompagnees", 10**29, 0, 0)),
        ),
        [("valeur.demesuree", "Indicateurs", "E2"), ("valeur.demesuree", "Territoires", "C2")],
    ),
    "huge cumul": (
        lambda wb: set_ind(wb, "financements_mobilises", 1.7e308, column=6),
        [("valeur.demesuree", "Indicateurs", "F5")],
    ),
    "huge obtained amount": (_cell("Financements", "C2", 1.7e308), [("valeur.demesuree", "Financements", "C2")]),
    "huge planned amount": (_cell("Financements", "B2", 1e12 + 1), [("valeur.demesuree", "Financements", "B2")]),
    "huge QPV share": (_cell("Territoires", "D2", 1e13), [("valeur.demesuree", "Territoires", "D2")]),
    # a number shown as a percentage (Excel stores « 12 % » typed in a cell as 0.12, format 0%)
    "ETP typed as a percentage": (
        lambda wb: (set_ind(wb, "emplois_crees", 0.12), setattr(_ind_cell(wb, "emplois_crees"), "number_format", "0%")),
        [("valeur.pourcentage", "Indicateurs", "E4")],
    ),
    "amount typed as a percentage, custom format": (
        lambda wb: setattr(wb["Financements"]["C2"], "number_format", '0.0" "%'),
        [("valeur.pourcentage", "Financements", "C2")],
    ),
    # Identification: version >= 1, an integer; the year within the contract's period
    "version 0": (
        lambda wb: set_ident(wb, "version", 0),
        [("identification.version_invalide", "Identification", "C9")],
    ),
    "negative version": (
        lambda wb: set_ident(wb, "version", -2),
        [("identification.version_invalide", "Identification", "C9")],
    ),
    "decimal version": (
        lambda wb: set_ident(wb, "version", 1.5),
        [("identification.version_invalide", "Identification", "C9")],
    ),
    "year before the period": (
        lambda wb: set_ident(wb, "annee", 2013),
        [("annee.hors_contrat", "Identification", "C3")],
    ),
    "year after the period": (
        lambda wb: set_ident(wb, "annee", 2017),
        [("annee.hors_contrat", "Identification", "C3")],
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_number_out_of_bounds_is_an_error_at_its_cell(ref, tmp_path, case):
    edit, expected = REFUSED[case]
    result, bilan = read_bilan(make_bilan(ref, tmp_path, ACTION, YEAR, edit=edit), ref)
    found = [f for f in result.findings if f.code != FAR]
    assert sorted(where(found)) == sorted(expected)
    assert all(f.severity is Severity.ERREUR for f in found)
    assert bilan is None and not result.valid


def test_the_sum_finding_names_both_figures(ref, tmp_path):
    edit = _territories(("69", "structures_accompagnees", 50, 0, 0), ("38", "structures_accompagnees", 29, 0, 0))
    result, _ = read_bilan(make_bilan(ref, tmp_path, ACTION, YEAR, edit=edit), ref)
    [finding] = result.findings
    assert "79" in finding.message and "80" in finding.message and "structures_accompagnees" in finding.message


# name -> (edit, what the bilan holds: a function of the Bilan that must be true)
ACCEPTED: dict[str, tuple[Callable[[Workbook], None], Callable[[Any], Any]]] = {
    "zeros everywhere": (
        _both(
            *(lambda wb, c=c: set_ind(wb, c, 0) for c in (*DECLARED, "financements_mobilises")),
            *(lambda wb, c=c: set_ind(wb, c, 0, column=6) for c in (*DECLARED, "financements_mobilises")),
            _cell("Financements", "B2", 0),
            _cell("Financements", "C2", 0),
            _territories(without=ALL),
        ),
        lambda b: set(b.valeurs.values()) == {0} and set(b.cumuls.values()) == {0} and b.financements[0][1:3] == (0, 0),
    ),
    "decimal ETP, euros and their cumuls": (
        _both(
            lambda wb: set_ind(wb, "emplois_crees", 60.5),
            lambda wb: set_ind(wb, "emplois_crees", 150.25, column=6),
            lambda wb: set_ind(wb, "financements_mobilises", 1234.56),
            _territories(("69", "emplois_crees", 50.25, 0, 0), ("38", "emplois_crees", 10.25, 0.5, 10.25)),
        ),
        lambda b: (
            (b.valeurs["emplois_crees"], b.cumuls["emplois_crees"], b.valeurs["financements_mobilises"])
            == (60.5, 150.25, 1234.56)
            and sorted(t[2] for t in b.territoires if t[1] == "emplois_crees") == [10.25, 50.25]
        ),
    ),
    "amounts at the largest figure a bilan may hold": (
        _both(_cell("Financements", "B2", 1e12), _cell("Financements", "C2", 1e12)),
        lambda b: b.financements[0][1:3] == (1e12, 1e12),
    ),
    "a format whose % is quoted text is no percentage": (
        _both(
            _cell("Financements", "C2", 78000), lambda wb: setattr(wb["Financements"]["C2"], "number_format", '0" %"')
        ),
        lambda b: b.financements[0][2] == 78000,
    ),
    "decimal amounts": (
        _both(_cell("Financements", "B2", 0.5), _cell("Financements", "C2", 1234.56)),
        lambda b: b.financements[0][1:3] == (0.5, 1234.56),
    ),
    "shares equal to their row's value": (
        _territories(("69", "entreprises_creees", 20, 20, 20), ("38", "entreprises_creees", 10, 0, 10)),
        lambda b: [t[2:5] for t in b.territoires if t[1] == "entreprises_creees"] == [(20, 20, 20), (10, 0, 10)],
    ),
    "rows summing exactly to the declared value": (
        _territories(
            *(
                ("0" + d if len(d) == 1 else d, "structures_accompagnees", 10, 1, 2)
                for d in ("1", "7", "26", "38", "42", "69", "73", "74")
            )
        ),
        lambda b: sum(t[2] for t in b.territoires if t[1] == "structures_accompagnees") == 80,
    ),
    "no row for a declared zero": (
        _both(lambda wb: set_ind(wb, "entreprises_creees", 0), _territories(without=("entreprises_creees",))),
        lambda b: b.valeurs["entreprises_creees"] == 0,
    ),
    "blank shares": (
        _territories(("69", "structures_accompagnees", 80, None, None)),
        lambda b: [t[3:5] for t in b.territoires if t[1] == "structures_accompagnees"] == [(None, None)],
    ),
    "version blank (1)": (lambda wb: set_ident(wb, "version", None), lambda b: b.version == 1),
    "version 1": (lambda wb: set_ident(wb, "version", 1), lambda b: b.version == 1),
    "version 3": (lambda wb: set_ident(wb, "version", 3), lambda b: b.version == 3),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_a_number_at_its_bound_is_accepted(ref, tmp_path, case):
    edit, holds = ACCEPTED[case]
    result, bilan = read_bilan(make_bilan(ref, tmp_path, ACTION, YEAR, edit=edit), ref)
    assert where([f for f in result.findings if f.code != FAR]) == [] and bilan is not None
    assert holds(bilan)


@pytest.mark.parametrize("year", [2014, 2015, 2016])
def test_every_year_of_the_period_is_accepted(ref, tmp_path, year):
    result, bilan = read_bilan(make_bilan(ref, tmp_path, ACTION, year), ref)
    assert where(result.findings) == [] and bilan is not None and bilan.annee == year
