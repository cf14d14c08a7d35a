"""Operators are not asked to fix what they already replaced; summaries count files and
findings apart (issue 7, point 12)."""

from __future__ import annotations

from typer.testing import CliRunner

from cess_cli.cli.app import app
from cess_cli.pipeline import collect

from ..helpers import make_bilan, set_ident, set_ind


def _v2(wb):
    set_ident(wb, "version", 2)


def test_a_superseded_version_gets_no_correction_request(ref, tmp_path):
    bilans, retours = tmp_path / "bilans", tmp_path / "retours"
    bilans.mkdir()
    make_bilan(ref, bilans, "ANIM", 2015, edit=lambda wb: set_ind(wb, "evenements", None))  # invalid
    make_bilan(ref, bilans, "ANIM", 2015, edit=_v2, name="bilan_ANIM_2015_v2.xlsx")
    make_bilan(ref, bilans, "I_1.2", 2015, edit=lambda wb: set_ind(wb, "evenements", None))  # invalid, current
    coll = collect([bilans], ref, feedback_dir=retours)
    texts = {fb.text.name: fb for fb in coll.feedback}
    assert set(texts) == {"bilan_ANIM_2015_retour.txt", "bilan_I_1.2_2015_retour.txt"}
    old = texts["bilan_ANIM_2015_retour.txt"]
    text = old.text.read_text(encoding="utf-8")
    assert "remplacé par la version 2 (bilan_ANIM_2015_v2.xlsx)" in text
    assert "rien à corriger" in text and "À corriger" not in text
    assert old.workbook is None and not (retours / "bilan_ANIM_2015_corrections.xlsx").exists()
    current = texts["bilan_I_1.2_2015_retour.txt"]
    assert "À corriger" in current.text.read_text(encoding="utf-8") and current.workbook is not None
    assert current.workbook.exists()


def test_validate_summary_counts_invalid_files_and_findings_apart(ref, tmp_path):
    make_bilan(ref, tmp_path, "ANIM", 2015)
    make_bilan(ref, tmp_path, "I_1.2", 2015, edit=lambda wb: set_ind(wb, "evenements", None))
    make_bilan(ref, tmp_path, "I_1.1.1", 2015, edit=lambda wb: set_ident(wb, "contact_email", "pas-une-adresse"))
    result = CliRunner().invoke(app, ["validate", str(tmp_path)], env={"COLUMNS": "200"})
    assert "3 fichiers : 1 valide, 2 invalides ; 2 erreurs, 0 avertissement" in result.output


def test_batch_summary_counts_files_and_findings_apart(ref, tmp_path):
    from cess_cli.batch import run_batch
    from cess_cli.config import resolve

    bilans = tmp_path / "bilans"
    bilans.mkdir()
    make_bilan(ref, bilans, "ANIM", 2015)
    make_bilan(ref, bilans, "I_1.2", 2015, edit=lambda wb: set_ind(wb, "evenements", None))
    (tmp_path / "cess.toml").write_text('bilans = "bilans"\nsortie = "sortie"\n', encoding="utf-8")
    result = run_batch(resolve(tmp_path / "cess.toml"), ref)
    log = (result.run_dir / "batch.log").read_text(encoding="utf-8")
    assert "2 fichiers : 1 valide, 1 invalide, 0 illisible ; 1 erreur, 0 avertissement" in log
    summary = result.manifest["resume"]
    assert (summary["fichiers"], summary["invalides"], summary["erreurs"]) == (2, 1, 1)
