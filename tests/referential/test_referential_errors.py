"""A broken or missing referential is said in French: one line for a missing folder
(exit 2, for every command that loads it), file and YAML path for bad content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cess_cli.cli.app import app
from cess_cli.referential.loading import check_referential, default_schemas_dir

runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1"})
ENGLISH = ("No such file", "Input should", "Extra inputs", "Errno", "mapping values", "expected", "Traceback")

COMMANDS = [
    ["schemas", "check"],
    ["schemas", "list"],
    ["schemas", "show", "ANIM"],
    ["validate", "bilan.xlsx"],
    ["consolidate", "2015"],
    ["status", "2015"],
    ["batch"],
    ["template", "ANIM", "2015", "-o", "bilan.xlsx"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("kind", ["absent", "vide", "fichier"])
def test_missing_referential_is_one_french_line_and_exit_2(tmp_path, monkeypatch, command, kind):
    folder = tmp_path / "referentiel"
    if kind == "vide":
        folder.mkdir()
    elif kind == "fichier":
        folder.write_text("pas un dossier")
    (tmp_path / "bilans").mkdir()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app,
        [
            *command,
            "--schemas",
            str(folder),
            *(["--bilans", "bilans"] if command[0] in ("consolidate", "status", "batch") else []),
        ],
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(("Erreur : Référentiel « ", "Erreur : Le dossier « ")), lines[0]
    assert "(option --schemas ou clé « referentiel » de cess.toml)" in lines[0]
    assert not any(word in result.output for word in ENGLISH)


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    target = tmp_path / "schemas"
    shutil.copytree(default_schemas_dir(), target)
    return target


def test_yaml_syntax_error_in_french_with_line_and_column(schemas):
    text = (schemas / "contrat.yaml").read_text(encoding="utf-8").splitlines()
    text[2] = "periode: [2014, 2015"  # never closed
    (schemas / "contrat.yaml").write_text("\n".join(text) + "\n", encoding="utf-8")
    _, problems = check_referential(schemas)
    assert len(problems) == 1
    message = problems[0].message
    assert message.startswith("Syntaxe YAML invalide ligne ") and ", colonne " in message
    assert not any(word in message for word in ENGLISH), message


def test_meta_model_errors_translated(schemas):
    path = schemas / "indicateurs.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("nature: flux", "nature: flx", 1), encoding="utf-8")
    _, problems = check_referential(schemas)
    assert [(p.file.endswith("indicateurs.yaml"), p.cell, p.message) for p in problems] == [
        (
            True,
            "indicateurs[0].nature",
            "valeur non autorisée (valeurs possibles : 'flux', 'stock', 'ratio') (trouvé : « flx »).",
        )
    ]


def test_one_missing_file_is_named_in_french(schemas):
    (schemas / "regles.yaml").unlink()
    _, problems = check_referential(schemas)
    assert [p.message for p in problems] == ["Fichier du référentiel illisible : introuvable."]
    result = runner.invoke(app, ["schemas", "check", "--schemas", str(schemas)])
    assert result.exit_code == 1 and "regles.yaml" in result.output and "No such file" not in result.output
