"""French everywhere a user reads: help, usage errors, the translation catalogue of
click and typer (run through the installed `cess`, in a real subprocess, like a user)."""

from __future__ import annotations

import ast
import gettext
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from cess_cli.cli.app import app
from cess_cli.cli.french import DOMAIN, LOCALE_DIR, french

EXE = Path(sys.executable).parent / "cess"
needs_exe = pytest.mark.skipif(not EXE.exists(), reason="the cess command is not installed in this environment")

# English that click, typer or Python would print; none of it may reach a user.
ENGLISH = re.compile(
    r"Usage|Error|Missing|No such|Show this|and exit|\brequired\b|Did you mean|Try '|Commands|"
    r"\bCOMMAND\b|\bARGS\b|\bPATHS?\b|\bTEXT\b|\bINTEGER\b|\bFLOAT\b|default:|\bInvalid\b|is not one of|"
    r"Traceback|<list|\{paths\}|requires an argument|Aborted|\bGot unexpected\b"
)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env.update(COLUMNS="80", LANG="C")  # what cron gives: no French locale on the machine
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=60, cwd=cwd, env=env)


def _command_paths() -> list[list[str]]:
    paths: list[list[str]] = [[]]
    for name, cmd in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        paths += [[name, sub] for sub in getattr(cmd, "commands", {})]
    return paths


@needs_exe
@pytest.mark.parametrize("command", _command_paths(), ids=lambda c: " ".join(c) or "cess")
def test_help_is_french_with_examples_on_their_own_lines(command):
    proc = run(*command, "--help")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert text.startswith("Utilisation : cess")
    assert "Afficher cette aide et quitter." in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "\\" not in text and "\b" not in text
    lines = [line.strip() for line in text.splitlines()]
    if command not in ([],):  # every example is a whole command on its own line, under « Exemple(s) : »
        start = next(i for i, line in enumerate(lines) if line in ("Exemple :", "Exemples :"))
        examples = lines[start + 1 : lines.index("", start)]
        assert examples and all(line.startswith(f"cess {' '.join(command)}") for line in examples), examples


MISTAKES = [
    (["valdiate"], "Commande inconnue « valdiate ». Vouliez-vous dire « validate » ?"),
    (["schemas", "shw"], "Commande inconnue « shw ». Vouliez-vous dire « show » ?"),
    (["validate", "--frmat", "json", "x.xlsx"], "Option inconnue « --frmat ». Vouliez-vous dire « --format » ?"),
    (["validate"], "Argument manquant : 'CHEMIN...'."),
    (["consolidate"], "Argument manquant : 'PÉRIODE'."),
    (["template", "III_1.1.3", "2015"], "Option manquante : '--output' / '-o'."),
    (["validate", "x.xlsx", "--format"], "L'option « --format » attend une valeur."),
    (["validate", "x.xlsx", "--format", "xml"], "« xml » n'est pas l'une des valeurs 'table', 'json'."),
    (["status", "2015", "en-trop"], "Argument en trop : en-trop"),
]


@needs_exe
@pytest.mark.parametrize(("args", "expected"), MISTAKES, ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_usage_mistakes_are_french_and_exit_2(args, expected, tmp_path):
    proc = run(*args, cwd=tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert expected in output
    assert output.count("Erreur : ") == 1
    assert not ENGLISH.search(output), ENGLISH.search(output)


@needs_exe
def test_no_arguments_shows_the_french_help(tmp_path):
    for args in ([], ["schemas"]):
        proc = run(*args, cwd=tmp_path)
        assert "Utilisation : cess" in proc.stdout + proc.stderr
        assert not ENGLISH.search(proc.stdout + proc.stderr)


def _gettext_calls(module_name: str) -> list[tuple[str, str | None]]:
    """Every literal message a module passes to `_()` or `ngettext()`: (msgid, plural)."""
    spec = importlib.util.find_spec(module_name)
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text(encoding="utf-8")
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id == "_" and args:
                found.append((args[0], None))
            elif node.func.id == "ngettext" and len(args) >= 2:
                found.append((args[0], args[1]))
    return found


def _click_and_typer_modules() -> list[str]:
    names = []
    for package in ("click", "typer"):
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.origin is not None
        folder = Path(spec.origin).parent
        names += [f"{package}.{p.stem}" for p in sorted(folder.glob("*.py")) if p.stem != "testing"]
    return names


@pytest.mark.parametrize("module", _click_and_typer_modules())
def test_catalogue_translates_every_message_of_click_and_typer(module):
    """A newer click or typer with a new message fails here, not in front of a user."""
    same_in_french = {"%(prog)s, version %(version)s"}
    for msgid, plural in _gettext_calls(module):
        if plural is None:
            assert french.gettext(msgid) != msgid or msgid in same_in_french, msgid
        else:
            assert french.ngettext(msgid, plural, 2) != plural, msgid


def test_installed_modules_use_the_catalogue():
    import click.exceptions

    assert click.exceptions._ == french.gettext  # type: ignore[attr-defined]
    assert click.exceptions.ngettext == french.ngettext  # type: ignore[attr-defined]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) is not installed")
def test_compiled_catalogue_is_current(tmp_path):
    po = LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{DOMAIN}.po"
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(["msgfmt", "-o", str(tmp_path / "fr" / "LC_MESSAGES" / f"{DOMAIN}.mo"), str(po)], check=True)
    fresh = gettext.translation(DOMAIN, tmp_path, languages=["fr"])
    assert fresh._catalog == french._catalog  # type: ignore[attr-defined]


def test_argument_help_is_shown():
    """typer's argument help needs a click that keeps it (pinned in pyproject)."""
    from typer.testing import CliRunner

    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, ["validate", "--help"])
    assert "Bilans (fichiers) ou dossiers de bilans" in result.output


def test_counts_agree_in_number_never_with_a_parenthesised_plural(tmp_path):
    """« 2 modèles écrits », « 1 retour écrit », « 1 manquant »: never « (s) » (README: French)."""
    from typer.testing import CliRunner

    root = Path(__file__).resolve().parents[2]
    samples = root / "sample_reports"
    runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1"})
    said = []
    result = runner.invoke(app, ["template", "--all", "2015", "-o", str(tmp_path / "modeles")])
    said.append(result.output)
    assert "21 modèles écrits dans" in result.output
    result = runner.invoke(
        app, ["validate", str(samples / "bilan_I_1.2_2014.xlsx"), "--feedback", str(tmp_path / "retours")]
    )
    said.append(result.output)
    assert "1 retour écrit dans" in " ".join(result.output.split())
    result = runner.invoke(app, ["consolidate", "2016", "--bilans", str(samples), "--out", str(tmp_path / "o")])
    said.append(result.output)
    assert "(1 manquant)" in result.output
    assert not any("(s)" in text for text in said), said
