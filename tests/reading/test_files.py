"""Which files a run reads: names as data, links, unreadable and deep folders, output folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cess_cli.findings import CessError
from cess_cli.reading import files as files_mod
from cess_cli.reading.files import MAX_DEPTH, check_not_read_back, display_name, scan_bilan_files


def test_display_name_escapes_what_is_not_text():
    names = {
        b"caf\xe9.xlsx": "caf\\xe9.xlsx",  # Latin-1 byte from a Windows archive
        b"a\nb.xlsx": "a\\x0ab.xlsx",
        b"r\xc3\xa9sum\xc3\xa9.xlsx": "résumé.xlsx",  # valid UTF-8 stays as it is
        "x\u202egpj.xlsx".encode(): "x\\u202egpj.xlsx",  # right-to-left override
        b"a\\x0ab.xlsx": "a\\\\x0ab.xlsx",  # a literal backslash cannot pass for an escape
    }
    shown = {raw: display_name(os.fsdecode(raw)) for raw in names}
    assert shown == names
    assert len(set(shown.values())) == len(names)
    for text in shown.values():
        text.encode("utf-8")  # valid UTF-8, never a lone surrogate


def test_every_invisible_character_of_unicode_is_escaped_in_a_name():
    # independent of the code: every format (Cf), control (Cc) and separator (Zl, Zp) character
    import sys
    import unicodedata

    hidden = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cf", "Cc", "Zl", "Zp")]
    assert "\xad" in hidden  # the soft hyphen: « bi\xadlan.xlsx » showed as « bilan.xlsx »
    for ch in hidden:
        assert ch not in display_name(f"bi{ch}lan.xlsx"), hex(ord(ch))


def test_non_utf8_and_newline_names_are_listed_once_each(tmp_path):
    for raw in (b"caf\xe9.xlsx", b"deux\nlignes.xlsx", b"ok.xlsx"):
        (tmp_path / os.fsdecode(raw)).write_bytes(b"x")  # surrogate-escaped, as os.listdir gives it
    scan = scan_bilan_files([tmp_path])
    shown = sorted(Path(d).name for _, d in scan.files)
    assert shown == ["caf\\xe9.xlsx", "deux\\x0alignes.xlsx", "ok.xlsx"]
    assert all(p.exists() for p, _ in scan.files)  # the real path still opens the file


def test_bilans_folder_given_as_a_link_is_followed_once(tmp_path):
    real = tmp_path / "reel"
    (real / "sous").mkdir(parents=True)
    (real / "a.xlsx").write_bytes(b"x")
    (real / "sous" / "b.xlsx").write_bytes(b"x")
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    (elsewhere / "c.xlsx").write_bytes(b"x")
    os.symlink(elsewhere, real / "lien_dossier")
    os.symlink(elsewhere / "c.xlsx", real / "lien.xlsx")
    link = tmp_path / "bilans"
    os.symlink(real, link)
    scan = scan_bilan_files([link])
    assert sorted(Path(d).relative_to(link).as_posix() for _, d in scan.files) == [
        "a.xlsx",
        "lien.xlsx",  # listed, so that the validator refuses it by name
        "lien_dossier",  # listed, never walked
        "sous/b.xlsx",
    ]
    assert not scan.unreadable


def test_unreadable_folder_is_named_not_skipped(tmp_path, monkeypatch):
    (tmp_path / "ferme").mkdir()
    (tmp_path / "ferme" / "x.xlsx").write_bytes(b"x")
    (tmp_path / "a.xlsx").write_bytes(b"x")
    real = os.scandir

    def scandir(path):  # what a folder without the read permission does (root ignores chmod)
        if Path(path).name == "ferme":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(files_mod.os, "scandir", scandir)
    scan = scan_bilan_files([tmp_path])
    assert [Path(d).name for _, d in scan.files] == ["a.xlsx"]
    assert [(Path(d).name, why) for _, d, why in scan.unreadable] == [("ferme", "permission refusée")]


def test_very_deep_folder_is_reported_without_error(tmp_path):
    deep = tmp_path
    for i in range(MAX_DEPTH + 8):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "perdu.xlsx").write_bytes(b"x")
    (tmp_path / "d0" / "haut.xlsx").write_bytes(b"x")
    scan = scan_bilan_files([tmp_path])
    assert [Path(d).name for _, d in scan.files] == ["haut.xlsx"]
    [(_, _, why)] = scan.unreadable
    assert "niveaux de sous-dossiers" in why


def test_output_folder_is_excluded_by_identity_not_name(tmp_path):
    (tmp_path / "sorties" / "runs").mkdir(parents=True)
    (tmp_path / "sorties" / "runs" / "evaluation_2014.xlsx").write_bytes(b"x")
    (tmp_path / "bilan.xlsx").write_bytes(b"x")
    os.symlink(tmp_path / "sorties", tmp_path / "alias")
    scan = scan_bilan_files([tmp_path], exclude=[tmp_path / "alias"])
    assert [Path(d).name for _, d in scan.files] == ["alias", "bilan.xlsx"]  # the link is listed, not walked


@pytest.mark.parametrize(
    ("bilans", "out", "refused"),
    [
        (".", ".", True),  # --out equal to --bilans
        ("sorties/runs/x", "sorties", True),  # bilans inside what a batch writes
        (".", "sorties", False),  # output folder inside the bilans folder: excluded
        ("bilans", ".", False),  # bilans folder beside what cess writes
    ],
)
def test_output_folder_never_read_back(tmp_path, bilans, out, refused):
    b, o = tmp_path / bilans, tmp_path / out
    b.mkdir(parents=True, exist_ok=True)
    if refused:
        with pytest.raises(CessError, match="dossier de sortie distinct"):
            check_not_read_back(b, o, [o / "runs"])
    else:
        check_not_read_back(b, o, [o / "runs"])


def test_feedback_never_written_where_bilans_are_read(tmp_path):
    from cess_cli.reading.files import check_not_in_bilans

    bilans, out = tmp_path / "bilans", tmp_path / "bilans" / "sorties"
    for folder in (bilans, bilans / "retours"):
        with pytest.raises(CessError, match="hors du dossier des bilans"):
            check_not_in_bilans(bilans, folder, out)
    check_not_in_bilans(bilans, out / "retours", out)  # the output folder is left out of every walk
    check_not_in_bilans(bilans, tmp_path / "retours", out)


def test_a_file_reached_twice_is_listed_once_under_its_first_name(ref, tmp_path):
    """Named twice, named and inside a folder named too, reached through a link to its
    folder: one file, read and counted once, shown as it was first reached."""
    from typer.testing import CliRunner

    from cess_cli.cli.app import app
    from cess_cli.reading.files import scan_bilan_files

    from ..helpers import make_bilan

    folder = tmp_path / "bilans"
    folder.mkdir()
    a = make_bilan(ref, folder, "ANIM", 2015)
    b = make_bilan(ref, folder, "ANIM", 2016)
    (tmp_path / "lien").symlink_to(folder, target_is_directory=True)
    named = [a, folder, a, tmp_path / "lien", folder / ".." / "bilans" / b.name, folder / "absent.xlsx"]
    named.append(folder / "absent.xlsx")
    scan = scan_bilan_files(named)
    assert [shown for _, shown in scan.files] == [str(a), str(b), str(folder / "absent.xlsx")]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["validate", str(a), str(folder), str(tmp_path / "lien")])
    said = " ".join(result.output.split())
    assert "2 fichiers : 2 valides, 0 invalide ;" in said, said
