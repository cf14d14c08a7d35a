"""The referential: the real one is valid; each kind of breakage is reported with file and path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cess_cli.findings import CessError
from cess_cli.referential.loading import check_referential, default_schemas_dir, load_referential


def test_shipped_referential_is_valid_and_complete(ref):
    assert ref.periode == [2014, 2015, 2016]
    assert len(ref.actions) == 21 and "ANIM" in ref.actions
    assert ref.actions["III_1.1.3"].libelle == "Poursuivre le soutien à la reprise d'entreprise par les salariés"
    assert ref.actions["ANIM"].axe is None
    assert len(ref.collectivites) == 16
    assert {
        f: [e.montant for e in ref.financeurs[f].enveloppes if e.annee == 2014] for f in ("REGION", "ETAT", "CDC")
    } == {
        "REGION": [2387500],
        "ETAT": [1000000],
        "CDC": [1085200],
    }
    assert all(
        e.previsionnel for f in ("REGION", "ETAT", "CDC") for e in ref.financeurs[f].enveloppes if e.annee > 2014
    )
    # article 4: the Etat's 2014 amount is « prévisionnel »; article 5: no CDC amount for 2015-2016
    assert [e.previsionnel for e in ref.financeurs["ETAT"].enveloppes if e.annee == 2014] == [True]
    assert [e.annee for e in ref.financeurs["CDC"].enveloppes] == [2014]
    assert ref.departements == ["01", "07", "26", "38", "42", "69", "73", "74", "HORS_RA"]
    assert [q.code for q in ref.questions] == ["Q1", "Q2", "Q3", "Q4"]
    assert ref.questions[3].libelle == (
        "La gouvernance, l'animation et le suivi-évaluation du contrat ont-ils permis d'atteindre les objectifs ?"
    )
    for action in ref.actions.values():
        assert len(action.indicateurs) >= 3
    fixed = ["participants", "evenements", "taux_sorties_positives", "participants_instances", "ptce_actifs"]
    assert all(code in ref.indicateurs for code in fixed)


def test_referential_found_from_package_location(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not from the current folder: from where cess is installed
    ref = load_referential()
    assert ref.folder.resolve() == default_schemas_dir().resolve()
    assert ref.digest == load_referential(Path(__file__).resolve().parents[2] / "schemas").digest
    assert len(ref.actions) == 21


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    target = tmp_path / "schemas"
    shutil.copytree(default_schemas_dir(), target)
    return target


def _edit(folder: Path, name: str, fn) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problems(folder: Path) -> list[tuple[str, str | None, str, str]]:
    """Every problem as (file, YAML path or line, code, message); the referential is refused."""
    ref, problems = check_referential(folder)
    assert ref is None
    return sorted((Path(p.file).name, p.cell, p.code, p.message) for p in problems)


def test_unknown_indicator_in_action(schemas):
    _edit(schemas, "actions.yaml", lambda d: d["actions"][1]["indicateurs"][0].update(code="inconnu"))
    assert _problems(schemas) == [
        (
            "actions.yaml",
            "actions[1].indicateurs[0].code",
            "referentiel.reference_inconnue",
            "Indicateur de l'action I_1.1.1 « inconnu » inconnu du catalogue (indicateurs.yaml).",
        )
    ]


def test_duplicate_code(schemas):
    _edit(schemas, "indicateurs.yaml", lambda d: d["indicateurs"].append(dict(d["indicateurs"][0])))
    assert _problems(schemas) == [
        (
            "indicateurs.yaml",
            "indicateurs[22].code",  # the 23rd entry, a copy of the first
            "referentiel.doublon",
            "Code « participants » en double (déjà défini en indicateurs.yaml indicateurs[0].code).",
        )
    ]


def test_ratio_without_denominator(schemas):
    def drop(d):
        ratio = next(i for i in d["indicateurs"] if i["nature"] == "ratio")
        del ratio["denominateur"]

    _edit(schemas, "indicateurs.yaml", drop)
    assert _problems(schemas) == [
        (
            "indicateurs.yaml",
            "indicateurs[14]",  # taux_sorties_positives, the only ratio, 15th of the catalogue
            "referentiel.ratio_incomplet",
            "Le ratio taux_sorties_positives n'a pas de denominateur.",
        )
    ]


def test_target_for_inactive_year(schemas):
    _edit(schemas, "actions.yaml", lambda d: d["actions"][0].update(annees=[2015, 2016]))
    # ANIM (the first action) has four indicators, each with a 2014 target
    codes = ["reunions_instances", "participants_instances", "evenements", "collectivites_engagees"]
    assert _problems(schemas) == [
        (
            "actions.yaml",
            f"actions[0].indicateurs[{i}].cibles.2014",
            "referentiel.cible",
            f"Cible de {code} pour 2014, année où l'action ANIM n'est pas active [2015, 2016].",
        )
        for i, code in enumerate(codes)
    ]


def test_rule_with_unknown_code(schemas):
    _edit(schemas, "regles.yaml", lambda d: d["regles"][0].update(droite="personnes_inconnues"))
    assert _problems(schemas) == [
        (
            "regles.yaml",
            "regles[0].droite",
            "referentiel.reference_inconnue",
            "Indicateur de la règle sorties_parcours « personnes_inconnues » inconnu.",
        )
    ]


def test_schema_error_has_yaml_path(schemas):
    _edit(schemas, "indicateurs.yaml", lambda d: d["indicateurs"][2].update(unite="kg"))
    assert _problems(schemas) == [
        (
            "indicateurs.yaml",
            "indicateurs[2].unite",
            "referentiel.format",
            "valeur non autorisée (valeurs possibles : 'nombre', 'ETP', 'euros', '%') (trouvé : « kg »).",
        )
    ]


def test_yaml_syntax_error_and_missing_file(schemas):
    (schemas / "regles.yaml").write_text("regles: [\n", encoding="utf-8")  # the list never closes
    (schemas / "questions.yaml").unlink()
    assert _problems(schemas) == [
        ("questions.yaml", None, "referentiel.fichier", "Fichier du référentiel illisible : introuvable."),
        ("regles.yaml", "ligne 2", "referentiel.format", "Syntaxe YAML invalide ligne 2, colonne 1."),
    ]


def test_load_raises_french_error(schemas):
    _edit(schemas, "actions.yaml", lambda d: d["actions"][1]["indicateurs"][0].update(code="inconnu"))
    with pytest.raises(CessError, match="référentiel"):
        load_referential(schemas)


def test_action_model_json_schema(ref):
    schema = ref.model_for("II_2.1.2").model_json_schema()
    indicateurs = schema["$defs"]["Indicateurs_II_2_1_2"]
    assert set(indicateurs["required"]) == {"personnes_en_parcours", "sorties_emploi_durable", "personnes_formees"}
    assert "taux_sorties_positives" not in indicateurs["properties"]


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deeply_nested_yaml_is_a_french_problem_not_a_crash(tmp_path, depth):
    folder = tmp_path / "schemas"
    shutil.copytree(default_schemas_dir(), folder)
    (folder / "regles.yaml").write_text("regles: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    ref, problems = check_referential(folder)
    assert ref is None and [p.code for p in problems] == ["referentiel.format"]
    assert "imbriqué sur beaucoup trop de niveaux" in problems[0].message
    with pytest.raises(CessError, match="trop de niveaux"):
        load_referential(folder)
