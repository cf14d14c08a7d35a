"""A mistyped period or bilans folder is said before the heavy imports (pandas, openpyxl,
matplotlib, WeasyPrint: about a second), so the user reads the error at once."""

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
