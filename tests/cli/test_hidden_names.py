"""A message about a file cess could not write names the output the user asked for (or its
folder), never cess's hidden working files (`.cess-….tmp`, a batch's `.….partial`)."""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cess_cli.cli.app import app

from ..helpers import make_bilan, set_ind

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
HIDDEN = re.compile(r"\.cess-[^ /]*\.tmp|\.partial")


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A folder `ro` where nothing can be created: what a read-only share does (root
    ignores `chmod a-w`), as the system says it, naming the file it was asked to create."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real = tempfile.mkdtemp

    def mkdtemp(suffix=None, prefix=None, dir=None):
        if dir is not None and Path(dir).resolve().is_relative_to(ro.resolve()):
            name = os.path.join(dir, f"{prefix}72ec27xf{suffix}")
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
        return real(suffix=suffix, prefix=prefix, dir=dir)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    return ro


def _said(result) -> str:
    return " ".join(result.output.split())


def test_consolidate_names_the_workbook_asked_for(ref, tmp_path, read_only):
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    make_bilan(ref, bilans, "ANIM", 2015)
    result = runner.invoke(app, ["consolidate", "2015", "--bilans", str(bilans), "--out", str(read_only)])
    said = _said(result)
    assert result.exit_code == 2, said
    assert f"Erreur : {read_only / 'evaluation_2015.xlsx'} : " in said, said
    assert not HIDDEN.search(said), said


def test_report_names_the_page_asked_for(ref, tmp_path, read_only):
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    make_bilan(ref, bilans, "ANIM", 2015)
    result = runner.invoke(app, ["rapport", "2015", "--bilans", str(bilans), "--out", str(read_only)])
    said = _said(result)
    assert result.exit_code == 2, said
    assert f"{read_only / 'rapport_2015.html'} : " in said, said
    assert not HIDDEN.search(said), said


@pytest.mark.parametrize("all_actions", [False, True])
def test_template_names_the_template_asked_for(ref, read_only, all_actions):
    args = ["template", "2015", "--all", "-o", str(read_only)] if all_actions else ["template", "ANIM", "2015"]
    if not all_actions:
        args += ["-o", str(read_only / "modele.xlsx")]
    result = runner.invoke(app, args)
    said = _said(result)
    assert result.exit_code == 2, said
    assert f"{read_only}{os.sep}" in said and ".xlsx : " in said, said
    assert not HIDDEN.search(said), said


def test_feedback_names_its_folder(ref, tmp_path, read_only):
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    make_bilan(ref, bilans, "ANIM", 2015, edit=lambda wb: set_ind(wb, "evenements", -1))
    result = runner.invoke(app, ["validate", str(bilans), "--feedback", str(read_only)])
    said = _said(result)
    assert f"retour non écrit : {read_only} : " in said, said
    assert not HIDDEN.search(said), said


def test_feedback_text_that_cannot_be_written_names_its_name(ref, tmp_path, monkeypatch):
    """The feedback is staged in a private folder, then published: a write refused there
    names the text the operator would have received."""
    from cess_cli.outputs import feedback as feedback_mod
    from cess_cli.pipeline import validate_paths

    bilans, out = tmp_path / "bilans", tmp_path / "retours"
    bilans.mkdir()
    path = make_bilan(ref, bilans, "ANIM", 2015, edit=lambda wb: set_ind(wb, "evenements", -1))
    real = tempfile.mkdtemp

    def mkdtemp(suffix=None, prefix=None, dir=None):  # the staging folder is made, not what is in it
        if dir is not None and Path(dir).parent == out:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.path.join(dir, f"{prefix}x{suffix}"))
        return real(suffix=suffix, prefix=prefix, dir=dir)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    result = validate_paths([path], ref).files[0]
    problem = feedback_mod.write_feedback(result, path, out).problem
    assert problem == (
        f"retour non écrit : {out / 'bilan_ANIM_2015_retour.txt'} : "
        "plus de place sur le disque : libérez de la place, puis relancez"
    )


def test_batch_names_its_output_folder_not_the_partial_run(ref, tmp_path, monkeypatch):
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    make_bilan(ref, bilans, "ANIM", 2015)
    (tmp_path / "cess.toml").write_text('bilans = "bilans"\nsortie = "sortie"\n', encoding="utf-8")
    real = tempfile.mkdtemp

    def mkdtemp(suffix=None, prefix=None, dir=None):  # the disk fills up during the run
        if dir is not None and Path(dir).name.endswith(".partial"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.path.join(dir, f"{prefix}x{suffix}"))
        return real(suffix=suffix, prefix=prefix, dir=dir)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    result = runner.invoke(app, ["batch", "--config", str(tmp_path / "cess.toml")])
    said = _said(result)
    assert result.exit_code == 2, said
    assert f"Exécution abandonnée : {tmp_path / 'sortie' / 'runs'} : plus de place sur le disque" in said, said
    assert not HIDDEN.search(said), said
