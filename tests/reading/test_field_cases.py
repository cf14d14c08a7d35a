"""The field cases (shared/field-cases/README.md): bilans shaped like the files operators
really send, each with the verdict its README gives, in the three formats LibreOffice
saves (.xlsx as sent, then .ods and .xls written by `soffice --headless --convert-to`,
see tests/fixtures/field_cases/make_libreoffice_formats.py).

Expected findings and figures come from the README (C00's reference figures) and from
the fixtures read by openpyxl, never from cess itself."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cess_cli.cli.app import app
from cess_cli.consolidation.evaluation import consolidate
from cess_cli.outputs.tidy_csv import write_tidy_csv
from cess_cli.pipeline import collect, validate_paths

from ..fixtures.field_cases.make_libreoffice_formats import CASES as CONVERTED_CASES

CASES = Path(__file__).parents[1] / "fixtures" / "field_cases"
E, W = "erreur", "avertissement"

# (severity, code, sheet, cell) of every finding, from each case's verdict.
EXPECTED: dict[str, list[tuple[str, str, str | None, str | None]]] = {
    "C00_control_excel": [],
    "C02b_strict_late": [(W, "transmission.retard", "Identification", "C8")],
    "C04_control_na_with_r": [(E, "valeur.erreur_excel", "Indicateurs", "E5")],
    "C04a_no_r_na": [(E, "valeur.erreur_excel", "Indicateurs", "E5")],
    "C07_lo_empty_string_formula": [],
    "C08_error_cells_fin_ter": [
        (E, "valeur.erreur_excel", "Financements", "C2"),
        (E, "valeur.erreur_excel", "Territoires", "D2"),
    ],
    "C09_formatted_empty_rows": [],
    "C10_lo_merged_departements": [
        (W, "cellule.fusionnee", "Territoires", "A2"),
        (W, "cellule.fusionnee", "Territoires", "A4"),
    ],
    "C11_lo_typed_apostrophe": [
        (W, "texte.apostrophe", "Identification", "C5"),
        (W, "texte.apostrophe", "Territoires", "A2"),
    ],
    "C12a_bom_in_header": [(W, "texte.invisible", "Indicateurs", "E1")],
    "C13_title_row_identification": [(E, "entete.decalee", "Identification", "A2")],
    "C14b_date_text": [(W, "date.texte", "Identification", "C8")],
}
# the cases LibreOffice saves again (.ods and .xls), as the script that makes them names them
# (not found on disk: a converted file gone missing fails its own case)
CONVERTED = sorted(CONVERTED_CASES)


def _findings(path: Path, ref) -> list[tuple[str, str, str | None, str | None]]:
    [result] = validate_paths([path], ref).files
    return [(str(f.severity), f.code, f.sheet, f.cell) for f in result.findings]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_field_case_gets_its_verdict(ref, case):
    assert _findings(CASES / f"{case}.xlsx", ref) == EXPECTED[case]


@pytest.mark.parametrize("suffix", [".ods", ".xls"])
@pytest.mark.parametrize("case", CONVERTED)
def test_the_same_case_saved_as_ods_or_xls_gets_the_same_verdict(ref, case, suffix):
    assert _findings(CASES / f"{case}{suffix}", ref) == EXPECTED[case]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("C00_control_excel", 0),
        ("C04a_no_r_na", 1),
        ("C07_lo_empty_string_formula", 0),
        ("C08_error_cells_fin_ter", 1),
        ("C09_formatted_empty_rows", 0),
        ("C11_lo_typed_apostrophe", 0),
        ("C12a_bom_in_header", 0),
        ("C14b_date_text", 0),
    ],
)
def test_exit_code_of_validate_json(case, code):
    result = CliRunner().invoke(app, ["validate", str(CASES / f"{case}.xlsx"), "--format", "json"])
    assert result.exit_code == code, result.output
    assert json.loads(result.stdout)["fichiers"][0]["valide"] is (code == 0)


def _csv_rows(ref, tmp_path: Path, *files: Path) -> tuple[list[dict[str, str]], object]:
    folder = tmp_path / "bilans"
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder / f.name)
    coll = collect([folder], ref)
    ev = consolidate(coll, ref, [2015])
    with write_tidy_csv(ev, tmp_path / "e.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh)), ev


def _figures(rows: list[dict[str, str]]) -> dict[tuple[str, str], tuple[float, str]]:
    return {(r["indicateur"], r["departement"]): (float(r["valeur"]), r["source"]) for r in rows if r["valeur"]}


# C00's reference figures (README of the field cases); the same in each valid variant.
C00_FIGURES = {
    ("entreprises_reprises", ""): 11,
    ("emplois_consolides", ""): 144.4,
    ("structures_accompagnees", ""): 36,
    ("evenements", ""): 7,
    ("structures_accompagnees", "69"): 36,
}


@pytest.mark.parametrize(
    ("case", "blank"),
    [
        ("C00_control_excel", None),
        ("C07_lo_empty_string_formula", "evenements"),  # optional, left blank by a formula: no figure
        ("C09_formatted_empty_rows", None),
        ("C11_lo_typed_apostrophe", None),
        ("C12a_bom_in_header", None),
        ("C14b_date_text", None),
    ],
)
def test_valid_cases_reach_the_csv_with_their_figures(ref, tmp_path, case, blank):
    rows, _ = _csv_rows(ref, tmp_path, CASES / f"{case}.xlsx")
    figures = _figures(rows)
    expected = {k: v for k, v in C00_FIGURES.items() if k[0] != blank}
    assert {k: v for k, (v, _) in figures.items()} == expected
    assert figures[("entreprises_reprises", "")][1] == f"{case}.xlsx!Indicateurs!E2"
    assert figures[("structures_accompagnees", "69")][1] == f"{case}.xlsx!Territoires!C2"


def test_merged_departement_applies_to_each_row_of_the_merge(ref, tmp_path):
    rows, _ = _csv_rows(ref, tmp_path, CASES / "C10_lo_merged_departements.ods")
    terr = {k: v for k, v in _figures(rows).items() if k[1]}
    # Territoires A2:A3 = 69 and A4:A5 = 38 (merged), as LibreOffice shows them
    assert terr == {
        ("structures_accompagnees", "69"): (60, "C10_lo_merged_departements.ods!Territoires!C2"),
        ("entreprises_creees", "69"): (12, "C10_lo_merged_departements.ods!Territoires!C3"),
        ("structures_accompagnees", "38"): (40, "C10_lo_merged_departements.ods!Territoires!C4"),
        ("entreprises_creees", "38"): (8, "C10_lo_merged_departements.ods!Territoires!C5"),
    }


@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".xls"])
def test_error_cells_never_reach_the_csv(ref, tmp_path, suffix):
    rows, ev = _csv_rows(ref, tmp_path, CASES / f"C08_error_cells_fin_ter{suffix}")
    assert rows == []  # the bilan is invalid: none of its figures count, the 78 000 € included
    [source] = ev.sources
    assert source.statut == "invalide" and not source.retenu


def test_a_shifted_header_counts_as_received_but_invalid(ref, tmp_path):
    _, ev = _csv_rows(ref, tmp_path, CASES / "C13_title_row_identification.xlsx")
    [source] = ev.sources
    assert (source.action, source.annee, source.statut) == ("III_1.1.3", 2015, "invalide")
    df = ev.tables["completude"]
    row = df[(df["code_action"] == "III_1.1.3") & (df["annee"] == 2015)].iloc[0]
    assert row["recu"] == 1 and row["manquant"] == 0 and row["valide"] == 0


def test_status_says_invalid_not_missing_for_a_shifted_header(tmp_path):
    (tmp_path / "bilans").mkdir()
    shutil.copy(CASES / "C13_title_row_identification.xlsx", tmp_path / "bilans")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["status", "2015", "--bilans", str(tmp_path / "bilans")])
    line = next(row for row in result.output.splitlines() if "III_1.1.3" in row)
    assert "manquant" not in line and "invalide" in line, line
