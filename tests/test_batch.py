"""cess batch: hostile inputs, feedback, run folders, lock, kill safety, reproducibility."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import random
import re
import signal
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cess_cli.batch import LOCK_NAME, run_batch
from cess_cli.cli.app import app
from cess_cli.config import resolve
from cess_cli.findings import CessError

from .helpers import make_bilan, output_texts, set_ident, set_ind, unsafe
from .hostile import build_corpus, on, rezip

ROOT = Path(__file__).resolve().parents[1]
LIMITS = """
[limites]
taille_max_fichier_mo = 2
taille_decompressee_max_mo = 20
taux_compression_max = 100
entrees_zip_max = 100
lignes_max = 10000
secondes_par_fichier = 20
"""


def _hashes(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink() and not p.is_fifo():
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def hostile_run(ref, tmp_path_factory):
    base = tmp_path_factory.mktemp("batch")
    bilans = base / "bilans"
    bilans.mkdir()
    outside = base / "ailleurs"
    outside.mkdir()
    good = make_bilan(ref, outside, "I_1.1.1", 2014)  # a good file outside the bilans folder
    expected = build_corpus(bilans, good.read_bytes(), good)
    # good files that must still consolidate to the right figures
    make_bilan(
        ref, bilans, "ANIM", 2014, values={"reunions_instances": 7, "participants_instances": 140, "evenements": 3}
    )
    make_bilan(
        ref, bilans, "II_3.1.1", 2014, values={"ptce_actifs": 11, "structures_accompagnees": 17, "cooperations": 9}
    )
    odd = "bilan $(touch pwned) 'é' \"q\" ;&.xlsx"
    make_bilan(ref, bilans, "III_1.1.3", 2014, name=odd, values={"entreprises_reprises": 6})
    expected[odd] = ()

    def injection(wb):
        # text that a spreadsheet would take for a formula, stored as text by the operator's tool
        for cell, text in (
            (wb["Financements"]["A3"], '=HYPERLINK("http://x","clic")'),
            (wb["Indicateurs"]["G5"], "+cmd|' /C calc'!A0"),
            (wb["Identification"]["C4"], "@SUM(1+1)*cmd"),
        ):
            cell.value = text
            cell.data_type = "s"
        wb["Financements"]["C3"] = 10

    make_bilan(ref, bilans, "I_1.2", 2014, name="injection.xlsx", edit=injection)
    # I_1.2 has three indicators (rows 2-4): the comment in G5 is a row without a code
    expected["injection.xlsx"] = ("ligne.incomplete", "financeur.inconnu")
    big = make_bilan(ref, outside, "III_1.1.4", 2014, name="cellule_1mo.xlsx")
    huge = (
        b'<c r="B3" t="inlineStr"><is><t>'
        + "".join(random.Random(0).choices(string.ascii_letters, k=1_000_000)).encode()
        + b"</t></is></c>"
    )
    sheet5 = on(
        "xl/worksheets/sheet5.xml",
        lambda d: re.sub(rb'<c r="B3"[^>]*?(/>|>.*?</c>)', lambda _: huge, d, count=1, flags=re.S),
    )
    (bilans / "cellule_1mo.xlsx").write_bytes(rezip(big.read_bytes(), sheet5))
    expected["cellule_1mo.xlsx"] = ("valeur.trop_longue",)
    make_bilan(
        ref,
        bilans,
        "III_1.1.5",
        2014,
        name="controle.xlsx",
        edit=lambda wb: [
            set_ident(wb, "porteur", "Asso_x001B_[31m rouge_x0007_"),
            setattr(wb["Bilan qualitatif"]["B2"], "value", "Fait_x001B_[2J_x0007_ en 2014"),
        ],
    )
    expected["controle.xlsx"] = ()

    def merged(wb):
        ws = wb["Indicateurs"]
        ws.protection.sheet = False
        ws.merge_cells("A1:H3")

    make_bilan(ref, bilans, "III_1.2", 2014, name="fusion.xlsx", edit=merged)
    expected["fusion.xlsx"] = ("colonne.manquante",)
    (base / "cess.toml").write_text(f'bilans = "bilans"\nsortie = "sortie"\n{LIMITS}', encoding="utf-8")
    before = _hashes(bilans) | _hashes(outside)
    cfg = resolve(base / "cess.toml")
    t0 = time.monotonic()
    result = run_batch(cfg, ref)
    elapsed = time.monotonic() - t0
    return {
        "base": base,
        "bilans": bilans,
        "outside": outside,
        "expected": expected,
        "result": result,
        "elapsed": elapsed,
        "before": before,
    }


def test_every_hostile_file_gets_its_finding(hostile_run):
    sources = {Path(s.file).name: s for s in hostile_run["result"].collection.sources}
    for name, codes in hostile_run["expected"].items():
        assert name in sources, name
        found = [f.code for f in sources[name].findings if str(f.severity) == "erreur"]
        if codes:
            assert found and found[0] in codes, (name, found)
            assert not sources[name].retenu
        else:
            assert found == [] and sources[name].retenu, (name, found)


def test_bounded_time_and_inputs_untouched(hostile_run):
    assert hostile_run["elapsed"] < 180
    after = _hashes(hostile_run["bilans"]) | _hashes(hostile_run["outside"])
    assert after == hostile_run["before"]
    assert not (Path.cwd() / "pwned").exists()


def test_good_files_consolidate_to_the_right_figures(hostile_run):
    run = hostile_run["result"].run_dir
    wb = load_workbook(run / "evaluation_2014.xlsx")
    header = [c.value for c in wb["Par action"][1]]
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in wb["Par action"].iter_rows(min_row=2)]
    value = {(r["Action"], r["Indicateur"]): r["Valeur"] for r in rows}
    assert value[("ANIM", "reunions_instances")] == 7
    assert value[("II_3.1.1", "ptce_actifs")] == 11
    assert value[("III_1.1.3", "entreprises_reprises")] == 6
    assert hostile_run["result"].exit_code == 1


def test_outputs_hold_no_formula_and_no_control_character(hostile_run):
    run = hostile_run["result"].run_dir
    texts = output_texts(run)  # every output, read back
    assert unsafe(texts) == []
    # the hostile texts did reach the outputs, made harmless: formula-like text echoed in
    # the feedback, kept as text; odd file names in Sources and in the CSV's sources
    corrections = [
        t for f, at, t in texts if f == "retours/injection_corrections.xlsx" and at.startswith("Corrections!D")
    ]
    assert any('« =HYPERLINK("http://x","clic") »' in t for t in corrections)
    odd = "bilan $(touch pwned) 'é' \"q\" ;&.xlsx"
    assert odd in [t for f, at, t in texts if f == "evaluation_2014.xlsx" and at.startswith("Sources!A")]
    assert f"{odd}!Indicateurs!E2" in [t for f, _, t in texts if f == "evaluation_2014.csv"]


def test_run_folder_manifest_and_latest(hostile_run):
    result = hostile_run["result"]
    out = hostile_run["base"] / "sortie"
    assert (out / "latest").resolve() == result.run_dir.resolve()
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["referentiel"]["sha256"] and manifest["cess_version"]
    names = {e["fichier"] for e in manifest["entrees"]}
    assert set(hostile_run["expected"]) <= names
    for entry in manifest["sorties"]:
        path = result.run_dir / entry["fichier"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    produced = {e["fichier"] for e in manifest["sorties"]}
    assert {"evaluation_2014.xlsx", "evaluation_2014-2016.csv", "batch.log"} <= produced
    assert "retours/injection_retour.txt" in produced
    log = (result.run_dir / "batch.log").read_text(encoding="utf-8")
    assert "\x1b[" not in log and "tube.xlsx" in log


def test_feedback_copy_keeps_original_and_marks_cells(hostile_run):
    run = hostile_run["result"].run_dir
    wb = load_workbook(run / "retours" / "injection_corrections.xlsx")
    assert wb.sheetnames[0] == "Corrections"
    cell = wb["Financements"]["A3"]
    assert cell.comment is not None and "inconnu" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("F4B6B6")
    assert wb["Indicateurs"]["B2"].value  # the operator's own content is kept
    text = (run / "retours" / "injection_retour.txt").read_text(encoding="utf-8")
    assert text.startswith("Bonjour,") and "Financements!A3" in text
    assert (run / "retours" / "vide_retour.txt").is_file() and not (run / "retours" / "vide_corrections.xlsx").exists()


def test_validate_feedback_by_hand(ref, tmp_path):
    bad = make_bilan(ref, tmp_path, edit=lambda wb: set_ind(wb, "evenements", -2))
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    result = CliRunner().invoke(app, ["validate", str(bad), "--feedback", str(tmp_path / "retours")])
    assert result.exit_code == 1
    corrections = load_workbook(tmp_path / "retours" / f"{bad.stem}_corrections.xlsx")
    rows = [[c.value for c in r] for r in corrections["Corrections"].iter_rows(min_row=2)]
    assert [(r[1], r[2], r[5]) for r in rows] == [("Indicateurs", "E5", "valeur.negative")]
    assert corrections["Indicateurs"]["E5"].comment is not None and corrections["Indicateurs"]["E5"].value == -2
    text = (tmp_path / "retours" / f"{bad.stem}_retour.txt").read_text(encoding="utf-8")
    assert "(Indicateurs!E5)" in text
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before


def _small_setup(ref, base: Path, n: int = 4) -> Path:
    bilans = base / "bilans"
    bilans.mkdir(parents=True)
    for code in ["ANIM", "I_1.1.1", "I_1.1.2", "I_1.2", "II_1.1", "II_2.1.1"][:n]:
        make_bilan(ref, bilans, code, 2014)
    (base / "cess.toml").write_text('bilans = "bilans"\nsortie = "sortie"\n', encoding="utf-8")
    return base / "cess.toml"


def _comparable(manifest: dict) -> dict:
    m = {k: v for k, v in manifest.items() if k not in ("execution", "debut", "fin")}
    m["sorties"] = [s for s in m["sorties"] if s["fichier"] != "batch.log"]
    return m


def test_same_inputs_same_manifest(ref, tmp_path):
    cfg = resolve(_small_setup(ref, tmp_path))
    first = run_batch(cfg, ref)
    second = run_batch(cfg, ref)
    assert first.run_dir != second.run_dir
    assert _comparable(first.manifest) == _comparable(second.manifest)
    assert (tmp_path / "sortie" / "latest").resolve() == second.run_dir.resolve()


HOLD_LOCK = """
import sys
from pathlib import Path
from cess_cli.batch import batch_lock
with batch_lock(Path(sys.argv[1]), lambda _: None):
    print("held", flush=True)
    sys.stdin.read()
