"""What people read in a terminal of 80 columns, in a pipe and in a log."""

from __future__ import annotations

import io
import json
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


@pytest.mark.parametrize("n", [0, 1, 3])
def test_json_streamed_file_by_file_is_the_report_as_json(n):
    """`cess validate --format json` writes each file as it is read: the whole text is the
    same document as `json.dumps(report.to_dict(), indent=2)` (written here by hand)."""
    from cess_cli.cli.render import JsonStream

    report = Report([FileResult(f"f{i}.xlsx") for i in range(n)])
    if n:
        report.files[-1].findings.append(make("fichier.vide", report.files[-1].file))
    buffer = io.StringIO()
    stream = JsonStream(buffer)
    for result in report.files:
        stream.file(result)
    stream.end(report)
    expected = json.dumps(
        {
            "fichiers": [r.to_dict() for r in report.files],
            "resume": {
                "fichiers": n,
                "valides": max(0, n - 1),
                "ignores": 0,
                "erreurs": 1 if n else 0,
                "avertissements": 0,
            },
        },
        ensure_ascii=False,
        indent=2,
    )
    assert json.loads(buffer.getvalue()) == json.loads(expected)
    assert buffer.getvalue() == expected + "\n"


def test_validate_prints_each_file_before_the_next_is_read(ref, tmp_path, monkeypatch):
    """Files are printed as they are read (the terminal fills while the workers work):
    when the first file's line is written, the third file has not been read yet."""
    from cess_cli import pipeline

    from ..helpers import make_bilan

    for year in (2014, 2015, 2016):
        make_bilan(ref, tmp_path, "ANIM", year)
    events: list[str] = []
    real_read = pipeline.read_bilan

    def read(path, ref, **kw):
        events.append(path.name)
        return real_read(path, ref, **kw)

    monkeypatch.setattr(pipeline, "read_bilan", read)
    results = list(pipeline.iter_files([tmp_path], ref))  # in this process: the order is observable
    assert len(results) == 3
    # the CLI prints from the same iterator: reading is lazy, one file at a time
    events.clear()
    iterator = pipeline.iter_files([tmp_path], ref)
    first, _ = next(iterator)
    assert first.file.endswith("bilan_ANIM_2014.xlsx") and events == ["bilan_ANIM_2014.xlsx"]
