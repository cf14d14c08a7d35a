"""Every finding names the sheet as the operator's workbook names it (issue 11, point 2).

Sheet names match regardless of case, accents and surrounding spaces (SPEC §4), so
`INDICATEURS ` and `Indicatéurs` are the Indicateurs sheet: a finding, with or without a
cell of its own, and the consolidation's findings (plausibility, cumulative figure,
unverifiable cumul), must name that sheet and not the template's title, or the operator
looks for a sheet that is not in their file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl.workbook import Workbook

from cess_cli.checking.validate import read_bilan, validate_workbook
from cess_cli.consolidation.evaluation import consolidate
from cess_cli.pipeline import collect
from cess_cli.reading.limits import Limits

from ..helpers import make_bilan, set_ind, shared, where

RENAMED = {
    "Identification": " identification",
    "Indicateurs": "INDICATEURS ",
    "Financements": "Financéments",
    "Territoires": "territoires",
    "Bilan qualitatif": "Bilan Qualitatif ",
}


def _rename(wb: Workbook, names: dict[str, str] = RENAMED) -> None:
    for old, new in names.items():
        ws = wb[old]
        ws.title = "tmp"  # openpyxl refuses a title equal to the old one but for case
        ws.title = new


def _renamed_then(*edits):
    def edit(wb: Workbook) -> None:
        for e in edits:
            e(wb)
        _rename(wb)

    return edit


def test_a_renamed_valid_bilan_is_valid_and_points_at_its_own_sheets(ref, tmp_path):
    result, bilan = read_bilan(make_bilan(ref, tmp_path, edit=_rename), ref)
    assert where(result.findings) == [] and bilan is not None
    assert bilan.cellules["entreprises_reprises"] == "INDICATEURS !E2"
    assert bilan.financements[0][-1] == "Financéments!C2"
    assert bilan.territoires[0][-1] == "territoires!C2"


def _drop_row(sheet: str, row: int):
    def edit(wb: Workbook) -> None:
        wb[sheet].protection.sheet = False
        wb[sheet].delete_rows(row)

    return edit


def _duplicate(sheet: str, title: str):
    """A copy of `sheet` titled `title`, another spelling of the same name: two sheets for one."""

    def edit(wb: Workbook) -> None:
        wb.copy_worksheet(wb[sheet]).title = title

    return edit


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # no cell of their own: the value's row is absent
        (_drop_row("Indicateurs", 2), ("indicateur.manquant", "INDICATEURS ", None)),
        (_drop_row("Bilan qualitatif", 2), ("qualitatif.manquant", "Bilan Qualitatif ", None)),
        (_drop_row("Identification", 4), ("identification.manquant", " identification", None)),
        (_drop_row("Identification", 10), ("modele.version_absente", " identification", None)),  # a warning
        (_duplicate("Indicateurs", "Indicatéurs"), ("feuille.en_double", "INDICATEURS ", None)),
        # with a cell: each sheet
        (lambda wb: set_ind(wb, "evenements", -1), ("valeur.negative", "INDICATEURS ", "E5")),
        (lambda wb: setattr(wb["Financements"]["A2"], "value", "MECENE"), ("financeur.inconnu", "Financéments", "A2")),
        (lambda wb: setattr(wb["Territoires"]["C2"], "value", 29), ("territoire.somme", "INDICATEURS ", "E4")),
        (lambda wb: setattr(wb["Territoires"]["D2"], "value", 31), ("territoire.qpv_superieur", "territoires", "D2")),
        (
            lambda wb: setattr(wb["Bilan qualitatif"]["B2"], "value", None),
            ("qualitatif.manquant", "Bilan Qualitatif ", "B2"),
        ),
    ],
    ids=[
        "no cell: indicator",
        "no cell: qualitative",
        "no cell: identification",
        "no cell: format version",
        "no cell: two sheets for one",
        "E5",
        "A2",
        "sum",
        "QPV",
        "B2",
    ],
)
def test_a_validation_finding_names_the_real_sheet(ref, tmp_path, edit, expected):
    result = validate_workbook(make_bilan(ref, tmp_path, edit=_renamed_then(edit)), ref)
    assert where(result.findings) == [expected]


FIELD_CASES = Path(__file__).parents[1] / "fixtures" / "field_cases"


@pytest.mark.parametrize("suffix", [".ods", ".xls"])
def test_a_sheet_beyond_the_limits_is_named_in_its_finding(ref, suffix):
    """An .ods or .xls is read whole before its sheets are measured: a sheet wider than
    `colonnes_max` gets a finding naming that sheet (it has no cell of its own). C00's
    headers, read by hand: Indicateurs 8 columns, Territoires 5, the others 4 or fewer."""
    result = validate_workbook(FIELD_CASES / f"C00_control_excel{suffix}", ref, limits=Limits(max_columns=4))
    assert where(result.findings) == [
        ("fichier.trop_gros", "Indicateurs", None),
        ("fichier.trop_gros", "Territoires", None),
    ]


@pytest.fixture(scope=shared)
def renamed_years(ref, tmp_path_factory):
    """III_1.1.3 over 2014-2016, each bilan with its own sheet names; 2015 jumps x5 and is
    far from target, without a commentaire; 2016's cumul_periode of entreprises_reprises
    is wrong (99 for 10 + 50 + 12 = 72); evenements is blank in 2014 (so its cumul cannot
    be checked)."""
    folder = tmp_path_factory.mktemp("renamed")
    names = {2014: "INDICATEURS ", 2015: "Indicatéurs", 2016: " indicateurs"}
    values = {
        2014: {"entreprises_reprises": 10},
        2015: {"entreprises_reprises": 50},
        2016: {"entreprises_reprises": 12},
    }

    years = (2014, 2015, 2016)
    cumuls = {
        ia.code: sum(values[y].get(ia.code, ia.cibles[y]) for y in years) for ia, _ in ref.typed_indicators("III_1.1.3")
    }
    cumuls["entreprises_reprises"] = 99

    def edit_for(year):
        def edit(wb: Workbook) -> None:
            if year == 2014:
                set_ind(wb, "evenements", None)
            if year == 2016:
                for code, total in cumuls.items():
                    set_ind(wb, code, total, column=6)
            _rename(wb, {"Indicateurs": names[year]})

        return edit

    for year in (2014, 2015, 2016):
        make_bilan(ref, folder, "III_1.1.3", year, edit=edit_for(year), values=values[year])
    coll = collect([folder], ref)
    assert sum(s.retenu for s in coll.sources) == 3
    return consolidate(coll, ref, [2014, 2015, 2016]), names


def _anomalies(ev, code):
    return {(Path(f.file).name, f.sheet, f.cell) for f in ev.anomalies if f.code == code}


def test_plausibility_findings_name_the_real_sheet(renamed_years):
    ev, names = renamed_years
    # 10 -> 50 (x5) without a commentaire; 50 for a target of 10 (2015), more than twice it
    assert _anomalies(ev, "plausibilite.ecart_annuel") >= {("bilan_III_1.1.3_2015.xlsx", names[2015], "E2")}
    assert ("bilan_III_1.1.3_2015.xlsx", names[2015], "E2") in _anomalies(ev, "plausibilite.ecart_cible")
    assert all(sheet == names[int(file[-9:-5])] for file, sheet, _ in _anomalies(ev, "plausibilite.ecart_annuel"))
    assert all(sheet == names[int(file[-9:-5])] for file, sheet, _ in _anomalies(ev, "plausibilite.ecart_cible"))


def test_cumulative_findings_name_the_real_sheet(renamed_years):
    ev, names = renamed_years
    assert _anomalies(ev, "cumul.ecart") == {("bilan_III_1.1.3_2016.xlsx", names[2016], "F2")}
    assert _anomalies(ev, "cumul.non_verifiable") == {("bilan_III_1.1.3_2016.xlsx", names[2016], "F5")}