"""


@contextlib.contextmanager
def _holding(script: str, path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock with `script` (it prints « held »), killed at the end
    while it holds it, like a crashed run."""
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def test_second_batch_exits_2_while_one_runs(ref, tmp_path, monkeypatch):
    config = _small_setup(ref, tmp_path)
    monkeypatch.chdir(tmp_path)
    with _holding(HOLD_LOCK, tmp_path / "sortie") as holder:
        result = CliRunner().invoke(app, ["batch", "--config", str(config)])
        assert result.exit_code == 2
        said = " ".join(result.output.split())  # the terminal's line breaks aside
        assert f"déjà en cours sur {tmp_path / 'sortie'} (pid {holder.pid}, démarré le " in said, said
    # a lock left by a dead run is recovered by the next one
    result = CliRunner().invoke(app, ["batch", "--config", str(config)])
    assert result.exit_code == 1, result.output  # bilans are missing for most actions
    log = (tmp_path / "sortie" / "latest" / "batch.log").read_text(encoding="utf-8")
    assert f"Verrou laissé par une exécution interrompue (pid {holder.pid}, démarré le " in log


def test_config_error_exits_2(tmp_path):
    (tmp_path / "cess.toml").write_text("bilans = [\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", "--config", str(tmp_path / "cess.toml")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (tmp_path / "bad.toml").write_text('inconnue = "x"\n', encoding="utf-8")
    assert CliRunner().invoke(app, ["batch", "--config", str(tmp_path / "bad.toml")]).exit_code == 2


def test_killed_batch_leaves_previous_outputs_whole(ref, tmp_path):
    config = _small_setup(ref, tmp_path, n=6)
    bilans = tmp_path / "bilans"
    for i in range(40):  # enough files for the run to be killed in the middle
        src = next(bilans.glob("bilan_ANIM_2014.xlsx"))
        (bilans / f"copie_{i:02d}.xlsx").write_bytes(src.read_bytes())
    cfg = resolve(config)
    first = run_batch(cfg, ref)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in first.run_dir.rglob("*") if p.is_file()}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cess_cli.cli import main; main()", "batch", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("[") and "/" in line.split("]")[0]:
            done = int(line[1:].split("/")[0])
            if done >= 10:
                break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    latest = tmp_path / "sortie" / "latest"
    assert latest.resolve() == first.run_dir.resolve()
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in first.run_dir.rglob("*") if p.is_file()} == before
    runs = sorted(p.name for p in (tmp_path / "sortie" / "runs").iterdir())
    assert [r for r in runs if not r.startswith(".")] == [first.run_dir.name]
    again = run_batch(cfg, ref)
    assert latest.resolve() == again.run_dir.resolve()
    assert not list((tmp_path / "sortie" / "runs").glob(".*.partial"))


