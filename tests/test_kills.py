"""A run killed at any step of its publication leaves the previous outputs whole (SPEC §8;
issue 11, point 2): while it writes its outputs, renames its run folder, or moves `latest`;
and `cess consolidate` killed while it writes leaves the previous workbook and CSV whole.

Kills are deterministic, without timing: a forked child runs the real code with the
file-system calls that publish something (`os.replace`, `os.rename`, `os.link`,
`os.symlink`) wrapped, and ends itself with `os._exit` — as abruptly as SIGKILL: no
`finally`, no clean-up — just before the named step. The test first checks that the child
did die there (so a renamed step cannot make the test pass without killing anything).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cess_cli.batch import run_batch
from cess_cli.cli.app import app
from cess_cli.config import resolve

from .helpers import make_bilan, set_ind, shared

KILLED = 86
PUBLISHING = ("replace", "rename", "link", "symlink")


def _step(call: str, src: object, dst: object) -> str:
    """The name of a publishing call: `replace:evaluation_2014.xlsx`, `rename:run`,
    `symlink:.latest`, `link:x_retour.txt`."""
    name = Path(os.fsdecode(dst)).name  # type: ignore[arg-type]
    if call == "rename" and os.fsdecode(src).endswith(".partial"):  # type: ignore[arg-type]
        return "rename:run"
    if call == "symlink" and name.startswith(".latest."):
        return "symlink:.latest"
    return f"{call}:{name}"


def in_child(work: Callable[[], object], die_at: str | None = None, record: Path | None = None) -> int:
    """Run `work` in a forked child, killed (`os._exit(KILLED)`) just before the publishing
    call named `die_at`; `record` receives the names of the calls made. Returns the child's
    exit code: KILLED, 0 when `work` returned, 3 when it raised."""
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        code = 3
        try:
            me, seen = os.getpid(), []
            for call in PUBLISHING:
                real = getattr(os, call)

                def wrapped(src, dst, *a, _real=real, _call=call, **k):
                    if os.getpid() == me:  # the worker processes are not the run
                        seen.append(_step(_call, src, dst))
                        if record is not None:
                            record.write_text("\n".join(seen), encoding="utf-8")
                        if seen[-1] == die_at:
                            os._exit(KILLED)
                    return _real(src, dst, *a, **k)

                setattr(os, call, wrapped)
            work()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _complete(run: Path) -> bool:
    """A run folder is complete: its manifest lists outputs that are all there, byte for byte."""
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    outputs = {e["fichier"]: e["sha256"] for e in manifest["sorties"]}
    on_disk = {k: v for k, v in _hashes(run).items() if k != "manifest.json"}
    return bool(outputs) and outputs == on_disk


@pytest.fixture(scope=shared)
def first_run(ref, tmp_path_factory):
    """A bilans folder (one valid bilan, one invalid so that feedback is written) and a
    first, complete run that `latest` points to."""
    base = tmp_path_factory.mktemp("kills")
    (base / "bilans").mkdir()
    make_bilan(ref, base / "bilans", "ANIM", 2014)
    make_bilan(ref, base / "bilans", "I_1.2", 2015, edit=lambda wb: set_ind(wb, "evenements", -1))
    (base / "cess.toml").write_text('bilans = "bilans"\nsortie = "sortie"\n', encoding="utf-8")
    first = run_batch(resolve(base / "cess.toml"), ref)
    record = base / "steps.txt"
    copy = tmp_path_factory.mktemp("kills_steps") / "base"
    shutil.copytree(base, copy, symlinks=True)
    assert in_child(lambda: run_batch(resolve(copy / "cess.toml"), ref), record=record) == 0
    return base, first.run_dir.name, record.read_text(encoding="utf-8").splitlines()


def test_the_publishing_steps_of_a_run(first_run):
    _, _, steps = first_run
    outputs = [
        f"replace:evaluation_{p}{ext}"
        for p in ("2014", "2015", "2016", "2014-2016")
        for ext in (".xlsx", ".csv", "_financements.csv")
    ]
    assert steps == [
        "link:bilan_I_1.2_2015_corrections.xlsx",
        "link:bilan_I_1.2_2015_retour.txt",
        *outputs,
        "replace:rapport_2014-2016.pdf",  # the COPIL report of the whole period: written
        "replace:rapport_2014-2016.html",  # together, the last named first
        "replace:batch.log",
        "replace:manifest.json",
        "rename:run",
        "symlink:.latest",
        "replace:latest",
    ]


KILL_AT = [
    "link:bilan_I_1.2_2015_corrections.xlsx",  # writing the feedback
    "replace:evaluation_2014.xlsx",  # writing the outputs
    "replace:evaluation_2014-2016.csv",
    "replace:rapport_2014-2016.html",
    "replace:rapport_2014-2016.pdf",
    "replace:batch.log",
    "replace:manifest.json",
    "rename:run",  # renaming the run folder
    "symlink:.latest",  # moving latest
    "replace:latest",
]


@pytest.mark.parametrize("step", KILL_AT)
def test_a_run_killed_at_any_step_leaves_the_previous_outputs_whole(ref, first_run, tmp_path, step):
    pristine, first, _ = first_run
    base = tmp_path / "base"
    shutil.copytree(pristine, base, symlinks=True)
    out = base / "sortie"
    before = _hashes(out / "runs" / first)
    cfg = resolve(base / "cess.toml")
    assert in_child(lambda: run_batch(cfg, ref), die_at=step) == KILLED

    # `latest` still designates the first run, whole
    assert (out / "latest").resolve() == (out / "runs" / first).resolve()
    assert _hashes(out / "runs" / first) == before
    # every run folder a reader can see is complete (killed after its rename, the run is
    # whole in runs/, only `latest` was not moved yet)
    visible = sorted(p.name for p in (out / "runs").iterdir() if not p.name.startswith("."))
    assert first in visible and all(_complete(out / "runs" / name) for name in visible)
    if step not in ("symlink:.latest", "replace:latest"):
        assert visible == [first]

    # the next run cleans what the killed one left, and publishes
    again = run_batch(cfg, ref)
    assert (out / "latest").resolve() == again.run_dir.resolve() and _complete(again.run_dir)
    assert not list((out / "runs").glob(".*")) and not list(out.glob(".latest.*"))
    assert "Verrou laissé par une exécution interrompue" in (again.run_dir / "batch.log").read_text(encoding="utf-8")


@pytest.fixture(scope=shared)
def consolidated(ref, tmp_path_factory):
    """`cess consolidate 2014` run once: the workbook and CSV a killed rerun must leave whole."""
    base = tmp_path_factory.mktemp("consolidate")
    (base / "bilans").mkdir()
    make_bilan(ref, base / "bilans", "ANIM", 2014, values={"evenements": 3})
    (base / "cess.toml").write_text('bilans = "bilans"\nsortie = "sortie"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["consolidate", "2014", "--config", str(base / "cess.toml")])
    assert result.exit_code == 0, result.output
    return base


def _consolidate_again(base: Path, die_in: str) -> Callable[[], object]:
    """Rerun `cess consolidate 2014` after a second bilan came in, dying in the middle of
    writing the workbook (`xlsx`: at its fifth zip entry) or the CSV (`csv`: at its third row)."""

    def work() -> object:
        calls = {"n": 0}
        if die_in == "xlsx":
            real = zipfile.ZipFile.writestr

            def writestr(self, *a, **k):
                calls["n"] += 1
                if calls["n"] == 5:
                    os._exit(KILLED)
                return real(self, *a, **k)

            zipfile.ZipFile.writestr = writestr  # type: ignore[method-assign]
        else:
            import csv

            real_writer = csv.writer

            class Dying:
                def __init__(self, fh):
                    self.w = real_writer(fh)

                def writerow(self, row):
                    calls["n"] += 1
                    if calls["n"] == 3:
                        os._exit(KILLED)
                    return self.w.writerow(row)

            csv.writer = Dying  # type: ignore[assignment, misc]
        return CliRunner().invoke(app, ["consolidate", "2014", "--config", str(base / "cess.toml")])

    return work


def _sources(workbook: Path) -> set[str]:
    """The bilans listed in the workbook's Sources sheet."""
    return {c.value for c in load_workbook(workbook)["Sources"]["A"] if str(c.value).endswith(".xlsx")}


