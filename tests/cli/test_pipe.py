"""Output read by a pipe that closes early (`cess validate bilans/ | head -3`): the rest of
the output is dropped, the run goes to its end and exits with the code it deserves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CESS = str(Path(sys.executable).with_name("cess"))  # the console script, as a user runs it


def _with_reader_gone(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run cess with a standard output whose reader has already gone (deterministic: the
    first line written meets a closed pipe, whatever the pipe's buffer)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([CESS, *args], stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=cwd)
    finally:
        os.close(write_end)


def test_validate_into_a_closed_pipe_keeps_its_exit_code_and_says_nothing(tmp_path):
    samples = str(ROOT / "sample_reports")
    for args in (["validate", samples], ["validate", samples, "--format", "json"]):
        done = _with_reader_gone(args, tmp_path)
        # sample_reports/ holds invalid bilans: 1, as without a pipe; not 2 and « erreur du système »
        assert (done.returncode, done.stderr) == (1, ""), args


def test_consolidate_into_a_closed_pipe_still_writes_its_outputs(tmp_path):
    args = ["consolidate", "2015", "--bilans", str(ROOT / "sample_reports"), "--out", str(tmp_path / "out")]
    done = _with_reader_gone(args, tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "evaluation_2015.csv",
        "evaluation_2015.xlsx",
        "evaluation_2015_financements.csv",
    ]
