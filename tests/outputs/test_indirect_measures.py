"""Effects measured only indirectly (`mesure_indirecte` in questions.yaml): the referential
loads and checks the field like any other, and the report and the question's sheet of the
evaluation workbook print « Mesure indirecte : … » under exactly those effects (the review of
issue 9: Q4's « capacité de l'animation » answered by every action's events, Q3's second and
third effects by one figure, were shown as direct answers).

What is expected is read from the YAML file here, not from the loader under test."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml
from lxml import html as lxml_html
from openpyxl import load_workbook

from cess_cli.consolidation.evaluation import consolidate
from cess_cli.outputs.evaluation_workbook import write_evaluation
from cess_cli.outputs.report import build_report, render_html
from cess_cli.referential.loading import check_referential, default_schemas_dir, load_referential

from ..consolidation.synthetic import bilan, collection

ROOT = Path(__file__).resolve().parents[2]
SHEETS = {"Q1": "Q1 Effet structurant", "Q2": "Q2 Impact économique", "Q3": "Q3 Territoires", "Q4": "Q4 Gouvernance"}


def _yaml(folder: Path) -> dict:
    return yaml.safe_load((folder / "questions.yaml").read_text(encoding="utf-8"))


def _indirect(data: dict) -> dict[str, dict[str, str]]:
    """question code -> {effect label: why}, straight from the YAML (folded lines as one)."""
    return {
        q["code"]: {
            e["libelle"]: " ".join(e["mesure_indirecte"].split()) for e in q["effets"] if "mesure_indirecte" in e
        }
        for q in data["questions"]
    }


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " ")).strip()


@pytest.fixture
def schemas(tmp_path):
    target = tmp_path / "schemas"
    shutil.copytree(default_schemas_dir(), target)
    return target


def _write_yaml(folder: Path, data: dict) -> None:
    (folder / "questions.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_shipped_referential_marks_the_proxies_the_review_named():
    marked = _indirect(_yaml(ROOT / "schemas"))
    assert set(marked["Q4"]) == {
        "Capacité de l'animation à créer de la synergie entre acteurs et à diffuser les bonnes pratiques"
    }
    assert set(marked["Q3"]) == {
        "Mise en œuvre de réponses ESS à des besoins identifiés par les collectivités",
        "Développement de la stratégie de l'ESS de la collectivité (impact sur les politiques publiques et leur "
        "découplage)",
    }
    ref = load_referential(ROOT / "schemas")
    loaded = {q.code: {e.libelle: e.mesure_indirecte for e in q.effets if e.mesure_indirecte} for q in ref.questions}
    assert loaded == marked


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("   ", "au moins 1 caractère attendu"),
        ("x" * 501, "au plus 500 caractères attendus"),
        (["une", "liste"], "un texte est attendu"),
    ],
)
def test_a_bad_mesure_indirecte_is_a_french_problem_with_its_yaml_path(schemas, value, message):
    data = _yaml(schemas)
    data["questions"][0]["effets"][1]["mesure_indirecte"] = value
    _write_yaml(schemas, data)
    ref, problems = check_referential(schemas)
    assert ref is None
    assert [(p.cell, p.code) for p in problems] == [("questions[0].effets[1].mesure_indirecte", "referentiel.format")]
    assert message in problems[0].message


def test_a_mesure_indirecte_on_an_effect_without_figures_is_refused(schemas):
    data = _yaml(schemas)
    q4 = next(q for q in data["questions"] if q["code"] == "Q4")
    effet = next(e for e in q4["effets"] if not e["indicateurs"])  # « Qualité du suivi… »: completeness only
    effet["calcule"] = []
    effet["mesure_indirecte"] = "Sans objet."
    _write_yaml(schemas, data)
    _, problems = check_referential(schemas)
    assert [(p.cell, p.code) for p in problems] == [
        (f"questions[3].effets[{q4['effets'].index(effet)}].mesure_indirecte", "referentiel.question")
    ]
    assert "n'a ni indicateur ni chiffre calculé" in problems[0].message


@pytest.fixture(scope="module")
def marked_ref(tmp_path_factory):
    """The shipped referential, plus a note on one effect of Q1 (so every question sheet and
    chapter is tried with and without notes)."""
    folder = tmp_path_factory.mktemp("ref") / "schemas"
    shutil.copytree(default_schemas_dir(), folder)
    data = _yaml(folder)
    data["questions"][0]["effets"][0]["mesure_indirecte"] = "Note d'essai : <b>échappée</b> & entière."
    _write_yaml(folder, data)
    return load_referential(folder), _indirect(data)


@pytest.fixture(scope="module")
def evaluation(marked_ref):
    ref, _ = marked_ref
    items = [
        bilan("ANIM", 2015, {"evenements": 4, "collectivites_engagees": 3}),
        bilan("II_3.1.1", 2015, {"ptce_actifs": 14, "structures_accompagnees": 18, "cooperations": 12}),
    ]
    return consolidate(collection(items), ref, [2015])


def test_the_report_prints_the_note_under_exactly_the_effects_the_data_marks(marked_ref, evaluation):
    ref, expected = marked_ref
    page = lxml_html.fromstring(render_html(build_report(evaluation, ref, dt.date(2016, 3, 1))))
    found: dict[str, dict[str, str]] = {}
    for number, chapter in enumerate(page.find_class("question"), start=1):
        code = f"Q{number}"
        found[code] = {}
        for effect in chapter.find_class("effect"):
            label = _plain(effect.find("h2").text_content()).removeprefix("Effet attendu ")
            notes = effect.find_class("indirect")
            assert len(notes) <= 1
            if notes:
                found[code][label] = _plain(notes[0].text_content())
    assert found == {
        q: {e: f"Mesure indirecte : {why}" for e, why in effects.items()} for q, effects in expected.items()
    }
    assert "<b>échappée</b>" in found["Q1"][next(iter(found["Q1"]))]  # text, never markup


def test_each_question_sheet_prints_the_note_under_its_table_for_exactly_those_effects(
    marked_ref, evaluation, tmp_path
):
    ref, expected = marked_ref
    wb = load_workbook(write_evaluation(evaluation, ref, tmp_path / "e.xlsx"))
    for code, effects in expected.items():
        ws = wb[SHEETS[code]]
        notes = [c for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Mesure indirecte")]
        assert [n.value for n in notes] == [f"Mesure indirecte (effet « {e} ») : {why}" for e, why in effects.items()]
        last_row = max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value is not None)
        for n in notes:  # under the table, wrapped, tall enough for its lines at column A's width
            assert n.row > last_row and n.alignment.wrap_text
            width = ws.column_dimensions["A"].width
            assert ws.row_dimensions[n.row].height >= 15 * -(-len(n.value) // int(width))
    for other in ("Q3 Départements", "Q4 Chiffres calculés", "Par axe", "Synthèse"):
        assert not any(
            isinstance(c.value, str) and c.value.startswith("Mesure indirecte")
            for r in wb[other].iter_rows()
            for c in r
        ), other