@pytest.mark.parametrize("die_in", ["xlsx", "csv"])
def test_consolidate_killed_while_writing_leaves_the_previous_files_whole(ref, consolidated, tmp_path, die_in):
    base = tmp_path / "base"
    shutil.copytree(consolidated, base, symlinks=True)
    make_bilan(ref, base / "bilans", "I_1.1.1", 2014)
    before = _hashes(base / "sortie")
    assert set(before) == {"evaluation_2014.xlsx", "evaluation_2014.csv", "evaluation_2014_financements.csv"}
    assert in_child(_consolidate_again(base, die_in)) == KILLED
    after = {k: v for k, v in _hashes(base / "sortie").items() if not k.startswith(".cess-")}
    assert set(after) == set(before)  # nothing half-written beside them
    # the three files take their names together once all are written: killed while writing
    # either, every previous file is there, byte for byte (never a new workbook beside an
    # old CSV)
    assert after == before
    # the next run replaces both files whole, and removes nothing it does not own
    result = CliRunner().invoke(app, ["consolidate", "2014", "--config", str(base / "cess.toml")])
    assert result.exit_code == 0, result.output
    assert _sources(base / "sortie" / "evaluation_2014.xlsx") == {"bilan_ANIM_2014.xlsx", "bilan_I_1.1.1_2014.xlsx"}
    assert "bilan_I_1.1.1_2014.xlsx" in (base / "sortie" / "evaluation_2014.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("tamper", ["folder", "unreplaceable"])
def test_latest_that_cannot_be_moved_at_the_end_fails_in_french_and_keeps_the_run(
    ref, first_run, tmp_path, monkeypatch, tamper
):
    """`latest` made a folder while the run was working (someone « fixing » it by hand), or
    a `replace` the system refuses: the finished run stays in runs/, `latest` is left as
    found, the temporary link is removed, and the message says both."""
    import cess_cli.batch as batch

    pristine, first, _ = first_run
    base = tmp_path / "base"
    shutil.copytree(pristine, base, symlinks=True)
    out = base / "sortie"
    real_write = batch.write_outputs

    def write_then_tamper(*args, **kwargs):
        written = real_write(*args, **kwargs)
        if tamper == "folder":
            (out / "latest").unlink()
            (out / "latest").mkdir()
        return written

    monkeypatch.setattr(batch, "write_outputs", write_then_tamper)
    if tamper == "unreplaceable":
        real_replace = os.replace

        def refuse_latest(src, dst, *a, **k):
            if Path(dst).name == "latest":
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dst))
            return real_replace(src, dst, *a, **k)

        monkeypatch.setattr(os, "replace", refuse_latest)
    with pytest.raises(batch.BatchFailed) as caught:
        run_batch(resolve(base / "cess.toml"), ref)
    message = str(caught.value)
    finished = [p for p in (out / "runs").iterdir() if p.name not in (first,) and not p.name.startswith(".")]
    assert len(finished) == 1 and _complete(finished[0])
    assert message.startswith(
        f"Exécution terminée dans {out / 'runs' / finished[0].name}, mais « latest » n'a pas été déplacé : "
    )
    if tamper == "folder":
        assert "n'est pas le lien posé par cess (c'est un dossier ou un fichier)" in message
        assert (out / "latest").is_dir() and not (out / "latest").is_symlink()
    else:
        assert message.endswith(
            f"{out / 'latest'} : droits insuffisants : donnez à cess le droit d'écrire dans ce dossier, ou choisissez-en un autre"
        )
        assert (out / "latest").resolve() == (out / "runs" / first).resolve()
    assert not list(out.glob(".latest.*"))