def test_output_folder_inside_bilans_folder_is_not_read_back(ref, tmp_path):
    make_bilan(ref, tmp_path, "ANIM", 2014, edit=lambda wb: set_ind(wb, "evenements", -1))
    (tmp_path / "cess.toml").write_text('bilans = "."\nsortie = "sorties"\n', encoding="utf-8")
    cfg = resolve(tmp_path / "cess.toml")
    first = run_batch(cfg, ref)
    second = run_batch(cfg, ref)
    entries = {e["fichier"]: e["statut"] for e in second.manifest["entrees"]}
    assert entries == {"bilan_ANIM_2014.xlsx": "invalide", "cess.toml": "ignoré"}  # listed, never silently skipped
    assert _comparable(first.manifest) == _comparable(second.manifest)


def test_the_run_names_what_does_not_count_and_a_bar_hides_only_file_lines(ref, tmp_path):
    """README *cess batch*: each action-year that does not count is named once, in the log
    and on screen; with a progress bar, the file lines go to the log only."""
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    make_bilan(ref, bilans, "ANIM", 2014)
    make_bilan(ref, bilans, "I_1.1.2", 2014, edit=lambda wb: set_ind(wb, "evenements", -1))
    (tmp_path / "cess.toml").write_text('bilans = "bilans"\nsortie = "sortie"\n', encoding="utf-8")
    said: list[str] = []
    steps: list[tuple[int, int]] = []
    result = run_batch(
        resolve(tmp_path / "cess.toml"),
        ref,
        progress=lambda done, total, file, status: steps.append((done, total)),
        say=said.append,
    )
    log = (result.run_dir / "batch.log").read_text(encoding="utf-8")
    for text in (log, "\n".join(said)):
        assert text.count("  I_1.1.2 2014 : invalide, non compté") == 1
        assert text.count("  I_1.1.1 2014 : manquant, non compté") == 1
        assert "  ANIM 2014 :" not in text  # counted
    assert steps == [(1, 2), (2, 2)]
    assert "[1/2]" in log and not any(line.startswith("[") for line in said)
    assert any(line.startswith("Consolidation 2014-2016 :") for line in said)


