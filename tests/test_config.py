"""Configuration: every value checked before a run starts, every error French (exit 2)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from typer.testing import CliRunner

from cess_cli.cli.app import app
from cess_cli.config import resolve
from cess_cli.findings import CessError
from cess_cli.french_errors import os_error_advice, os_error_message, pydantic_message

runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1"})
ENGLISH = ("Input should", "Extra inputs", "Illegal character", "Invalid", "Expected", "No such file", "Traceback")


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[limites]\ntaille_max_fichier_mo = inf\n", "limites.taille_max_fichier_mo : un nombre fini est attendu"),
        ("[limites]\nsecondes_par_fichier = nan\n", "limites.secondes_par_fichier : un nombre fini est attendu"),
        ("[limites]\nsecondes_par_fichier = 1e300\n", "limites.secondes_par_fichier : doit être au plus 86\u202f400"),
        ("[limites]\nlignes_max = true\n", "limites.lignes_max : un nombre entier est attendu (trouvé : true)"),
        ("[limites]\ntaux_compression_max = false\n", "limites.taux_compression_max : un nombre est attendu"),
        ('[limites]\ncolonnes_max = "50"\n', "limites.colonnes_max : un nombre entier est attendu (trouvé : « 50 »)"),
        ("[limites]\nlignes_max = 0\n", "limites.lignes_max : doit être supérieur à 0"),
        ("[limites]\nlignes_maxi = 10\n", "limites.lignes_maxi : clé inconnue"),
        ("sorties = 'out'\n", "sorties : clé inconnue"),
        ("bilans = true\n", "bilans : un chemin (texte) est attendu"),
        ("[echeances]\n2015 = 'demain'\n", "echeances.2015 : une date AAAA-MM-JJ est attendue"),
    ],
)
def test_bad_values_are_french_configuration_errors(tmp_path, toml, expected):
    (tmp_path / "cess.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(CessError) as caught:
        resolve(cwd=tmp_path)
    message = str(caught.value)
    assert expected in message, message
    assert message.startswith(f"Configuration {tmp_path / 'cess.toml'} invalide :")
    assert not any(word in message for word in ENGLISH), message


def test_toml_syntax_error_gives_line_column_and_the_line(tmp_path):
    (tmp_path / "cess.toml").write_text('bilans = "recus"\nsortie = "out\n', encoding="utf-8")
    with pytest.raises(CessError) as caught:
        resolve(cwd=tmp_path)
    message = str(caught.value)
    assert "syntaxe TOML invalide ligne 2, colonne 14 :" in message
    assert '    sortie = "out\n                 ^' in message
    assert not any(word in message for word in ENGLISH), message


def test_unreadable_configuration_is_french(tmp_path):
    (tmp_path / "cess.toml").write_bytes(b"bilans = '\xe9t\xe9'\n")  # Latin-1, not UTF-8
    with pytest.raises(CessError, match="n'est pas en UTF-8"):
        resolve(cwd=tmp_path)
    with pytest.raises(CessError, match="Fichier de configuration introuvable"):
        resolve(tmp_path / "absent.toml")


@pytest.mark.parametrize("flag", [False, True])
def test_output_folder_that_is_a_file_is_refused(tmp_path, flag):
    (tmp_path / "sorties").write_text("un fichier")
    if flag:
        args = {"sortie": tmp_path / "sorties"}
    else:
        (tmp_path / "cess.toml").write_text('sortie = "sorties"\n', encoding="utf-8")
        args = {}
    with pytest.raises(CessError, match=r"le dossier de sortie « .*sorties » est un fichier, pas un dossier"):
        resolve(cwd=tmp_path, **args)


@pytest.mark.parametrize(
    "toml", ["[limites]\ntaille_max_fichier_mo = inf\n", "[limites]\nlignes_max = true\n", 'sortie = "fichier"\n']
)
def test_batch_refuses_bad_configuration_before_taking_its_lock(tmp_path, monkeypatch, toml):
    (tmp_path / "bilans").mkdir()
    (tmp_path / "fichier").write_text("pas un dossier")
    (tmp_path / "cess.toml").write_text('bilans = "bilans"\n' + toml, encoding="utf-8")
    if "sortie" not in toml:
        (tmp_path / "cess.toml").write_text('bilans = "bilans"\nsortie = "out"\n' + toml, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["batch"])
    assert result.exit_code == 2
    assert result.output.startswith("Erreur : Configuration")
    assert not (tmp_path / "out").exists()  # nothing made, no lock taken
    assert not any(word in result.output for word in ENGLISH), result.output


def test_pydantic_messages_come_from_type_and_context():
    class Model(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        n: int = Field(ge=2, le=5)
        kind: str = Field(pattern=r"^[a-z]+$")

    with pytest.raises(ValidationError) as caught:
        Model.model_validate({"n": 9, "kind": "ABC", "x": 1})
    messages = [pydantic_message(e) for e in caught.value.errors()]
    assert messages == [
        "doit être au plus 5 (trouvé : 9).",
        "format invalide (motif attendu : ^[a-z]+$) (trouvé : « ABC »).",
        "clé inconnue (trouvé : 1).",
    ]
    assert pydantic_message({"type": "some_future_type", "msg": "Some English", "input": 3}) == (
        "valeur invalide (trouvé : 3)."
    )


def test_pydantic_counts_agree_in_number():
    class Model(BaseModel):
        one: list[int] = Field(min_length=1)
        few: str = Field(max_length=3)

    with pytest.raises(ValidationError) as caught:
        Model.model_validate({"one": [], "few": "abcd"})
    assert [pydantic_message(e) for e in caught.value.errors()] == [
        "au moins 1 élément attendu.",
        "au plus 3 caractères attendus (trouvé : « abcd »).",
    ]


def test_a_date_in_a_pydantic_message_is_shown_day_first():
    """A TOML date where a text is expected (« bilans = 2016-03-31 ») is echoed JJ/MM/AAAA."""
    import datetime as dt

    class Model(BaseModel):
        bilans: str

    with pytest.raises(ValidationError) as caught:
        Model.model_validate({"bilans": dt.date(2016, 3, 31)})
    assert [pydantic_message(e) for e in caught.value.errors()] == ["un texte est attendu (trouvé : 31/03/2016)."]


def test_os_errors_in_french():
    assert os_error_message(FileNotFoundError(2, "No such file or directory")) == "introuvable"
    assert os_error_message(PermissionError(13, "Permission denied")) == "droits insuffisants"
    # no French words for it: said so, the system's words in brackets, as when writing
    assert os_error_message(OSError(errno.ESTALE, "Stale file handle")) == "erreur du système (Stale file handle)"
    assert os_error_message(OSError("sans numéro")) == "erreur du système (OSError)"
    # one table for both forms: an error worded for writing is worded for reading too
    assert os_error_message(OSError(errno.EDQUOT, "Disk quota exceeded")) == "quota disque dépassé"
    assert os_error_advice(OSError(errno.EDQUOT, "Disk quota exceeded")).startswith("quota disque dépassé : libérez")
    assert os_error_advice(OSError(errno.ESTALE, "Stale file handle")) == "erreur du système (Stale file handle)"


def test_config_values_resolved_relative_to_the_file(tmp_path):
    (tmp_path / "cess.toml").write_text('bilans = "recus"\n[limites]\nlignes_max = 500\n', encoding="utf-8")
    cfg = resolve(cwd=Path(tmp_path))
    assert cfg.bilans == (tmp_path / "recus").resolve() and cfg.limites.lignes_max == 500


def test_the_repository_configuration_reads_the_referential_staff_edit():
    """Commands run from the repository read `schemas/`, not the copy installed with the
    package: an edit of `schemas/actions.yaml` must reach every output."""
    root = Path(__file__).resolve().parents[1]
    cfg = resolve(cwd=root)
    assert cfg.referentiel == root / "schemas"
    assert (cfg.bilans, cfg.sortie) == (root / "sample_reports", root / "out")


def test_a_configuration_cess_may_not_read_is_said_in_french(tmp_path, monkeypatch):
    (tmp_path / "cess.toml").write_text('sortie = "x"\n', encoding="utf-8")

    def refused(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refused)
    with pytest.raises(CessError) as caught:
        resolve(cwd=tmp_path)
    assert str(caught.value) == f"Configuration {tmp_path / 'cess.toml'} illisible (droits insuffisants)."


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ("[limite]\nsecondes_par_fichier = 3\n", "limite : clé inconnue. Vouliez-vous dire « limites » ?"),
        ("[limites]\nseconde_par_fichier = 3\n", "Vouliez-vous dire « secondes_par_fichier » ?"),
        ('sorite = "x"\n', "Vouliez-vous dire « sortie » ?"),
    ],
)
def test_an_unknown_key_is_told_the_key_it_was_likely_meant_for(tmp_path, toml, said):
    (tmp_path / "cess.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(CessError) as caught:
        resolve(cwd=tmp_path)
    assert said in str(caught.value)


def test_an_unknown_key_near_no_known_one_gets_no_suggestion(tmp_path):
    (tmp_path / "cess.toml").write_text("zzz = 1\n", encoding="utf-8")
    with pytest.raises(CessError) as caught:
        resolve(cwd=tmp_path)
    assert str(caught.value).endswith("zzz : clé inconnue (trouvé : 1).")
