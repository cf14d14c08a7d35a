"""A mistyped period or bilans folder is said before the heavy imports (pandas, openpyxl,
matplotlib, WeasyPrint: about a second), so the user reads the error at once; an output
folder that is the bilans folder is refused before anything is written."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "openpyxl", "matplotlib", "weasyprint")
PROBE = """
import sys
from cess_cli.cli.app import main
sys.argv = ["cess", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print("exit", code, "heavy", sorted(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize("command", ["consolidate", "status", "rapport"])
@pytest.mark.parametrize("mistake", [["2099"], ["2015", "--bilans", "/nonexistent-cess-folder"]])
def test_a_mistyped_period_or_folder_is_said_before_the_heavy_imports(command, mistake, tmp_path):
    probe = PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe, command, *mistake], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert "Erreur" in done.stderr
    assert done.stdout.strip().splitlines()[-1] == "exit 2 heavy []"


@pytest.mark.parametrize("command", ["consolidate", "rapport"])
def test_an_output_folder_that_is_the_bilans_folder_is_refused_and_nothing_written(command, tmp_path):
    """README: `--out` equal to `--bilans` is refused (exit 2): the report or the workbook
    would otherwise be read back as a file of the bilans folder by every later run."""
    from typer.testing import CliRunner

    from cess_cli.cli import app

    folder = tmp_path / "bilans"
    folder.mkdir()
    result = CliRunner().invoke(app, [command, "2015", "--bilans", str(folder), "--out", str(folder)])
    assert result.exit_code == 2
    assert "Choisissez un dossier de sortie distinct" in result.output
    assert list(folder.iterdir()) == []