@pytest.mark.parametrize("periode", [[2014], [2014, 2015]])
def test_a_contract_of_one_or_two_years_gets_each_year_and_its_period_once(ref, tmp_path, periode):
    """A contract of one year: its year's workbook, CSV and report, once (the period is that
    year); of two years: each year and the period « 2014-2015 », its report included."""
    short = dataclasses.replace(ref, contrat=ref.contrat.model_copy(update={"periode": periode}))
    (tmp_path / "bilans").mkdir()
    make_bilan(ref, tmp_path / "bilans", "ANIM", 2014)
    (tmp_path / "cess.toml").write_text('bilans = "bilans"\nsortie = "sortie"\n', encoding="utf-8")
    result = run_batch(resolve(tmp_path / "cess.toml"), short, feedback=False)
    labels = [str(y) for y in periode] + (["2014-2015"] if len(periode) == 2 else [])
    written = {e["fichier"] for e in result.manifest["sorties"]}
    expected = {f"evaluation_{label}{ext}" for label in labels for ext in (".xlsx", ".csv", "_financements.csv")}
    assert {f for f in written if f.startswith("evaluation_")} == expected
    assert f"rapport_{labels[-1]}.html" in written and len([f for f in written if f.endswith(".html")]) == 1
    log = (result.run_dir / "batch.log").read_text(encoding="utf-8")
    for label in labels:
        assert log.count(f" Consolidation {label} : ") == 1, label
    assert log.count(" I_1.2 2014 : manquant, non compté") == 1  # each action-year not counted, named once
    said = [
        line.split(f" Rapport {labels[-1]} : ", 1)[1]
        for line in log.splitlines()
        if f" Rapport {labels[-1]} : " in line
    ]
    assert [sorted(s.split(", ")) for s in said] == [
        sorted(f for f in written if f.startswith("rapport_"))
    ]  # the report's files, in the log once


