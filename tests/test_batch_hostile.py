"""cess batch, second hostile round: what a shared folder, a scheduler and an untrusted
sender really do (names, output folders, links, signals, full disks, tampered folders)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cess_cli import pipeline
from cess_cli.batch import LOCK_NAME, batch_lock, run_batch
from cess_cli.cli.app import app
from cess_cli.config import resolve
from cess_cli.findings import CessError

from .helpers import make_bilan, set_ind

CESS = [sys.executable, "-c", "from cess_cli.cli import main; main()"]
STAMPED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")


def _config(base: Path, bilans: str = "bilans", sortie: str = "sortie", extra: str = "") -> Path:
    (base / "cess.toml").write_text(f'bilans = "{bilans}"\nsortie = "{sortie}"\n{extra}', encoding="utf-8")
    return base / "cess.toml"


def _bad(wb):
    set_ind(wb, "evenements", -1)


def test_odd_names_through_a_whole_batch(ref, tmp_path):
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    latin1 = os.fsdecode(b"caf\xe9.xlsx")  # as os.listdir gives a name unzipped from Windows
    make_bilan(ref, bilans, "ANIM", 2014, name=latin1)
    make_bilan(ref, bilans, "I_1.1.1", 2014, name="deux\nlignes.xlsx", edit=_bad)
    make_bilan(ref, bilans, "I_1.2", 2014, name="ordinaire.xlsx")
    config = _config(tmp_path)
    result = CliRunner().invoke(app, ["batch", "--config", str(config)])
    assert result.exit_code == 1, result.output  # bilans are missing for most actions
    assert "Erreur interne" not in result.output
    progress = [line for line in result.output.splitlines() if line.startswith("[")]
    assert sorted(progress) == [
        "[1/3] caf\\xe9.xlsx : valide",
        "[2/3] deux\\x0alignes.xlsx : 1 erreur",
        "[3/3] ordinaire.xlsx : valide",
    ]
    run = tmp_path / "sortie" / "latest"
    log = (run / "batch.log").read_bytes().decode("utf-8")  # valid UTF-8
    assert all(STAMPED.match(line) for line in log.splitlines())  # one record per line, none forged
    manifest = json.loads((run / "manifest.json").read_bytes().decode("utf-8"))
    names = {e["fichier"] for e in manifest["entrees"]}
    assert names == {"caf\\xe9.xlsx", "deux\\x0alignes.xlsx", "ordinaire.xlsx"}
    assert manifest["resume"]["retours_ecrits"] == 1
    assert sorted(p.name for p in (run / "retours").iterdir()) == [
        "deux_x0alignes_corrections.xlsx",
        "deux_x0alignes_retour.txt",
    ]
    with open(run / "evaluation_2014.csv", encoding="utf-8", newline="") as fh:
        sources = {row["source"].split("!")[0] for row in csv.DictReader(fh)}
    assert "caf\\xe9.xlsx" in {Path(s).name for s in sources}
    sheet = load_workbook(run / "evaluation_2014.xlsx")["Sources"]
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value}
    assert any("caf\\xe9.xlsx" in c for c in cells) and not any("\n" in c and "lignes" in c for c in cells)
    shown = subprocess.run([*CESS, "validate", str(bilans), "--format", "json"], capture_output=True, check=False)
    assert shown.returncode == 1
    report = json.loads(shown.stdout.decode("utf-8"))  # valid UTF-8, valid JSON
    assert {Path(f["fichier"]).name for f in report["fichiers"]} == names


def test_output_folder_equal_to_bilans_folder_is_refused_twice(ref, tmp_path):
    make_bilan(ref, tmp_path, "ANIM", 2014, edit=_bad)
    config = _config(tmp_path, ".", ".")
    for _ in range(2):
        result = CliRunner().invoke(app, ["batch", "--config", str(config)])
        assert result.exit_code == 2 and "dossier de sortie distinct" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bilan_ANIM_2014.xlsx", "cess.toml"]
    result = CliRunner().invoke(app, ["consolidate", "2014", "--config", str(config)])
    assert result.exit_code == 2 and "dossier de sortie distinct" in result.output


def test_bilans_folder_given_as_a_link_and_a_run_that_finds_nothing(ref, tmp_path):
    real = tmp_path / "partage" / "bilans_2014"
    real.mkdir(parents=True)
    for code in ("ANIM", "I_1.1.1"):
        make_bilan(ref, real, code, 2014)
    os.symlink(real, tmp_path / "bilans")
    cfg = resolve(_config(tmp_path))
    first = run_batch(cfg, ref)
    assert [e["statut"] for e in first.manifest["entrees"]] == ["valide", "valide"]
    latest = tmp_path / "sortie" / "latest"
    assert latest.resolve() == first.run_dir.resolve()
    for p in real.iterdir():  # the share was not mounted this time: an empty folder
        p.unlink()
    empty = run_batch(cfg, ref)
    assert empty.exit_code == 1 and empty.manifest["latest_deplace"] is False
    assert latest.resolve() == first.run_dir.resolve()
    assert "Aucun bilan trouvé" in (empty.run_dir / "batch.log").read_text(encoding="utf-8")


@pytest.mark.parametrize("planted", ["link", "fifo", "hardlink"])
def test_a_planted_lock_is_refused_and_its_target_untouched(ref, tmp_path, planted):
    (tmp_path / "bilans").mkdir()
    make_bilan(ref, tmp_path / "bilans", "ANIM", 2014)
    out = tmp_path / "sortie"
    out.mkdir()
    victim = tmp_path / "precieux.txt"
    victim.write_text("ne pas tronquer", encoding="utf-8")
    lock = out / ".cess-batch.lock"
    if planted == "link":
        os.symlink(victim, lock)
    elif planted == "fifo":
        os.mkfifo(lock)
    else:
        os.link(victim, lock)
    result = CliRunner().invoke(app, ["batch", "--config", str(_config(tmp_path))])
    what = {"link": "un lien symbolique", "fifo": "un fichier spécial (un tube, un périphérique…)"}
    said = " ".join(result.output.split())  # the terminal's line breaks aside
    assert result.exit_code == 2
    assert f"{lock} est {what.get(planted, 'un lien physique')}, pas le verrou de cess" in said, said
    assert victim.read_text(encoding="utf-8") == "ne pas tronquer"
    assert not (out / "runs").exists()


def test_the_lock_cess_makes_is_a_regular_file_readable_by_all_and_emptied_at_the_end(tmp_path):
    """The lock is created as a regular file of mode 0644 (under umask 022: the holder is
    readable, nothing is executable), names its holder while held, and is emptied after."""
    old = os.umask(0o022)
    try:
        lock = tmp_path / "sortie" / LOCK_NAME
        with batch_lock(tmp_path / "sortie", lambda _: None):
            st = os.lstat(lock)
            assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o644
            assert lock.read_text(encoding="utf-8").startswith(f"pid {os.getpid()}, démarré le ")
        assert lock.read_text(encoding="utf-8") == ""
    finally:
        os.umask(old)


@pytest.mark.parametrize(("name", "make"), [("latest", "dir"), ("runs", "file"), ("runs", "link")])
def test_tampered_run_folders_give_a_french_message(ref, tmp_path, name, make):
    (tmp_path / "bilans").mkdir()
    make_bilan(ref, tmp_path / "bilans", "ANIM", 2014)
    out = tmp_path / "sortie"
    out.mkdir()
    target = out / name
    if make == "dir":
        target.mkdir()
        (target / "rapport_copil.docx").write_text("à garder", encoding="utf-8")
    elif make == "file":
        target.write_text("à garder", encoding="utf-8")
    else:
        (tmp_path / "ailleurs").mkdir()
        os.symlink(tmp_path / "ailleurs", target)
    result = CliRunner().invoke(app, ["batch", "--config", str(_config(tmp_path))])
    assert result.exit_code == 2, result.output
    assert "placez-le ou supprimez-le, puis relancez" in " ".join(result.output.split())
    assert "Erreur interne" not in result.output
    assert not (tmp_path / "ailleurs").exists() or list((tmp_path / "ailleurs").iterdir()) == []


def _children(pid: int) -> list[int]:
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat_file.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat_file.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def test_sigterm_to_the_main_process_alone_ends_the_run_cleanly(ref, tmp_path):
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    src = make_bilan(ref, bilans, "ANIM", 2014, edit=_bad)
    for i in range(60):  # enough files for the run to be stopped in the middle
        shutil.copy(src, bilans / f"copie_{i:02d}.xlsx")
    config = _config(tmp_path)
    first = run_batch(resolve(config), ref, feedback=False)
    proc = subprocess.Popen(
        [*CESS, "batch", "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    workers: list[int] = []
    for line in proc.stdout:
        if line.startswith("[5/"):
            workers = _children(proc.pid)
            break
    assert workers, "the run should have started its workers"
    proc.send_signal(signal.SIGTERM)  # to the main process only, as systemd's KillMode=process would
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Interrompu" in err and "Traceback" not in err
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers)
    out = tmp_path / "sortie"
    assert (out / "latest").resolve() == first.run_dir.resolve()
    assert [p.name for p in (out / "runs").iterdir()] == [first.run_dir.name]  # no partial run left
    again = run_batch(resolve(config), ref, feedback=False)  # the lock was released, and left clean
    assert "Verrou laissé" not in (again.run_dir / "batch.log").read_text(encoding="utf-8")


@contextlib.contextmanager
def _small_filesystem(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root (the full-disk test runs in CI, as root)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"this machine does not allow mounting a tmpfs: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_full_disk_and_read_only_folder(ref, tmp_path):
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    for code in ("ANIM", "I_1.1.1", "I_1.1.2"):
        make_bilan(ref, bilans, code, 2014, edit=_bad)
    with _small_filesystem(tmp_path / "petit", "1m") as small:
        (small / "remplissage").write_bytes(b"\0" * (1024 * 1024 - 96 * 1024))
        config = _config(tmp_path, "bilans", "petit/sortie")
        result = CliRunner().invoke(app, ["batch", "--config", str(config)])
        assert result.exit_code == 2, result.output
        said = " ".join(result.output.split())
        assert "plus de place sur le disque" in said and "Rien n'a été publié" in said
        assert not (small / "sortie" / "latest").exists()
        assert [p.name for p in (small / "sortie" / "runs").iterdir()] == []  # nothing half-written published
        with contextlib.suppress(OSError), open(small / "reste", "wb") as fh:  # now fill it to the brim
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
        feedback = CliRunner().invoke(app, ["validate", str(bilans), "--feedback", str(small / "retours")])
        assert feedback.exit_code == 1
        said = " ".join(feedback.output.split())
        assert said.count("plus de place sur le disque") == 3
        assert "0 retour écrit" in said and "3 non écrits" in said
        assert [p.name for p in (small / "retours").iterdir()] == []
        (small / "remplissage").unlink()
        (small / "reste").unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(small)], check=True)
        result = CliRunner().invoke(app, ["batch", "--config", str(config)])
        assert result.exit_code == 2 and "lecture seule" in result.output, result.output
        result = CliRunner().invoke(app, ["consolidate", "2014", "--bilans", str(bilans), "--out", str(small / "x")])
        assert result.exit_code == 2 and "lecture seule" in result.output and "Erreur interne" not in result.output


def test_unreadable_subfolder_is_said_in_log_manifest_and_anomalies(ref, tmp_path):
    bilans = tmp_path / "bilans"
    (bilans / "porteur_x").mkdir(parents=True)
    make_bilan(ref, bilans, "ANIM", 2014)
    make_bilan(ref, bilans / "porteur_x", "I_1.1.1", 2014)
    config = _config(tmp_path)
    command = [*CESS, "batch", "--config", str(config)]
    if os.geteuid() == 0:  # root reads everything: run without the capabilities that allow it
        drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
        if not shutil.which("setpriv") or subprocess.run([*drop, "true"], check=False).returncode != 0:
            pytest.skip("root cannot be denied a folder here (setpriv cannot drop its capabilities)")
        command = [*drop, *command]
    os.chmod(bilans / "porteur_x", 0)
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        os.chmod(bilans / "porteur_x", 0o755)
    assert done.returncode == 1, done.stderr
    run = tmp_path / "sortie" / "latest"
    log = (run / "batch.log").read_text(encoding="utf-8")
    assert "Dossier illisible" in log and "porteur_x" in log and "permission refusée" in log
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    [entry] = [e for e in manifest["entrees"] if e["fichier"] == "porteur_x"]
    assert entry["statut"] == "illisible" and "dossier illisible" in entry["motif"]
    anomalies = load_workbook(run / "evaluation_2014.xlsx")["Anomalies"]
    texts = [str(c.value) for row in anomalies.iter_rows() for c in row if c.value]
    assert any("porteur_x" in t for t in texts) and any("n'a pas pu être lu" in t for t in texts)


def test_feedback_failure_keeps_findings_and_leaves_nothing(ref, tmp_path, monkeypatch):
    (tmp_path / "bilans").mkdir()
    make_bilan(ref, tmp_path / "bilans", "ANIM", 2014, edit=_bad)
    make_bilan(ref, tmp_path / "bilans", "I_1.1.1", 2014, edit=_bad)
    real = pipeline.stage_feedback

    def stuck(result, source, staging, stem, **kw):  # runs in the worker, after validation
        staged = real(result, source, staging, stem, **kw)
        if "ANIM" in stem:
            time.sleep(3600)
        return staged

    monkeypatch.setattr(pipeline, "stage_feedback", stuck)
    cfg = resolve(_config(tmp_path, extra="[limites]\nsecondes_par_fichier = 2\n"))
    result = run_batch(cfg, ref)
    by_name = {e["fichier"]: e for e in result.manifest["entrees"]}
    anim = by_name["bilan_ANIM_2014.xlsx"]
    assert anim["statut"] == "invalide" and anim["erreurs"] == 1  # the finding stands, not fichier.delai
    assert anim["retour"] == {"fichiers": [], "probleme": "retour non écrit : écriture du retour interrompue après 2 s"}
    assert by_name["bilan_I_1.1.1_2014.xlsx"]["retour"]["probleme"] is None
    log = (result.run_dir / "batch.log").read_text(encoding="utf-8")
    assert (
        "Retour pour bilan_ANIM_2014.xlsx : retour non écrit" in log
        and "Retours aux porteurs : 1 écrit, 1 non écrit" in log
    )
    left = sorted(str(p.relative_to(result.run_dir)) for p in result.run_dir.rglob("*"))
    assert not any("ANIM" in p or p.endswith(".tmp") or ".cess-" in p for p in left), left
    listed = {s["fichier"] for s in result.manifest["sorties"]}
    assert {p for p in left if (result.run_dir / p).is_file()} == listed | {"manifest.json"}


def test_flood_of_findings_in_the_terminal_and_the_manifest(ref, tmp_path):
    def flood(wb):
        ws = wb["Territoires"]
        for r in range(2, 3002):
            ws.cell(row=r, column=1, value="99")
            ws.cell(row=r, column=2, value="structures_accompagnees")
            ws.cell(row=r, column=3, value=1)

    path = make_bilan(ref, tmp_path, "ANIM", 2014, edit=flood)
    shown = CliRunner().invoke(app, ["validate", str(path)])
    assert shown.exit_code == 1
    assert len(shown.output.splitlines()) < 1500  # not 3 000 findings, each on several lines
    assert "2 950 autres" in shown.output.replace("\u202f", " ")
    data = json.loads(CliRunner().invoke(app, ["validate", str(path), "--format", "json"]).stdout)
    [file] = data["fichiers"]
    assert file["erreurs"] >= 3000 and len(file["constats"]) < 200
    assert sum(c.get("count", 1) for c in file["constats"] if c["code"] == "departement.inconnu") == 3000


def test_feedback_folder_inside_the_bilans_folder_is_refused(ref, tmp_path):
    (tmp_path / "bilans").mkdir()
    make_bilan(ref, tmp_path / "bilans", "ANIM", 2014, edit=_bad)
    config = _config(tmp_path)
    target = tmp_path / "bilans" / "retours"
    result = CliRunner().invoke(
        app, ["validate", str(tmp_path / "bilans"), "--feedback", str(target), "--config", str(config)]
    )
    assert result.exit_code == 2 and "hors du dossier des bilans" in " ".join(result.output.split())
    assert not target.exists()


def test_an_output_folder_not_yet_made_is_made_and_a_file_in_its_place_refused(ref, tmp_path):
    """`sortie = "partage/copil/sorties"` on a fresh share: every folder is made; a file where
    the output folder should be is refused in French, naming it, and left as it was."""
    (tmp_path / "bilans").mkdir()
    make_bilan(ref, tmp_path / "bilans", "ANIM", 2014)
    (tmp_path / "cess.toml").write_text('bilans = "bilans"\nsortie = "partage/copil/sorties"\n', encoding="utf-8")
    out = tmp_path / "partage" / "copil" / "sorties"
    for _ in range(2):  # made the first time, used as it is the next
        result = run_batch(resolve(tmp_path / "cess.toml"), ref, feedback=False)
        assert result.run_dir.parent == out / "runs" and (out / "latest").resolve() == result.run_dir.resolve()
    # the configuration refuses a file there (tests/test_config.py); one put there after the
    # configuration was read (a shared folder changes under a scheduled run) is refused too
    (tmp_path / "cess.toml").write_text('bilans = "bilans"\nsortie = "sorties"\n', encoding="utf-8")
    cfg = resolve(tmp_path / "cess.toml")
    (tmp_path / "sorties").write_text("notes du porteur", encoding="utf-8")
    with pytest.raises(CessError) as caught:
        run_batch(cfg, ref, feedback=False)
    assert str(caught.value).startswith(f"Le dossier de sortie {tmp_path / 'sorties'} est un fichier : ")
    assert (tmp_path / "sorties").read_text(encoding="utf-8") == "notes du porteur"


def test_a_left_partial_run_that_cannot_be_removed_whole_does_not_stop_the_run(ref, tmp_path, monkeypatch):
    """What interrupted runs left is removed before a run starts; a file in it that refuses
    to go (held by another program on a share) stays, is said, and the run goes on."""
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if os.path.basename(path) == "verrouillé.xlsx":
            raise PermissionError(13, "Permission denied", path)
        return real_unlink(path, *args, **kwargs)

    (tmp_path / "bilans").mkdir()
    make_bilan(ref, tmp_path / "bilans", "ANIM", 2014)
    runs = tmp_path / "sortie" / "runs"
    for stale in (".2016-11-27_060000.partial", ".2016-11-28_060000.partial"):
        (runs / stale).mkdir(parents=True)
        (runs / stale / "evaluation_2014.xlsx").write_bytes(b"ancien")
    (runs / ".2016-11-28_060000.partial" / "verrouillé.xlsx").write_bytes(b"ouvert ailleurs")
    monkeypatch.setattr(os, "unlink", unlink)
    result = run_batch(resolve(_config(tmp_path)), ref, feedback=False)
    assert sorted(str(p.relative_to(runs)) for p in runs.rglob("*") if result.run_dir not in p.parents) == [
        ".2016-11-28_060000.partial",
        ".2016-11-28_060000.partial/verrouillé.xlsx",
        result.run_dir.name,
    ]
    log = (result.run_dir / "batch.log").read_text(encoding="utf-8")
    assert "Dossier d'une exécution interrompue supprimé : .2016-11-27_060000.partial\n" in log
    assert (
        "Dossier d'une exécution interrompue impossible à supprimer en entier : .2016-11-28_060000.partial ; "
        "supprimez-le à la main" in log
    )
