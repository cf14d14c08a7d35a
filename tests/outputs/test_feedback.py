"""Feedback for operators: never over an existing file, names within the byte limit, a
failure reported and leaving nothing behind, findings that stand whatever happens."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cess_cli import pipeline
from cess_cli.checking.validate import validate_workbook
from cess_cli.outputs import feedback as feedback_mod
from cess_cli.outputs.feedback import summary_text
from cess_cli.pipeline import validate_files
from cess_cli.reading import preflight as preflight_module

from ..helpers import make_bilan, set_ind


def _bad(ref, folder, name=None):
    return make_bilan(ref, folder, "ANIM", 2014, edit=lambda wb: set_ind(wb, "evenements", -1), name=name)


def test_long_accented_name_gives_names_within_255_bytes(ref, tmp_path):
    name = "é" * 120 + ".xlsx"  # 245 bytes: the old feedback names took 257 and nothing was written
    bad = _bad(ref, tmp_path, name)
    out = tmp_path / "retours"
    _report, written = validate_files([bad], ref, feedback_dir=out)
    [fb] = written
    assert fb.problem is None and fb.text is not None and fb.workbook is not None
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in fb.paths)
    assert all(len(p.name.encode()) <= 255 for p in fb.paths)


def test_an_existing_file_is_never_replaced(ref, tmp_path):
    folder = tmp_path / "dossier"
    folder.mkdir()
    bad = _bad(ref, folder, "x.xlsx")
    planted = folder / "x_corrections.xlsx"  # an input that happens to bear a feedback name
    planted.write_bytes(bad.read_bytes())
    before = hashlib.sha256(planted.read_bytes()).hexdigest()
    _report, written = validate_files([folder], ref, feedback_dir=folder)
    assert hashlib.sha256(planted.read_bytes()).hexdigest() == before
    names = sorted(p.name for fb in written for p in fb.paths)
    assert names == [
        "x_2_corrections.xlsx",
        "x_2_retour.txt",
        "x_corrections_corrections.xlsx",
        "x_corrections_retour.txt",
    ]
    # each text names the workbook joined to it, by the name it was given, and agrees in number
    text = (folder / "x_2_retour.txt").read_text(encoding="utf-8")
    assert "Le fichier « x_2_corrections.xlsx » joint reprend votre bilan" in " ".join(text.split())
    assert "1 point est à corriger" in text


def test_a_workbook_that_cannot_be_annotated_leaves_the_text_alone(ref, tmp_path, monkeypatch):
    def broken(*args, **kw):
        raise ValueError("openpyxl ne sait pas lire ce classeur")

    monkeypatch.setattr(feedback_mod, "annotate", broken)
    bad = _bad(ref, tmp_path)
    out = tmp_path / "retours"
    report, [fb] = validate_files([bad], ref, feedback_dir=out)
    assert [f.code for f in report.files[0].findings] == ["valeur.negative"]
    assert fb.workbook is None and fb.text is not None and "copie annotée non écrite" in (fb.problem or "")
    text = fb.text.read_text(encoding="utf-8")
    assert "_corrections.xlsx" not in text and "Indicateurs!E" in text
    assert [p.name for p in out.iterdir()] == [fb.text.name]


def test_a_text_that_cannot_be_written_leaves_nothing(ref, tmp_path, monkeypatch):
    def full(*args, **kw):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[0]))

    monkeypatch.setattr(feedback_mod, "write_text_atomic", full)
    bad = _bad(ref, tmp_path)
    out = tmp_path / "retours"
    report, [fb] = validate_files([bad], ref, feedback_dir=out)
    assert not report.files[0].valid
    assert fb.paths == [] and "plus de place sur le disque" in (fb.problem or "")
    assert list(out.iterdir()) == []


def test_a_flood_of_findings_is_summed_up_everywhere(ref, tmp_path):
    def flood(wb):
        ws = wb["Territoires"]
        for r in range(2, 1002):
            ws.cell(row=r, column=1, value="99")  # an unknown département on each of 1 000 rows
            ws.cell(row=r, column=2, value="structures_accompagnees")
            ws.cell(row=r, column=3, value=1)

    path = make_bilan(ref, tmp_path, "ANIM", 2014, edit=flood)
    report, [fb] = validate_files([path], ref, feedback_dir=tmp_path / "retours")
    result = report.files[0]
    unknown = [f for f in result.findings if f.code == "departement.inconnu"]
    assert len(unknown) == pipeline.MAX_PER_CODE + 1  # the kept ones and one summary line
    summary = unknown[-1]
    assert summary.count == 1000 - pipeline.MAX_PER_CODE and summary.cell is None
    assert "… et 950 autres constats du même type" in summary.message
    assert result.errors >= 1000  # totals still count every finding
    text = fb.text.read_text(encoding="utf-8") if fb.text else ""
    assert text.count("\n- ") < 200 and "950 autres constats du même type" in text
    assert "2\u202f999 points sont à corriger" in text and result.errors == 2999
    wb = load_workbook(fb.workbook) if fb.workbook else None
    assert wb is not None and wb["Corrections"].max_row < 200


def test_a_file_cess_may_not_read_is_the_cress_s_to_fix_not_the_operator_s(ref, tmp_path, monkeypatch):
    """A bilan the shared folder's rights forbid cess to read is refused in French
    (`fichier.acces_refuse`, never the system's « Permission denied »), and no feedback
    asks its operator to fix a file that is fine; nor for a link cess does not follow. A
    file in the same run with findings still gets its feedback (README *Reading the feedback*)."""
    folder = tmp_path / "bilans"
    locked = make_bilan(ref, folder, name="bilan_I_1.1.1_2015.xlsx")
    wrong = make_bilan(
        ref, folder, name="bilan_I_1.1.2_2015.xlsx", edit=lambda wb: wb["Financements"].__setitem__("A2", "X")
    )
    (folder / "lien.xlsx").symlink_to(wrong)
    real = preflight_module._read_regular

    def refuse(path, max_bytes):
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, max_bytes)

    monkeypatch.setattr(preflight_module, "_read_regular", refuse)
    out = tmp_path / "retours"
    report, feedback = validate_files([locked, folder / "lien.xlsx", wrong], ref, feedback_dir=out)
    by_file = {Path(r.file).name: r for r in report.files}
    refused = by_file[locked.name].findings
    assert [(f.code, f.message) for f in refused] == [
        (
            "fichier.acces_refuse",
            "cess n'a pas le droit de lire ce fichier (permission refusée) : il n'est pas pris en compte.",
        )
    ]
    assert "Permission denied" not in str(report.to_dict())
    assert [f.code for f in by_file["lien.xlsx"].findings] == ["fichier.ignore"]
    assert sorted(p.name for p in out.iterdir()) == [
        "bilan_I_1.1.2_2015_corrections.xlsx",
        "bilan_I_1.1.2_2015_retour.txt",
    ]
    assert [Path(fb.file).name for fb in feedback] == [wrong.name]


def test_a_feedback_for_a_file_of_unknown_action_reads_without_a_gap(ref, tmp_path):
    empty = tmp_path / "bilan.xlsx"
    empty.write_bytes(b"")
    result = validate_workbook(empty, ref)
    assert "Nous avons bien reçu votre bilan (fichier « bilan.xlsx »). Il ne peut pas" in summary_text(result)


@pytest.mark.parametrize(
    ("error", "code", "says"),
    [
        (errno.ENOENT, "fichier.introuvable", "Fichier introuvable : disparu pendant la lecture."),
        (errno.ELOOP, "fichier.ignore", "Fichier ignoré : lien symbolique, non suivi."),
        (errno.EBUSY, "fichier.lecture_impossible", "cess n'a pas pu lire ce fichier (occupé par un autre programme)"),
        (errno.EIO, "fichier.lecture_impossible", "cess n'a pas pu lire ce fichier (erreur d'entrée-sortie)"),
    ],
)
def test_a_file_the_system_would_not_read_gets_no_feedback(ref, tmp_path, monkeypatch, error, code, says):
    """A hostile review: a file gone, a link swapped in after the lstat, a file held by another
    program on a share or a disk error were « Le classeur n'a pas pu être lu » with a feedback
    asking the operator to re-save a sound file. Each is the CRESS's to look at."""
    path = make_bilan(ref, tmp_path / "bilans")

    def refuse(_path, _max_bytes):
        raise OSError(error, os.strerror(error), str(_path))

    monkeypatch.setattr(preflight_module, "_read_regular", refuse)
    out = tmp_path / "retours"
    report, feedback = validate_files([path], ref, feedback_dir=out)
    [result] = report.files
    assert [f.code for f in result.findings] == [code] and result.findings[0].message.startswith(says)
    assert feedback == [] and not (out.exists() and any(out.iterdir()))