def test_run_folders_are_named_by_their_start_and_told_apart_within_a_second(ref, tmp_path):
    """`runs/2016-11-28_060000`, then `…_2`, `…_3` for runs started within the same second;
    `latest` is the relative link `runs/<name>` to the last (it survives the output folder
    being moved or mounted elsewhere)."""
    cfg = resolve(_small_setup(ref, tmp_path, n=1))
    start = datetime(2016, 11, 28, 6, 0, 0)
    names = [run_batch(cfg, ref, now=start, feedback=False).run_dir.name for _ in range(3)]
    assert names == ["2016-11-28_060000", "2016-11-28_060000_2", "2016-11-28_060000_3"]
    for name in names:  # each manifest names its own run, and its start
        manifest = json.loads((tmp_path / "sortie" / "runs" / name / "manifest.json").read_text(encoding="utf-8"))
        assert (manifest["execution"], manifest["debut"]) == (name, "2016-11-28T06:00:00")
    assert sorted(p.name for p in (tmp_path / "sortie" / "runs").iterdir()) == names
    assert os.readlink(tmp_path / "sortie" / "latest") == "runs/2016-11-28_060000_3"


def test_a_link_at_the_next_run_name_is_stepped_over(ref, tmp_path):
    """A link (dangling here) where the next run folder would go: the run takes the next
    name, and nothing is written through the link (it used to do all its work, then fail)."""
    cfg = resolve(_small_setup(ref, tmp_path, n=1))
    runs = tmp_path / "sortie" / "runs"
    runs.mkdir(parents=True)
    os.symlink(tmp_path / "ailleurs", runs / "2016-11-28_060000")
    done = run_batch(cfg, ref, now=datetime(2016, 11, 28, 6, 0, 0), feedback=False)
    assert done.run_dir.name == "2016-11-28_060000_2"
    assert not (tmp_path / "ailleurs").exists() and os.readlink(runs / "2016-11-28_060000") == str(
        tmp_path / "ailleurs"
    )
    assert os.readlink(tmp_path / "sortie" / "latest") == "runs/2016-11-28_060000_2"


