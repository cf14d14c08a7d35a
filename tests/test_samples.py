"""The committed sample reports: what they hold, and that the generator reproduces them."""

from __future__ import annotations

import sys
from pathlib import Path

from python_calamine import CalamineWorkbook

from cess_cli.pipeline import validate_paths

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"

EXPECTED_ERRORS = {
    "bilan_I_1.2_2014.xlsx": {"indicateur.manquant"},
    "bilan_III_1.1.2_2015.xlsx": {"territoire.somme"},
    "bilan_II_3.1.2_2014.xlsx": {"identification.email_invalide", "identification.siret_invalide"},
    "bilan_III_2.1.2_2016.xlsx": {"nombre.ambigu"},
    "bilan_II_2.1.2_2015.xlsx": {"valeur.negative", "regle.sorties_parcours"},
    "bilan_II_1.1_2016.xlsx": {"feuille.manquante"},
    "bilan_III_1.2_2016.xlsx": {"financeur.inconnu"},
    "bilan_III_1.1.3_2015.xlsx": {"valeur.non_entiere"},
}


def _summary(folder: Path, ref) -> dict[str, set[tuple[str, str]]]:
    report = validate_paths([folder], ref)
    return {Path(r.file).name: {(f.code, str(f.severity)) for f in r.findings} for r in report.files}


def test_sample_set(ref):
    names = sorted(p.name for p in SAMPLES.glob("*.xlsx"))
    expected = sorted(
        f"bilan_{code}_{year}.xlsx"
        for code, a in ref.actions.items()
        for year in a.annees
        if (code, year) != ("III_2.1.5", 2016)
    )
    assert names == sorted([*expected, "bilan_III_1.1.3_2015_v2.xlsx"])
    summary = _summary(SAMPLES, ref)
    for name, codes in EXPECTED_ERRORS.items():
        assert {c for c, sev in summary[name] if sev == "erreur"} == codes, name
    invalid = {n for n, found in summary.items() if any(sev == "erreur" for _, sev in found)}
    assert invalid == set(EXPECTED_ERRORS)
    assert ("nombre.texte", "avertissement") in summary["bilan_I_1.1.2_2015.xlsx"]


def _cells(path: Path) -> dict[str, list[list[object]]]:
    """Every cell value of every sheet, as a spreadsheet application reads them."""
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_the_generator_reproduces_the_committed_set(ref, tmp_path):
    """The committed set is what `scripts/generate_samples.py` writes: the same files, each
    with the same sheets and every cell the same (openpyxl stamps the time in the zip, so
    the bytes differ; the content may not)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import generate_samples
    finally:
        sys.path.pop(0)
    generate_samples.generate(tmp_path, ref)
    generated = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert generated == sorted(p.name for p in SAMPLES.glob("*.xlsx"))
    for name in generated:
        assert _cells(tmp_path / name) == _cells(SAMPLES / name), name
