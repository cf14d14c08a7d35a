"""Template → filled → saved by LibreOffice Calc as .ods and as .xls → validate →
consolidate: the same findings and the same figures as the .xlsx (issue: every format
an operator can send is read)."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cess_cli.consolidation.evaluation import consolidate
from cess_cli.outputs.tidy_csv import write_tidy_csv
from cess_cli.pipeline import collect

from ..helpers import make_bilan, typical_errors

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) absent: .ci/run installs it"),
]

CASES = {
    # a valid bilan, with a date, a decimal figure and two territories
    "valide": ("III_1.1.3", {"emplois_consolides": 144.4, "structures_accompagnees": 36}),
    # a bilan with findings: a blank required value, a text number, a negative value
    "erreurs": ("III_1.1.1", {}),
}


@pytest.fixture(scope="module")
def saved(ref, tmp_path_factory) -> dict[str, Path]:
    """One folder per format: the .xlsx bilans, and the same saved by LibreOffice Calc."""
    base = tmp_path_factory.mktemp("aller_retour")
    folders = {fmt: base / fmt for fmt in ("xlsx", "ods", "xls")}
    for folder in folders.values():
        folder.mkdir()
    for name, (action, values) in CASES.items():
        make_bilan(
            ref,
            folders["xlsx"],
            action,
            2015,
            values=values,
            edit=typical_errors if name == "erreurs" else None,
            name=f"{name}.xlsx",
        )
    for fmt in ("ods", "xls"):
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{base}/profil",
                "--convert-to",
                fmt,
                "--outdir",
                str(folders[fmt]),
                *sorted(str(p) for p in folders["xlsx"].glob("*.xlsx")),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return folders


def _outcome(ref, folder: Path, tmp: Path) -> tuple[dict[str, list[tuple[str, str | None, str | None]]], list[tuple]]:
    coll = collect([folder], ref)
    findings = {s.name.rsplit(".", 1)[0]: [(f.code, f.sheet, f.cell) for f in s.findings] for s in coll.sources}
    path = write_tidy_csv(consolidate(coll, ref, [2015]), tmp / f"{folder.name}.csv")
    with path.open(encoding="utf-8") as fh:
        rows = [
            (
                r["code_action"],
                r["indicateur"],
                r["departement"],
                r["valeur"],
                r["dont_qpv"],
                r["source"].split("!", 1)[1],
            )
            for r in csv.DictReader(fh)
        ]
    return findings, sorted(rows)


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_a_bilan_saved_by_libreoffice_counts_like_the_xlsx(ref, saved, tmp_path, fmt):
    assert sorted(p.suffix for p in saved[fmt].iterdir()) == [f".{fmt}"] * 2
    expected_findings, expected_rows = _outcome(ref, saved["xlsx"], tmp_path)
    findings, rows = _outcome(ref, saved[fmt], tmp_path)
    assert findings == expected_findings
    assert rows == expected_rows
    # the figures are the ones typed, read back by openpyxl from the .xlsx, not cess's own
    wb = load_workbook(saved["xlsx"] / "valide.xlsx")
    typed = {r[0].value: r[4].value for r in wb["Indicateurs"].iter_rows(min_row=2) if r[0].value}
    figures = {(r[1], r[3]) for r in rows if r[0] == "III_1.1.3" and not r[2]}
    assert figures == {(code, str(v)) for code, v in typed.items() if v is not None}
    assert ("valeur.negative", "Indicateurs", "E4") in findings["erreurs"]
    assert ("indicateur.manquant", "Indicateurs", "E2") in findings["erreurs"]
    assert ("valeur.pourcentage", "Financements", "C2") in findings["erreurs"]  # in .xlsx, .ods and .xls alike