def _versions(*edits):
    """An edit of a bilan's workbook doing each of `edits` in turn."""

    def edit(wb):
        for e in edits:
            e(wb)

    return edit


def test_exit_code_and_latest_by_hand_on_a_contract_of_one_action(ref, tmp_path):
    """With ANIM alone over 2014-2015 every case can be set up: 0 only when every bilan
    expected counts and no file has an error (an ignored file, a warning, does not matter);
    1 when one is missing (no error anywhere), when a file has an error (though its action-year
    counts), or when no bilan is found — and then `latest` stays where it was."""
    anim = dataclasses.replace(
        ref, actions={"ANIM": ref.actions["ANIM"]}, contrat=ref.contrat.model_copy(update={"periode": [2014, 2015]})
    )
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    (bilans / "notes.txt").write_text("notes du porteur", encoding="utf-8")  # ignored: a warning
    make_bilan(ref, bilans, "ANIM", 2014)
    make_bilan(ref, bilans, "ANIM", 2015)
    (tmp_path / "cess.toml").write_text('bilans = "bilans"\nsortie = "sortie"\n', encoding="utf-8")
    cfg = resolve(tmp_path / "cess.toml")
    latest = tmp_path / "sortie" / "latest"

    def run() -> tuple[int, str]:
        result = run_batch(cfg, anim, feedback=False)
        assert not (result.run_dir / "retours").exists()  # feedback=False writes none, even for v1 below
        raw = (result.run_dir / "manifest.json").read_text(encoding="utf-8")
        assert json.loads(raw)["code_sortie"] == result.exit_code
        # for people too: indented, French letters as they are, one last line break
        assert raw.startswith('{\n  "') and raw.endswith("\n}\n") and '"statut": "ignoré"' in raw
        return result.exit_code, os.readlink(latest)

    complete = run()
    assert complete[0] == 0
    (bilans / "bilan_ANIM_2015.xlsx").unlink()
    assert run()[0] == 1  # ANIM 2015 missing, no error anywhere
    make_bilan(ref, bilans, "ANIM", 2015, name="v1.xlsx", edit=lambda wb: set_ind(wb, "evenements", -1))
    make_bilan(ref, bilans, "ANIM", 2015, name="v2.xlsx", edit=_versions(lambda wb: set_ident(wb, "version", 2)))
    errors, moved = run()
    assert errors == 1  # both years count (v2), but v1 has an error
    for f in ("bilan_ANIM_2014.xlsx", "v1.xlsx", "v2.xlsx"):
        (bilans / f).unlink()
    assert run() == (1, moved)  # nothing but notes.txt: no bilan found, latest not moved


def test_each_files_line_goes_to_the_progress_or_the_terminal_and_always_to_the_log(ref, tmp_path):
    cfg = resolve(_small_setup(ref, tmp_path, n=2))
    said, progress = [], []
    started = time.monotonic()
    result = run_batch(cfg, ref, say=said.append, progress=lambda *a: progress.append(a), feedback=False)
    elapsed = time.monotonic() - started
    names = ["bilan_ANIM_2014.xlsx", "bilan_I_1.1.1_2014.xlsx"]
    assert [(done, total, status) for done, total, _, status in progress] == [(1, 2, "valide"), (2, 2, "valide")]
    assert sorted(Path(f).name for _, _, f, _ in progress) == names
    assert not any("[1/2]" in s or "[2/2]" in s for s in said)  # the bar shows them
    log = (result.run_dir / "batch.log").read_text(encoding="utf-8")
    for name in names:
        assert log.count(f"{name} : valide") == 1, name
    # one record a line, time-stamped, the file ending with its last line
    assert log.endswith("\n") and not log.endswith("\n\n")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d .+", line) for line in log.splitlines())
    # the durations are parts of the run's own
    assert 0 <= result.timings["validation"] <= elapsed and 0 <= result.timings["consolidation"] <= elapsed
    said.clear()
    run_batch(cfg, ref, say=said.append, feedback=False)  # no bar: the terminal gets each file's line
    assert sum(s.startswith(("[1/2] ", "[2/2] ")) for s in said) == 2


