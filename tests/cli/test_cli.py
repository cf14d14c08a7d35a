"""The command line: exit codes, renderers, help texts, and the installed command."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from cess_cli.cli.app import app
from cess_cli.pipeline import validate_paths

from ..helpers import make_bilan, schemas_with_inactive_year, set_ind

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def invoke(*args: str, cwd: Path | None = None):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _all_commands() -> list[list[str]]:
    click_app = typer.main.get_command(app)
    out = []
    for name, cmd in click_app.commands.items():  # type: ignore[attr-defined]
        if hasattr(cmd, "commands"):
            out += [[name, sub] for sub in cmd.commands]
        else:
            out.append([name])
    return out


@pytest.mark.parametrize("command", _all_commands(), ids=" ".join)
def test_every_command_has_help_and_is_in_readme(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert len(result.output.strip()) > 80
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"cess {' '.join(command)}" in readme


def test_validate_ok_and_exit_codes(ref, tmp_path):
    good = make_bilan(ref, tmp_path)
    result = invoke("validate", str(good))
    assert result.exit_code == 0, result.output
    assert "aucun problème" in result.output
    bad = make_bilan(ref, tmp_path, name="bad.xlsx", edit=lambda wb: set_ind(wb, "evenements", -4))
    result = invoke("validate", str(good), str(bad))
    assert result.exit_code == 1
    assert "Indicateurs!E5" in result.output and "valeur.negative" in result.output


def test_strict_makes_warnings_fail(ref, tmp_path):
    warn = make_bilan(ref, tmp_path, edit=lambda wb: set_ind(wb, "evenements", "12"))
    assert invoke("validate", str(warn)).exit_code == 0
    assert invoke("validate", "--strict", str(warn)).exit_code == 1


def test_json_output_pins_every_field(ref, tmp_path):
    bilan = str(make_bilan(ref, tmp_path, edit=lambda wb: set_ind(wb, "evenements", "1.234")))
    empty = tmp_path / "vide.xlsx"
    empty.write_bytes(b"")
    result = invoke("validate", str(tmp_path), "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "fichiers": [
            {
                "fichier": bilan,
                "action": "III_1.1.3",
                "annee": 2015,
                "version": 1,
                "valide": False,
                "ignore": False,
                "erreurs": 1,
                "avertissements": 0,
                "constats": [
                    {
                        "code": "nombre.ambigu",
                        "severity": "erreur",
                        "file": bilan,
                        "sheet": "Indicateurs",
                        "cell": "E5",
                        "message": "Nombre ambigu « 1.234 » : séparateur de milliers ou virgule décimale ?",
                        "hint": "Saisissez le nombre sans séparateur de milliers (par exemple 1234), ses décimales "
                        "après une virgule (par exemple 1234,5), ou tapez-le dans une cellule au format nombre.",
                    }
                ],
            },
            {
                "fichier": str(empty),
                "action": None,
                "annee": None,
                "version": None,
                "valide": False,
                "ignore": False,
                "erreurs": 1,
                "avertissements": 0,
                "constats": [
                    {
                        "code": "fichier.vide",
                        "severity": "erreur",
                        "file": str(empty),
                        "sheet": None,
                        "cell": None,
                        "message": "Le fichier est vide (0 octet).",
                        "hint": "Renvoyez le bilan enregistré depuis Excel.",
                    }
                ],
            },
        ],
        "resume": {"fichiers": 2, "valides": 0, "ignores": 0, "erreurs": 2, "avertissements": 0},
    }
    # and it is the library's own report, as a notebook would get it
    assert json.loads(result.stdout) == validate_paths([tmp_path], ref).to_dict()


def test_bad_usage_exits_2(tmp_path):
    assert invoke("validate", str(tmp_path), "--format", "xml").exit_code == 2
    assert invoke("validate", "--config", str(tmp_path / "absent.toml"), str(tmp_path)).exit_code == 2
    result = invoke("template", "XX_9", "2015", "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2 and "inconnue" in result.output
    assert invoke("template", "ANIM", "2019", "-o", str(tmp_path / "x.xlsx")).exit_code == 2


def test_empty_folder_fails(tmp_path):
    assert invoke("validate", str(tmp_path)).exit_code == 1


def _identification(path: Path) -> tuple[str, int]:
    ws = load_workbook(path, read_only=True)["Identification"]
    keys = {r[0]: r[2] for r in ws.iter_rows(min_row=2, values_only=True)}
    return keys["code_action"], keys["annee"]


def test_template_one_and_all(ref, tmp_path):
    result = invoke("template", "III_1.1.3", "2015", "-o", str(tmp_path / "one.xlsx"))
    assert result.exit_code == 0
    assert _identification(tmp_path / "one.xlsx") == ("III_1.1.3", 2015)
    result = invoke("template", "--all", "2016", "-o", str(tmp_path / "all"))
    assert result.exit_code == 0
    written = {p.name: _identification(p) for p in (tmp_path / "all").iterdir()}
    assert written == {f"bilan_{code}_2016.xlsx": (code, 2016) for code, a in ref.actions.items() if 2016 in a.annees}

    # a year alone: the action is missing, or --all was meant; nothing is written
    result = invoke("template", "2015", "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2 and not (tmp_path / "x.xlsx").exists()
    assert "pour le modèle de chaque action : cess template --all 2015 -o DOSSIER" in " ".join(result.output.split())
    result = invoke("template", "ANIM", "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2 and "--all" not in result.output


def test_schemas_commands(ref):
    result = invoke("schemas", "check")
    assert result.exit_code == 0 and "21 actions" in result.output
    result = invoke("schemas", "list")
    assert "III_2.1.5" in result.output and "Conférence de l'emploi associatif" in result.output
    result = invoke("schemas", "show", "II_2.1.2")
    assert "taux_sorties_positives" in result.output and "0,45" in result.output
    result = invoke("schemas", "show", "II_2.1.2", "--json-schema")
    assert json.loads(result.stdout) == ref.model_for("II_2.1.2").model_json_schema()


def test_broken_referential_exits_1_on_check_and_2_elsewhere(tmp_path):
    import shutil

    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    (schemas / "regles.yaml").write_text("regles:\n  - code: x\n", encoding="utf-8")
    result = invoke("schemas", "check", "--schemas", str(schemas))
    assert result.exit_code == 1 and "regles.yaml" in result.output
    result = invoke("validate", "--schemas", str(schemas), str(tmp_path))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_hostile_text_is_not_interpreted_by_the_terminal(ref, tmp_path):
    path = make_bilan(
        ref, tmp_path, edit=lambda wb: wb["Financements"].cell(row=3, column=1, value="[bold red]X_x001B_[2J")
    )
    result = invoke("validate", str(path))
    # echoed as typed (not upper-cased), markup shown literally, the escape character stripped
    assert "« [bold red]X[2J »" in result.output and "\x1b" not in result.output


def test_installed_command_smoke(tmp_path):
    exe = Path(sys.executable).parent / "cess"
    if not exe.exists():
        pytest.skip("the cess command is not installed in this environment")
    (tmp_path / "faux.xlsx").write_text("pas un classeur")
    proc = subprocess.run([str(exe), "validate", "faux.xlsx"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "fichier.pas_un_classeur" in proc.stdout
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "validate" in proc.stdout


def test_consolidate_in_repository_uses_cess_toml(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = invoke("consolidate", "2015", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    # the bilans of cess.toml (sample_reports/): every 2015 sample, and figures from them
    samples = {p.name for p in (ROOT / "sample_reports").glob("bilan_*_2015*.xlsx")}
    assert _sources(tmp_path / "evaluation_2015.xlsx") == samples
    with (tmp_path / "evaluation_2015.csv").open(encoding="utf-8") as fh:
        sources = {row["source"].split("!")[0] for row in csv.DictReader(fh)}
    assert sources and sources <= samples
    assert "III_1.1.2 2015 : invalide" in result.output
    # each file that does not count, with its first error and where it is (a user's review: the bare
    # « invalide » said neither why nor where to look)
    shown = " ".join(result.output.split())
    assert (
        "bilan_III_1.1.2_2015.xlsx : invalide (1 erreur) : non compté ; première erreur (Indicateurs!E2) : "
        "La ventilation par département" in shown
    )
    assert "cess validate FICHIER, ou la feuille Anomalies du classeur" in shown
    assert invoke("consolidate", "2015", "--out", str(tmp_path), "--strict").exit_code == 1


def test_consolidate_flags_override_config(ref, tmp_path, monkeypatch):
    bilans = tmp_path / "recus"
    bilans.mkdir()
    make_bilan(ref, bilans, "ANIM", 2014)
    (tmp_path / "cess.toml").write_text('bilans = "ailleurs"\nsortie = "sorties"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert invoke("consolidate", "2014").exit_code == 2  # cess.toml points to a folder that does not exist
    result = invoke("consolidate", "2014", "--bilans", str(bilans))
    assert result.exit_code == 0, result.output
    # the bilans of --bilans, written where cess.toml says (sortie)
    assert _sources(tmp_path / "sorties" / "evaluation_2014.xlsx") == {"bilan_ANIM_2014.xlsx"}


def _sources(workbook: Path) -> set[str]:
    """The files listed in the Sources sheet of an evaluation workbook."""
    return {r[0] for r in load_workbook(workbook, read_only=True)["Sources"].iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("period", ["2013", "2015-2019", "deux-mille", "2016-2014"])
def test_consolidate_bad_period_exits_2(period, tmp_path):
    result = invoke("consolidate", period, "--bilans", str(tmp_path), "--out", str(tmp_path))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_status_matches_completeness_sheet(tmp_path, monkeypatch):
    from openpyxl import load_workbook

    monkeypatch.chdir(ROOT)
    result = invoke("status", "2016")
    assert result.exit_code == 1  # a bilan is missing, some are invalid
    assert "Manquants : 1 / 21" in result.output and "Valides (comptés) : 17 / 21" in result.output
    invoke("consolidate", "2016", "--out", str(tmp_path))
    ws = load_workbook(tmp_path / "evaluation_2016.xlsx")["Complétude"]
    state = [c.value for c in ws[1]].index("État")
    states = [r[state].value for r in ws.iter_rows(min_row=2) if r[0].value and r[2].value == 2016]
    assert states.count("Manquant") == 1 and states.count("Valide (compté)") == 17


def test_deadlines_from_cess_toml(ref, tmp_path, monkeypatch):
    path = make_bilan(ref, tmp_path, "ANIM", 2014)  # transmitted on 15/03/2015
    assert invoke("validate", str(path)).exit_code == 0
    (tmp_path / "cess.toml").write_text("[echeances]\n2014 = 2015-01-31\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke("validate", str(path), "--strict")
    assert result.exit_code == 1 and "transmission.retard" in result.output and "31/01/2015" in result.output
    (tmp_path / "cess.toml").write_text("[echeances]\n2019 = 2020-01-31\n", encoding="utf-8")
    assert invoke("validate", str(path)).exit_code == 2


@pytest.mark.parametrize("command", ["status", "consolidate"])
def test_status_and_consolidate_name_an_unreadable_folder(ref, tmp_path, monkeypatch, command):
    import os

    from cess_cli.reading import files as files_mod

    bilans = tmp_path / "bilans"
    (bilans / "porteur_x").mkdir(parents=True)
    make_bilan(ref, bilans / "porteur_x", "ANIM", 2014)
    real = os.scandir

    def scandir(path):  # what a folder without the read permission does (root ignores chmod)
        if not isinstance(path, int) and Path(path).name == "porteur_x":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(files_mod.os, "scandir", scandir)
    result = invoke(command, "2014", "--bilans", str(bilans), "--out", str(tmp_path / "sortie"))
    if command == "status":
        result = invoke(command, "2014", "--bilans", str(bilans))
    said = " ".join(result.output.split())
    assert "porteur_x : Le dossier n'a pas pu être lu (permission refusée)" in said, said
    assert result.exit_code == (1 if command == "status" else 0)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("2016-2014", "Période « 2016-2014 » à l'envers : écrivez la première année d'abord (2014-2016)."),
        ("2013-2015", "Période « 2013-2015 » hors du contrat (2014-2016)."),
        ("2015-", "Période « 2015- » illisible : écrivez une année (2015) ou une période (2014-2016)."),
    ],
)
def test_a_period_typed_wrong_is_told_what_is_wrong(tmp_path, typed, said):
    result = invoke("status", typed, "--bilans", str(tmp_path))
    assert result.exit_code == 2
    assert said in " ".join(result.output.split())


def test_a_path_is_printed_as_it_is_never_as_markup(ref, tmp_path):
    """A folder named « o[bold red]x[/] » with a line break (the hostile review of 30
    November): rich read its brackets as markup (« ox » was printed) and the break split the
    line. Paths print whole, on one line, their break escaped."""
    bilans = tmp_path / "bilans"
    make_bilan(ref, bilans, "ANIM", 2015)
    out = tmp_path / "o[bold red]x[/]\nnl"
    result = runner.invoke(app, ["consolidate", "2015", "--bilans", str(bilans), "--out", str(out)])
    assert result.exit_code == 0, result.output
    shown = str(out).replace("\n", "\\x0a")
    for line in ("Classeur d'évaluation", "Données (CSV)", "Financements (CSV)"):
        assert any(ln.startswith(f"{line} : {shown}/evaluation_2015") for ln in result.output.splitlines()), line


@pytest.mark.parametrize("command", ["status", "consolidate"])
def test_a_file_of_a_year_outside_the_contract_or_of_an_unknown_action_says_so_not_unreadable(ref, tmp_path, command):
    """A bilan of 2013 and one coded III_1.1.6 were read: the terminal says what is true of
    each (« année 2013 hors du contrat », « action inconnue du contrat », with the first
    error and its cell), never « illisible », and they still make `status` exit 1."""
    from ..helpers import set_ident

    bilans = tmp_path / "bilans"
    bilans.mkdir()
    make_bilan(ref, bilans, "III_1.2", 2015, name="b2013.xlsx", edit=lambda wb: set_ident(wb, "annee", 2013))
    make_bilan(ref, bilans, name="inconnue.xlsx", edit=lambda wb: set_ident(wb, "code_action", "III_1.1.6"))
    args = [command, "2015", "--bilans", str(bilans)] + (["--out", str(tmp_path / "s")] if command != "status" else [])
    result = invoke(*args)
    said = " ".join(result.output.split())
    assert (
        "b2013.xlsx : année 2013 hors du contrat : non compté ; première erreur (Identification!C3) : "
        "Année 2013 hors de la période du contrat (2014-2016)." in said
    ), said
    assert "inconnue.xlsx : action inconnue du contrat : non compté ; première erreur (Identification!C2)" in said
    assert "illisible" not in said
    assert result.exit_code == (1 if command == "status" else 0)


def test_a_bilan_of_a_year_its_action_is_not_active_is_named_in_the_terminal(ref, tmp_path):
    """III_1.1.3 active in 2014 and 2016 only: its 2015 bilan has no completeness row, yet the
    terminal names it (« bilan III_1.1.3 2015 non attendu ») with its first error, in `status`
    as in `consolidate`."""
    schemas = schemas_with_inactive_year(tmp_path, "III_1.1.3", 2015)
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    make_bilan(ref, bilans)
    result = invoke("status", "2015", "--bilans", str(bilans), "--schemas", str(schemas))
    said = " ".join(result.output.split())
    assert (
        "bilan_III_1.1.3_2015.xlsx : bilan III_1.1.3 2015 non attendu, invalide (1 erreur) : non compté ; "
        "première erreur (Identification!C3) : L'action III_1.1.3 n'est pas active en 2015" in said
    ), said
    assert result.exit_code == 1


def test_batch_help_gives_every_exit_code_the_readme_gives():
    """README (*Exit codes* of `cess batch`): 1 also when no bilan was found, 2 also for a run
    that could not be written, 130 when stopped."""
    text = " ".join(invoke("batch", "--help").output.split())
    assert "aucun bilan n'a été trouvé" in text
    assert "exécution impossible à écrire" in text
    assert "130 arrêtée (Ctrl-C ou SIGTERM)" in text
