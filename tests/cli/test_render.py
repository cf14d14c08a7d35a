"""What people read in a terminal of 80 columns, in a pipe and in a log."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cess_cli.catalogue import make
from cess_cli.cli.app import app
from cess_cli.cli.render import print_report
from cess_cli.findings import FileResult, Report

EMAIL = "contact.cooperer-territoires-rhone-alpes.example.org"
LONG = "regle.sorties_parcours_superieures_aux_personnes_en_parcours"


def _report() -> Report:
    result = FileResult("bilans/2015/bilan_II_3.1.2_2014_version_corrigee_par_le_porteur.xlsx")
    result.findings.append(
        make(
            "identification.email_invalide",
            result.file,
            "Identification",
            "C7",
            trouve=EMAIL,
            detail="il manque le signe @",
        )
    )
    result.findings.append(
        make(
            "regle",
            result.file,
            "Indicateurs",
            "E3",
            message="Les sorties vers un emploi durable ne peuvent pas dépasser le nombre de personnes en parcours "
            "(sorties_emploi_durable = 150, personnes_en_parcours = 138).",
        )
    )
    object.__setattr__(result.findings[1], "code", LONG)
    return Report([result])


def _render(width: int, terminal: bool) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=terminal, no_color=True, highlight=False, soft_wrap=True)
    print_report(console, _report())
    return re.sub(r"\x1b\[[0-9;]*m", "", buffer.getvalue())


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
def test_narrow_output_is_a_list_whose_codes_and_addresses_are_whole(terminal):
    text = _render(80, terminal)
    assert "┃" not in text and "│" not in text  # no table at 80 columns
    lines = text.splitlines()
    assert any(line.strip() == LONG or line.strip() == f"erreur  Indicateurs!E3  {LONG}" for line in lines)
    assert any(EMAIL in line for line in lines)  # never cut
    if terminal:
        assert max(len(line.rstrip()) for line in lines) <= 80
        assert "    Les sorties vers un emploi durable ne peuvent pas dépasser le nombre de" in [
            line.rstrip() for line in lines
        ]
    else:  # a pipe or a log: each message whole on its own line, as grep finds it
        assert (
            "    Les sorties vers un emploi durable ne peuvent pas dépasser le nombre de personnes en parcours "
            "(sorties_emploi_durable = 150, personnes_en_parcours = 138)."
        ) in lines


def test_wide_terminal_keeps_the_table_with_whole_codes():
    text = _render(160, True)
    assert "Gravité" in text and "│" in text
    assert LONG in text and EMAIL in text


def test_command_at_80_columns_in_a_pipe(ref, tmp_path):
    from ..helpers import make_bilan, set_ind

    path = make_bilan(ref, tmp_path, edit=lambda wb: set_ind(wb, "evenements", -3))
    result = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1"}).invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "  erreur  Indicateurs!E5  valeur.negative" in lines
    assert "    Valeur -3 négative : une valeur positive ou nulle est attendue." in lines
    assert lines[-1] == "1 fichier : 0 valide, 1 invalide ; 1 erreur, 0 avertissement."