HOLD_SILENTLY = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("held", flush=True)
sys.stdin.read()
"""


def test_a_lock_held_without_naming_its_holder_is_said_held_by_an_unknown(ref, tmp_path):
    """A run caught between taking the lock and writing its name in it: the second run
    still says another batch is running, its holder « inconnue »."""
    config = _small_setup(ref, tmp_path, n=1)
    (tmp_path / "sortie").mkdir()
    with _holding(HOLD_SILENTLY, tmp_path / "sortie" / ".cess-batch.lock"):
        result = CliRunner().invoke(app, ["batch", "--config", str(config)])
    assert result.exit_code == 2
    assert f"déjà en cours sur {tmp_path / 'sortie'} (inconnue)." in " ".join(result.output.split())


def test_a_left_latest_link_is_removed_and_one_that_cannot_be_does_not_stop_the_run(ref, tmp_path, monkeypatch):
    """A run killed while it moved `latest` leaves its new link, `.latest.<pid>`: the next run
    removes it; one that cannot be removed (held on a share) is left, and the run goes on."""
    cfg = resolve(_small_setup(ref, tmp_path, n=1))
    out = tmp_path / "sortie"
    out.mkdir()
    for pid in ("99998", "99999"):
        (out / f".latest.{pid}").symlink_to("runs/une_execution_tuee")
    real_unlink = Path.unlink

    def held_on_a_share(self: Path, missing_ok: bool = False) -> None:
        if self.name == ".latest.99999":
            raise PermissionError(13, "Permission denied", str(self))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", held_on_a_share)
    result = run_batch(cfg, ref, feedback=False)
    assert os.readlink(out / "latest") == f"runs/{result.run_dir.name}"
    assert (result.run_dir / "manifest.json").is_file()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".latest.")) == [".latest.99999"]


def test_a_bilans_folder_among_the_runs_is_refused_before_anything_is_written(ref, tmp_path):
    """`bilans` pointed at a run folder (`sortie/runs/…`): cess would read back its own
    workbooks and feedback as bilans; refused (exit 2), nothing written."""
    out = tmp_path / "sortie"
    bilans = out / "runs" / "2016-11-28_060000"
    bilans.mkdir(parents=True)
    make_bilan(ref, bilans, "ANIM", 2014)
    with pytest.raises(CessError, match="relirait ses propres classeurs"):
        run_batch(resolve(None, bilans=bilans, sortie=out), ref, feedback=False)
    assert sorted(p.name for p in out.iterdir()) == ["runs"] and os.listdir(out / "runs") == [bilans.name]


def test_a_lock_that_cannot_be_emptied_at_the_end_does_not_undo_the_run(ref, tmp_path, monkeypatch):
    """The output folder turned read-only as the run ends: the lock keeps its holder's text
    (the next run says it took it over), the run is published all the same."""
    cfg = resolve(_small_setup(ref, tmp_path, n=1))
    real_ftruncate = os.ftruncate

    def read_only_at_the_end(fd: int, length: int) -> None:
        ours = os.path.basename(os.readlink(f"/proc/self/fd/{fd}")) == LOCK_NAME
        if ours and os.pread(fd, 3, 0) == b"pid":  # the holder's text: the run is ending
            raise OSError(30, "Read-only file system")
        real_ftruncate(fd, length)

    monkeypatch.setattr(os, "ftruncate", read_only_at_the_end)
    result = run_batch(cfg, ref, feedback=False)
    assert os.readlink(tmp_path / "sortie" / "latest") == f"runs/{result.run_dir.name}"
    assert (tmp_path / "sortie" / LOCK_NAME).read_text(encoding="utf-8").startswith(f"pid {os.getpid()}, ")
