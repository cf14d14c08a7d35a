"""No file in a folder of bilans is skipped silently; every workbook someone else wrote
gets one clear finding (shared/peer-files/README.md)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cess_cli.batch import run_batch
from cess_cli.cli.app import app
from cess_cli.config import resolve
from cess_cli.consolidation.evaluation import consolidate
from cess_cli.outputs.evaluation_workbook import write_evaluation
from cess_cli.pipeline import collect, validate_paths

from ..helpers import make_bilan

PEER = Path(__file__).resolve().parents[3] / "shared" / "peer-files" / "calamine-tests"
if not PEER.is_dir():  # a worktree lies one level deeper than a clone beside shared/
    PEER = Path(__file__).resolve().parents[4] / "shared" / "peer-files" / "calamine-tests"


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _folder(ref, base: Path) -> Path:
    folder = base / "bilans"
    (folder / "2015").mkdir(parents=True)
    make_bilan(ref, folder / "2015")
    (folder / "bilan_I_1.2_2015.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n")
    (folder / "courrier.docx").write_bytes(_docx())
    (folder / "notes.txt").write_text("à relancer\n", encoding="utf-8")
    (folder / "~$bilan_III_1.1.3_2015.xlsx").write_bytes(b"\x0bCamille Martin" + b"\0" * 100)
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    return folder


IGNORED = {"bilan_I_1.2_2015.pdf", "courrier.docx", "notes.txt", "~$bilan_III_1.1.3_2015.xlsx", ".DS_Store"}


def test_every_entry_of_a_folder_is_listed(ref, tmp_path):
    report = validate_paths([_folder(ref, tmp_path)], ref)
    by_name = {Path(r.file).name: r for r in report.files}
    assert set(by_name) == IGNORED | {"bilan_III_1.1.3_2015.xlsx"}
    for name in IGNORED:
        [finding] = by_name[name].findings
        assert (finding.code, str(finding.severity)) == ("fichier.non_classeur", "avertissement"), name
        assert by_name[name].ignored and not by_name[name].valid
    assert "c'est un PDF" in by_name["bilan_I_1.2_2015.pdf"].findings[0].message
    assert "document Word" in by_name["courrier.docx"].findings[0].message
    assert "verrouillage" in by_name["~$bilan_III_1.1.3_2015.xlsx"].findings[0].message
    assert by_name["bilan_III_1.1.3_2015.xlsx"].valid


def test_validate_lists_ignored_files_and_passes_on_the_bilan(ref, tmp_path):
    folder = _folder(ref, tmp_path)
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert "bilan_I_1.2_2015.pdf : Fichier ignoré : ce n'est pas un classeur (c'est un PDF)." in result.output
    assert "6 fichiers : 1 valide, 0 invalide, 5 ignorés ; 0 erreur, 5 avertissements." in result.output
    data = json.loads(CliRunner().invoke(app, ["validate", str(folder), "--format", "json"]).stdout)
    assert data["resume"]["ignores"] == 5 and data["resume"]["valides"] == 1


def test_a_non_spreadsheet_named_on_the_command_line_is_an_erreur(ref, tmp_path):
    folder = _folder(ref, tmp_path)
    result = CliRunner().invoke(app, ["validate", str(folder / "bilan_I_1.2_2015.pdf"), "--format", "json"])
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["fichiers"][0]["constats"]
    assert (finding["code"], finding["severity"]) == ("fichier.pas_un_classeur", "erreur")
    assert finding["message"] == "Le fichier n'est pas un classeur (.xlsx, .ods ou .xls) : c'est un PDF."


def test_a_folder_with_no_bilan_fails(ref, tmp_path):
    (tmp_path / "rapport.pdf").write_bytes(b"%PDF-1.4\n")
    assert CliRunner().invoke(app, ["validate", str(tmp_path)]).exit_code == 1


def test_xlsb_in_a_folder_is_named(ref, tmp_path):
    rels = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r"'
        b' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
        b' Target="xl/workbook.bin"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.bin", b"\0" * 32)
    (tmp_path / "bilan.xlsb").write_bytes(out.getvalue())
    [result] = validate_paths([tmp_path], ref).files
    assert [(f.code, str(f.severity)) for f in result.findings] == [("fichier.format_non_pris_en_charge", "erreur")]
    assert ".xlsb" in result.findings[0].message


def test_ignored_files_are_in_the_sources_the_manifest_and_the_log(ref, tmp_path):
    folder = _folder(ref, tmp_path)
    coll = collect([folder], ref)
    statuses = {s.name: (s.statut, s.motif) for s in coll.sources}
    assert statuses["bilan_I_1.2_2015.pdf"] == ("ignoré", "ignoré : ce n'est pas un classeur (c'est un PDF).")
    ev = consolidate(coll, ref, [2015])
    xlsx = write_evaluation(ev, ref, tmp_path / "e.xlsx")
    rows = [[c for c in row] for row in load_workbook(xlsx)["Sources"].iter_rows(values_only=True)]
    assert any("bilan_I_1.2_2015.pdf" in str(r[0]) and "ignoré" in r for r in rows), rows

    (tmp_path / "cess.toml").write_text('bilans = "bilans"\nsortie = "sortie"\n', encoding="utf-8")
    result = run_batch(resolve(tmp_path / "cess.toml"), ref)
    entries = {e["fichier"]: e["statut"] for e in result.manifest["entrees"]}
    assert {name: entries[name] for name in IGNORED} == dict.fromkeys(IGNORED, "ignoré")
    log = (result.run_dir / "batch.log").read_text(encoding="utf-8")
    assert "bilan_I_1.2_2015.pdf : ignoré — ce n'est pas un classeur (c'est un PDF)" in log
    assert not list((result.run_dir / "retours").glob("bilan_I_1.2*"))  # no feedback for what is no bilan


@pytest.mark.skipif(not PEER.is_dir(), reason="shared/peer-files/calamine-tests absent (not part of the repository)")
def test_every_peer_workbook_gets_one_clear_finding(ref):
    files = sorted(PEER.iterdir())
    assert len(files) == 133
    report = validate_paths([PEER], ref, isolate=True, timeout=30)
    assert len(report.files) == 133  # none skipped, the 12 .xlsb included
    for result in report.files:
        name = Path(result.file).name
        assert len(result.findings) == 1, (name, [f.code for f in result.findings])
        [finding] = result.findings
        assert str(finding.severity) == "erreur" and finding.file == result.file, name
        assert finding.code in {
            "fichier.pas_un_bilan",
            "fichier.format_non_pris_en_charge",
            "fichier.illisible",
            "fichier.chiffre",
            "fichier.pas_un_classeur",
            "fichier.vide",
        }, (name, finding.code)
        assert "Traceback" not in finding.message and "Error" not in finding.message, (name, finding.message)
    xlsb = [r for r in report.files if r.file.endswith(".xlsb")]
    assert len(xlsb) == 12 and all(r.findings[0].code != "fichier.pas_un_bilan" for r in xlsb)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("notes.csv", "Fichier ignoré : ce n'est pas un classeur (c'est un fichier texte)."),
        ("note.txt", "Fichier ignoré : ce n'est pas un classeur (c'est un fichier texte)."),
        (
            "export.xlsx",
            "Le fichier n'est pas un classeur (.xlsx, .ods ou .xls) : c'est un fichier texte, "
            "par exemple un CSV renommé en .xlsx.",
        ),
        (
            "export.ODS",
            "Le fichier n'est pas un classeur (.xlsx, .ods ou .xls) : c'est un fichier texte, "
            "par exemple un CSV renommé en .ODS.",
        ),
    ],
)
def test_a_renaming_is_suspected_only_of_a_file_named_as_a_workbook(ref, tmp_path, name, said):
    folder = tmp_path / "bilans"
    folder.mkdir()
    make_bilan(ref, folder)
    (folder / name).write_text("code;valeur\nparticipants;12\n", encoding="utf-8")
    report = validate_paths([folder], ref)
    [finding] = next(r for r in report.files if Path(r.file).name == name).findings
    assert finding.message == said


def test_an_empty_file_is_ignored_unless_its_name_says_spreadsheet(ref, tmp_path):
    """A 0-byte `rapport.pdf` or `.DS_Store` beside the bilans is listed as ignored (« fichier
    vide »), as the same files with content are; a 0-byte `.xlsx`, `.ods` or `.xls` is a bilan
    that came empty: `fichier.vide`, an erreur."""
    folder = tmp_path / "bilans"
    folder.mkdir()
    make_bilan(ref, folder)
    for name in ("rapport.pdf", ".DS_Store", "vide.xlsx", "vide.ods", "vide.xls"):
        (folder / name).write_bytes(b"")
    by_name = {Path(r.file).name: r for r in validate_paths([folder], ref).files}
    for name in ("rapport.pdf", ".DS_Store"):
        [finding] = by_name[name].findings
        assert (finding.code, str(finding.severity)) == ("fichier.non_classeur", "avertissement"), name
        assert "fichier vide" in finding.message and by_name[name].ignored
    for name in ("vide.xlsx", "vide.ods", "vide.xls"):
        [finding] = by_name[name].findings
        assert (finding.code, str(finding.severity)) == ("fichier.vide", "erreur"), name
