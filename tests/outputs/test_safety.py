"""Text from a bilan reaches no output raw (issue 11, points 2 and 3).

Hostile text goes through a *valid* bilan — its file name, porteur, contact, commentaires,
qualitative texts, an unknown identification key (a warning, so that feedback is
written) — and every output is read back: the evaluation workbooks, the tidy CSVs, the
feedback (text, Corrections sheet, comments), the log and the manifest. No text may hold
a control character or be a formula, and the texts that are exported must arrive (in
their visible form), or the test would prove nothing. The writers are also given raw
hostile text directly, in every column they write.
"""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from cess_cli.batch import run_batch
from cess_cli.config import resolve
from cess_cli.consolidation.evaluation import consolidate
from cess_cli.outputs.evaluation_workbook import write_evaluation
from cess_cli.outputs.tidy_csv import write_tidy_csv

from ..consolidation.synthetic import bilan, collection
from ..helpers import CONTROL, make_bilan, output_texts, set_ident, set_ind, shared, unsafe

# how the operator's application stores control characters in a workbook (ESC, BEL, NUL)
HOSTILE = "A_x001B_[31mB_x0007_C_x0000_D"
VISIBLE = "A[31mBCD"  # the same, control characters removed
NAME = "bilan \x1b[31m\x07 rouge.xlsx"


@pytest.fixture(scope=shared)
def hostile_valid_run(ref, tmp_path_factory):
    base = tmp_path_factory.mktemp("safety")
    (base / "bilans").mkdir()

    def edit(wb):
        set_ident(wb, "porteur", "Porteur " + HOSTILE)
        set_ident(wb, "contact_nom", '=HYPERLINK("http://x") ' + HOSTILE)
        wb["Identification"]["C6"].data_type = "s"  # text that looks like a formula, as typed
        wb["Identification"].cell(row=11, column=1, value="cle_" + HOSTILE)  # unknown key: a warning
        wb["Identification"].cell(row=11, column=3, value="valeur " + HOSTILE)
        set_ind(wb, "evenements", "+cmd " + HOSTILE, column=7)
        wb["Financements"]["D2"] = "@SUM(1) " + HOSTILE
        for row, rubrique in enumerate(("realisations", "resultats", "difficultes", "perspectives"), start=2):
            wb["Bilan qualitatif"].cell(row=row, column=2, value=f"{rubrique} {HOSTILE}")

    make_bilan(ref, base / "bilans", "III_1.1.3", 2015, edit=edit, name=NAME)
    (base / "cess.toml").write_text('bilans = "bilans"\nsortie = "sortie"\n', encoding="utf-8")
    result = run_batch(resolve(base / "cess.toml"), ref)
    [source] = result.collection.sources
    assert source.statut == "valide" and source.retenu  # a valid bilan, counted
    assert [f.code for f in source.findings] == ["identification.cle_inconnue"]
    return result.run_dir


def test_every_output_of_a_valid_hostile_bilan_is_clean(hostile_valid_run):
    texts = output_texts(hostile_valid_run)
    assert unsafe(texts) == []
    produced = {f for f, _, _ in texts}
    assert {"evaluation_2015.xlsx", "evaluation_2015.csv", "batch.log", "manifest.json"} <= produced
    assert {"rapport_2014-2016.html", "rapport_2014-2016.pdf"} <= produced
    assert {f for f in produced if f.startswith("retours/")} == {
        "retours/bilan _x1b_31m_x07 rouge_retour.txt",
        "retours/bilan _x1b_31m_x07 rouge_corrections.xlsx",
    }


def test_the_hostile_texts_do_reach_the_outputs(hostile_valid_run):
    """What each output shows of the hostile bilan: without this, a clean output could be
    an output the hostile text never reached."""
    texts = output_texts(hostile_valid_run)

    def shown(file: str) -> str:
        return "\n".join(t for f, _, t in texts if f == file)

    shown_name = "bilan \\x1b[31m\\x07 rouge.xlsx"  # a file name is shown with its control characters escaped
    assert f"{shown_name}!Indicateurs!E2" in shown("evaluation_2015.csv")
    assert shown_name in shown("evaluation_2015.xlsx")
    feedback = shown("retours/bilan _x1b_31m_x07 rouge_retour.txt")
    assert f"Clé « cle_{VISIBLE} » inconnue" in feedback and shown_name in feedback
    corrections = shown("retours/bilan _x1b_31m_x07 rouge_corrections.xlsx")
    assert f"cle_{VISIBLE}" in corrections
    for report in ("rapport_2014-2016.html", "rapport_2014-2016.pdf"):  # the qualitative texts, cleaned
        assert f"realisations {VISIBLE}" in shown(report)


def test_the_operators_own_cells_are_kept_as_sent_in_their_feedback_copy(hostile_valid_run):
    [copy] = hostile_valid_run.glob("retours/*_corrections.xlsx")
    wb = load_workbook(copy)
    assert wb["Identification"]["C4"].value == "Porteur " + HOSTILE
    assert wb["Bilan qualitatif"]["B2"].value == "realisations " + HOSTILE


def _hostile_evaluation(ref):
    """An evaluation whose every text taken from bilans is hostile, raw (no escaping on
    the way): file names, commentaires, the sheet of each cell."""
    items = []
    for year in (2014, 2015):
        items.append(
            bilan(
                "II_3.1.1",
                year,
                {"ptce_actifs": 5, "structures_accompagnees": 15, "cooperations": 10},
                file=f"=cmd|'\x1b[31m {year}\x07'!A0.xlsx",
                financements=[("REGION", 10.0, 5.0, "Fin\x1bancements!C2")],
                territoires=[("69", "structures_accompagnees", 15, 1, 2, "-Terr\x07itoires!C2")],
            )
        )
    items.append(bilan("ANIM", 2015, {"evenements": 1}, file="\x00@old\x1f.xlsx"))
    return consolidate(collection(items), ref, [2014, 2015])


def test_the_workbook_writer_neutralises_any_text(ref, tmp_path):
    ev = _hostile_evaluation(ref)
    write_evaluation(ev, ref, tmp_path / "evaluation.xlsx")
    texts = output_texts(tmp_path)
    assert unsafe(texts) == []
    sources = {t for _, at, t in texts if at.startswith("Sources!A")}
    assert {"=cmd|'[31m 2014'!A0.xlsx", "=cmd|'[31m 2015'!A0.xlsx", "@old.xlsx"} <= sources  # as text, cleaned


def test_the_csv_writer_neutralises_any_text(ref, tmp_path):
    ev = _hostile_evaluation(ref)
    write_tidy_csv(ev, tmp_path / "evaluation.csv")
    with (tmp_path / "evaluation.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert not [r for r in rows if any(CONTROL.search(v) for v in r.values())]
    sources = {r["source"] for r in rows}
    # a field that would start a formula is prefixed with an apostrophe, control characters removed
    assert "'=cmd|'[31m 2015'!A0.xlsx!Indicateurs!E2" in sources
    assert "'=cmd|'[31m 2015'!A0.xlsx!-Territoires!C2" in sources
