"""Every file cess writes: atomic, never through a link, never over a file it did not make."""

from __future__ import annotations

import errno
import os

import pytest

from cess_cli.outputs.atomic import atomic_path, os_error_text, write_text_atomic


def test_a_planted_link_is_replaced_never_written_through(tmp_path):
    victim = tmp_path / "victime.txt"
    victim.write_text("intact", encoding="utf-8")
    target = tmp_path / "sortie.txt"
    os.symlink(victim, target)
    write_text_atomic(target, "nouveau")
    assert victim.read_text(encoding="utf-8") == "intact"
    assert not target.is_symlink() and target.read_text(encoding="utf-8") == "nouveau"


@pytest.mark.parametrize("planted", ["file", "link", "dangling"])
def test_no_replace_never_touches_an_existing_name(tmp_path, planted):
    victim = tmp_path / "victime.txt"
    victim.write_text("intact", encoding="utf-8")
    target = tmp_path / "x_corrections.xlsx"
    if planted == "file":
        target.write_text("entrée du porteur", encoding="utf-8")
    elif planted == "link":
        os.symlink(victim, target)
    else:
        os.symlink(tmp_path / "nulle_part", target)
    before = os.readlink(target) if target.is_symlink() else target.read_text(encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_text_atomic(target, "retour", replace=False)
    after = os.readlink(target) if target.is_symlink() else target.read_text(encoding="utf-8")
    assert after == before and victim.read_text(encoding="utf-8") == "intact"
    assert not (tmp_path / "nulle_part").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["victime.txt", "x_corrections.xlsx"])


def test_names_up_to_the_byte_limit_and_no_leftover(tmp_path):
    name = "é" * 122 + "_retour.txt"  # 255 bytes
    assert len(name.encode()) == 255
    write_text_atomic(tmp_path / name, "ok")
    assert (tmp_path / name).read_text(encoding="utf-8") == "ok"
    with pytest.raises(OSError) as caught:
        write_text_atomic(tmp_path / ("é" + name), "trop long")
    assert caught.value.errno == errno.ENAMETOOLONG
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "abandon.txt") as tmp:
        tmp.write_text("à moitié", encoding="utf-8")
        raise RuntimeError
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left


def test_os_errors_say_what_to_do_in_french():
    full = OSError(errno.ENOSPC, "No space left on device", "/srv/cess/sorties/x.xlsx")
    assert (
        os_error_text(full)
        == "/srv/cess/sorties/x.xlsx : plus de place sur le disque : libérez de la place, puis relancez"
    )
    odd = OSError(errno.EROFS, "Read-only file system", os.fsdecode(b"/srv/caf\xe9"))
    assert os_error_text(odd).startswith("/srv/caf\\xe9 : le dossier est en lecture seule")
    as_bytes = OSError(errno.EACCES, "Permission denied", b"/srv/caf\xc3\xa9")  # a name given as bytes
    assert os_error_text(as_bytes).startswith("/srv/café : droits insuffisants")
    # an error cess has no French text for: the system's own words; none at all: its kind
    assert os_error_text(OSError(errno.ESTALE, "Stale file handle")) == "Stale file handle"
    assert os_error_text(OSError("sans numéro")) == "OSError"
    assert os_error_text(FileNotFoundError()) == "FileNotFoundError"


def test_stale_temporaries_of_a_killed_writer_are_removed_once_old(tmp_path):
    import time

    from cess_cli.outputs.atomic import remove_stale_temporaries

    old, fresh = tmp_path / ".cess-ancien.tmp", tmp_path / ".cess-recent.tmp"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "f").write_text("à moitié", encoding="utf-8")
    hour_ago = time.time() - 7200
    os.utime(old, (hour_ago, hour_ago))
    (tmp_path / ".cess-lien.tmp").symlink_to(fresh)
    remove_stale_temporaries(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cess-lien.tmp", ".cess-recent.tmp"]
