"""`cess template` output paths mean what they say (README, Commands)."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cess_cli.cli.app import app

runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1"})


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("name", ["bilan.csv", "bilan", "bilan.xls", "bilan.ods", "bilan.xlsx.txt"])
def test_single_template_needs_an_xlsx_name(tmp_path, name):
    result = invoke("template", "III_1.1.3", "2015", "-o", str(tmp_path / name))
    assert result.exit_code == 2
    assert "son nom doit finir par .xlsx" in result.output
    assert list(tmp_path.iterdir()) == []


def test_single_template_accepts_any_case_of_xlsx(tmp_path):
    result = invoke("template", "III_1.1.3", "2015", "-o", str(tmp_path / "Bilan.XLSX"))
    assert result.exit_code == 0, result.output
    assert load_workbook(tmp_path / "Bilan.XLSX")["Identification"]["C2"].value == "III_1.1.3"


def test_single_template_never_creates_a_mistyped_folder(tmp_path):
    result = invoke("template", "III_1.1.3", "2015", "-o", str(tmp_path / "modles" / "bilan.xlsx"))
    assert result.exit_code == 2 and "introuvable : créez-le" in result.output
    assert not (tmp_path / "modles").exists()


def test_single_template_onto_a_folder_is_refused(tmp_path):
    (tmp_path / "dossier.xlsx").mkdir()
    result = invoke("template", "III_1.1.3", "2015", "-o", str(tmp_path / "dossier.xlsx"))
    assert result.exit_code == 2 and "est un dossier" in result.output


@pytest.mark.parametrize("name", ["x.xlsx", "modeles.csv"])
def test_all_templates_need_a_folder_not_a_file_name(tmp_path, name):
    result = invoke("template", "--all", "2015", "-o", str(tmp_path / name))
    assert result.exit_code == 2 and "ressemble à un nom de fichier" in result.output
    assert list(tmp_path.iterdir()) == []


def test_all_templates_refuse_an_existing_file(tmp_path):
    (tmp_path / "modeles").write_text("un fichier")
    result = invoke("template", "--all", "2015", "-o", str(tmp_path / "modeles"))
    assert result.exit_code == 2 and "n'est pas un dossier" in result.output


def test_all_templates_create_their_folder_and_parents(ref, tmp_path):
    result = invoke("template", "--all", "2016", "-o", str(tmp_path / "a" / "modeles_2016"))
    assert result.exit_code == 0, result.output
    expected = {f"bilan_{code}_2016.xlsx" for code, action in ref.actions.items() if 2016 in action.annees}
    folder = tmp_path / "a" / "modeles_2016"
    assert {p.name for p in folder.iterdir()} == expected
    assert {load_workbook(folder / n)["Identification"]["C2"].value for n in expected} == {
        n.removeprefix("bilan_").removesuffix("_2016.xlsx") for n in expected
    }


def test_unknown_action_echoed_as_typed_with_the_nearest_code(tmp_path):
    result = invoke("template", "iii_1.1.33", "2015", "-o", str(tmp_path / "b.xlsx"))
    assert result.exit_code == 2
    assert "Action « iii_1.1.33 » inconnue. Vouliez-vous dire « III_1.1.3 » ?" in result.output
    result = invoke("schemas", "show", "III_1.1.33")
    assert result.exit_code == 2 and "Vouliez-vous dire « III_1.1.3 » ?" in result.output
    assert invoke("template", "iii_1.1.3", "2015", "-o", str(tmp_path / "b.xlsx")).exit_code == 0


def test_feedback_folder_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "retours").write_text("un fichier")
    result = invoke("validate", str(tmp_path), "--feedback", str(tmp_path / "retours"))
    assert result.exit_code == 2 and "--feedback attend un dossier" in result.output


def test_single_template_never_overwrites_a_filled_bilan(tmp_path):
    filled = tmp_path / "bilan_III_1.1.3_2015.xlsx"
    filled.write_bytes(b"un bilan deja rempli")
    result = invoke("template", "III_1.1.3", "2015", "-o", str(filled))
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "« bilan_III_1.1.3_2015.xlsx » existe déjà" in said and "--remplacer" in said
    assert filled.read_bytes() == b"un bilan deja rempli"
    result = invoke("template", "III_1.1.3", "2015", "-o", str(filled), "--remplacer")
    assert result.exit_code == 0, result.output
    assert filled.read_bytes()[:2] == b"PK"


def test_all_templates_write_nothing_when_one_exists(tmp_path):
    out = tmp_path / "modeles"
    out.mkdir()
    (out / "bilan_ANIM_2015.xlsx").write_bytes(b"rempli")
    result = invoke("template", "--all", "2015", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert "« bilan_ANIM_2015.xlsx » existe déjà" in " ".join(result.output.split())
    assert [p.name for p in out.iterdir()] == ["bilan_ANIM_2015.xlsx"]
    assert (out / "bilan_ANIM_2015.xlsx").read_bytes() == b"rempli"
    result = invoke("template", "--all", "2015", "-o", str(out), "--remplacer")
    assert result.exit_code == 0, result.output
    assert len(list(out.iterdir())) == 21 and (out / "bilan_ANIM_2015.xlsx").read_bytes()[:2] == b"PK"


def test_replacing_a_link_replaces_the_link_never_its_target(tmp_path):
    target = tmp_path / "ailleurs.txt"
    target.write_text("garder", encoding="utf-8")
    link = tmp_path / "bilan.xlsx"
    link.symlink_to(target)
    assert invoke("template", "III_1.1.3", "2015", "-o", str(link)).exit_code == 2
    result = invoke("template", "III_1.1.3", "2015", "-o", str(link), "--remplacer")
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == "garder" and not link.is_symlink()


@pytest.mark.parametrize("existing", [1, 2, 7])
def test_the_refusal_agrees_with_the_number_of_files(tmp_path, existing):
    out = tmp_path / "modeles"
    out.mkdir()
    codes = ["ANIM", "I_1.1.1", "I_1.1.2", "I_1.2", "II_2.1.1", "II_2.1.2", "III_1.1.1"][:existing]
    for code in codes:
        (out / f"bilan_{code}_2015.xlsx").write_bytes(b"rempli")
    said = " ".join(invoke("template", "--all", "2015", "-o", str(out)).output.split())
    if existing == 1:
        tail = (
            "existe déjà dans « {out} » : rien n'a été écrit. Ce peut être un bilan déjà rempli ; choisissez "
            "un autre chemin pour -o, ou ajoutez --remplacer pour l'écraser."
        )
    else:
        tail = (
            "existent déjà dans « {out} » : rien n'a été écrit. Ce peuvent être des bilans déjà remplis ; "
            "choisissez un autre chemin pour -o, ou ajoutez --remplacer pour les écraser."
        )
    assert tail.format(out=out) in said, said
