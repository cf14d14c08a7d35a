"""Every file cess writes: atomic, never through a link, never over a file it did not make."""

from __future__ import annotations

import errno
import hashlib
import os
import stat

import pytest

from cess_cli.outputs.atomic import (
    atomic_file,
    atomic_path,
    file_sha256,
    os_error_text,
    save_workbook,
    write_text_atomic,
)


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
    assert os_error_text(caught.value) == (  # names the file, in French
        f"{tmp_path / ('é' + name)} : nom ou chemin trop long : choisissez un dossier au chemin plus court"
    )
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "abandon.txt") as tmp:
        tmp.write_text("à moitié", encoding="utf-8")
        raise RuntimeError
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left


def test_an_output_in_folders_not_yet_made_makes_them(tmp_path):
    # `cess consolidate 2015 --out sorties/2015` on a fresh machine: every folder is made
    target = tmp_path / "sorties" / "2015" / "evaluation.csv"
    write_text_atomic(target, "a;b\n")
    assert target.read_text(encoding="utf-8") == "a;b\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["evaluation.csv"]  # nothing else left


@pytest.mark.parametrize("planted", ["lien", "dossier"])
def test_a_temporary_turned_into_a_link_or_a_folder_is_never_published(tmp_path, planted):
    """What a writer leaves is checked before it takes its name: a link (never followed,
    never published: cess does not write through a link) or anything but a regular file is
    refused, with a French message naming the output asked for (not cess's private
    temporary), and nothing is left."""
    target = tmp_path / "sortie" / "evaluation_2015.csv"
    elsewhere = tmp_path / "ailleurs.txt"
    elsewhere.write_text("du porteur", encoding="utf-8")
    with pytest.raises(OSError) as caught, atomic_path(target) as tmp:
        if planted == "lien":
            tmp.symlink_to(elsewhere)
        else:
            tmp.mkdir()
    assert caught.value.errno == (errno.ELOOP if planted == "lien" else errno.EINVAL)
    assert caught.value.filename == str(target)
    assert os_error_text(caught.value).startswith(f"{target} : ")
    assert list(target.parent.iterdir()) == []
    assert elsewhere.read_text(encoding="utf-8") == "du porteur"


def test_an_output_is_readable_by_all_and_executable_by_none_whatever_the_umask(tmp_path):
    old = os.umask(0o077)  # a scheduler's strict umask: the COPIL's readers must still read
    try:
        write_text_atomic(tmp_path / "evaluation_2015.csv", "a;b\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.lstat(tmp_path / "evaluation_2015.csv").st_mode) == 0o644


@pytest.mark.parametrize("replace", [True, False])
def test_a_temporary_that_cannot_be_removed_does_not_undo_a_written_output(tmp_path, monkeypatch, replace):
    """On a share, the private folder (or the temporary left in it when the name is taken by
    a hard link) may refuse to go: the output is written all the same and said so; the
    leftover is for `remove_stale_temporaries` an hour later."""
    real_unlink, real_rmdir = os.unlink, os.rmdir

    def unlink(path, *args, dir_fd=None, **kwargs):
        if dir_fd is not None or ".cess-" in os.fsdecode(path):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_unlink(path, *args, dir_fd=dir_fd, **kwargs)

    def rmdir(path, *args, dir_fd=None, **kwargs):
        if ".cess-" in os.fsdecode(path):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_rmdir(path, *args, dir_fd=dir_fd, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    monkeypatch.setattr(os, "rmdir", rmdir)
    write_text_atomic(tmp_path / "retour.txt", "écrit", replace=replace)
    assert (tmp_path / "retour.txt").read_text(encoding="utf-8") == "écrit"
    assert len([p for p in tmp_path.iterdir() if p.name.startswith(".cess-")]) == 1  # it did refuse to go


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
    # an error cess has no French text for: said in French, with the system's own words (or
    # its kind) for whoever investigates
    assert os_error_text(OSError(errno.ESTALE, "Stale file handle")) == "erreur du système (Stale file handle)"
    assert os_error_text(OSError("sans numéro")) == "erreur du système (OSError)"
    assert os_error_text(FileNotFoundError()) == "erreur du système (FileNotFoundError)"
    gone = FileNotFoundError(errno.ENOENT, "No such file or directory", "/srv/cess/sorties")
    assert os_error_text(gone) == (
        "/srv/cess/sorties : fichier ou dossier introuvable (déplacé ou supprimé pendant l'exécution ?) : relancez"
    )


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


def test_only_cess_own_temporaries_older_than_an_hour_are_removed(tmp_path):
    """An operator's folders that look like ours by half (« .cess-notes », « archives.tmp »)
    are never removed, however old; one of ours is removed from an hour on, kept before."""
    import time

    from cess_cli.outputs.atomic import remove_stale_temporaries

    names = {".cess-notes": 7200, "archives.tmp": 7200, ".cess-vieux.tmp": 3600.5, ".cess-jeune.tmp": 3500}
    now = time.time()
    for name, age in names.items():
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (now - age, now - age))
    # an old link named like ours, to an old folder of the operator's: neither is touched
    (tmp_path / "archives.tmp" / "bilan.xlsx").write_bytes(b"du porteur")
    (tmp_path / ".cess-lien.tmp").symlink_to(tmp_path / "archives.tmp")
    os.utime(tmp_path / ".cess-lien.tmp", (now - 7200, now - 7200), follow_symlinks=False)
    os.utime(tmp_path / "archives.tmp", (now - 7200, now - 7200))
    remove_stale_temporaries(tmp_path)  # a folder only grows older: the test holds however slow the machine
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".cess-jeune.tmp",
        ".cess-lien.tmp",
        ".cess-notes",
        "archives.tmp",
    ]
    assert (tmp_path / "archives.tmp" / "bilan.xlsx").read_bytes() == b"du porteur"


def test_what_a_killed_writer_leaves_is_recognised_and_removed_an_hour_later(tmp_path):
    """The private folder `atomic_path` writes in bears the names `remove_stale_temporaries`
    looks for: a writer killed outright (its `finally` never runs) leaves nothing for good."""
    import time

    from cess_cli.outputs.atomic import remove_stale_temporaries

    writing = atomic_path(tmp_path / "evaluation_2015.xlsx")
    tmp = writing.__enter__()  # the writer dies here: its context is never left
    tmp.write_bytes(b"a moitie")
    left = tmp.parent
    assert left.parent == tmp_path and left.is_dir()
    remove_stale_temporaries(tmp_path)  # a run starting an instant later keeps it: it may be at work
    assert left.is_dir()
    old = time.time() - 7200
    os.utime(left, (old, old))
    remove_stale_temporaries(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_temporary_that_cannot_be_removed_whole_does_not_stop_the_others(tmp_path, monkeypatch):
    """A file that refuses to go (on a shared folder: held by another program) is left; the
    rest of its folder and every other old temporary are removed all the same."""
    import time

    from cess_cli.outputs.atomic import remove_stale_temporaries

    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if os.path.basename(path) == "verrouillé":
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    old = time.time() - 7200
    for name in (".cess-a.tmp", ".cess-b.tmp"):
        (tmp_path / name).mkdir()
        for f in ("verrouillé", "ok.txt"):
            (tmp_path / name / f).write_text("x", encoding="utf-8")
        os.utime(tmp_path / name, (old, old))
    remove_stale_temporaries(tmp_path)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        ".cess-a.tmp",
        ".cess-a.tmp/verrouillé",
        ".cess-b.tmp",
        ".cess-b.tmp/verrouillé",
    ]


@pytest.mark.parametrize("unsupported", [errno.EPERM, errno.ENOTSUP, errno.EMLINK, errno.EXDEV])
def test_where_hard_links_are_not_supported_an_existing_name_is_still_never_replaced(
    tmp_path, monkeypatch, unsupported
):
    """`replace=False` publishes with `link`; a file system without hard links (FAT, some
    network shares) falls back to check-then-rename, and still never replaces a name."""

    def no_link(*args, **kwargs):
        raise OSError(unsupported, os.strerror(unsupported))

    monkeypatch.setattr(os, "link", no_link)
    write_text_atomic(tmp_path / "libre.txt", "nouveau", replace=False)
    assert (tmp_path / "libre.txt").read_text(encoding="utf-8") == "nouveau"
    taken = tmp_path / "pris.txt"
    taken.write_text("entrée du porteur", encoding="utf-8")
    with pytest.raises(FileExistsError) as caught:
        write_text_atomic(taken, "retour", replace=False)
    assert (caught.value.errno, caught.value.filename) == (errno.EEXIST, str(taken))
    assert "existe déjà" in os_error_text(caught.value)
    assert taken.read_text(encoding="utf-8") == "entrée du porteur"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["libre.txt", "pris.txt"]  # no temporary left


def test_a_link_failure_of_another_kind_is_not_taken_for_an_unsupported_file_system(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "link", full)
    with pytest.raises(OSError) as caught:
        write_text_atomic(tmp_path / "x.txt", "retour", replace=False)
    assert caught.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_file_sha256_reads_a_regular_file_only_and_never_blocks(tmp_path):
    regular = tmp_path / "f.txt"
    regular.write_bytes(b"abc")
    assert file_sha256(regular) == hashlib.sha256(b"abc").hexdigest()
    os.symlink(regular, tmp_path / "lien")
    with pytest.raises(OSError) as caught:
        file_sha256(tmp_path / "lien")  # never through a link
    assert caught.value.errno == errno.ELOOP
    os.mkfifo(tmp_path / "tube")
    with pytest.raises(OSError) as caught:  # opened without waiting for a writer, then refused
        file_sha256(tmp_path / "tube")
    assert caught.value.errno == errno.EINVAL


def test_a_file_that_is_not_regular_is_refused_in_french_naming_it(tmp_path):
    # a test of its own (not a line of the one above): mutmut maps tests to functions by name,
    # once, and the test above did not reach os_error_text when it was mapped (docs/mutation.md)
    os.mkfifo(tmp_path / "tube")
    with pytest.raises(OSError) as caught:
        file_sha256(tmp_path / "tube")
    assert os_error_text(caught.value) == (
        f"{tmp_path / 'tube'} : ce n'est pas un fichier ordinaire (un tube, un périphérique…) : cess ne le lit ni n'y écrit"
    )


def test_a_workbook_saved_at_another_time_has_the_same_bytes(tmp_path):
    """Reproducible workbooks (README *What a run leaves*): the document's own dates, which
    openpyxl stamps, do not change the bytes."""
    from datetime import datetime

    from openpyxl import Workbook

    saved = []
    for year in (2015, 2016):
        wb = Workbook()
        wb.active["A1"] = "même contenu"
        wb.properties.created = wb.properties.modified = datetime(year, 3, 15, 10, 30)
        saved.append(save_workbook(wb, tmp_path / f"{year}.xlsx").read_bytes())
    assert saved[0] == saved[1]


def test_a_saved_workbook_is_compressed_with_fixed_modes(tmp_path):
    """Every part of a workbook cess writes is deflated, as Excel's are (stored parts would
    make the evaluation workbook several times larger for the COPIL's mailboxes), with the
    same mode bits (part of the reproducible bytes)."""
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    for row in range(1, 200):
        wb.active.append(["Coopérations", row, "2 / 3 bilans"])
    save_workbook(Workbook(), tmp_path / "x.xlsx")  # an older workbook of that name is replaced
    with zipfile.ZipFile(save_workbook(wb, tmp_path / "x.xlsx")) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
        # the same entry modes whatever Python's default (readable by all when unzipped)
        assert {(i.external_attr >> 16) & 0o777 for i in z.infolist()} == {0o644}


def test_a_workbook_that_fails_half_way_leaves_nothing_and_says_nothing_more(tmp_path, monkeypatch):
    """The disk fills up while openpyxl writes the parts: the disk's error is raised, neither
    the workbook nor a temporary is left, and the half-written archive is closed there and
    then (not later by the garbage collector, whose error would reach the terminal)."""
    import gc
    import sys

    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    real = ExcelWriter.write_worksheet

    def full_disk(self, ws):
        real(self, ws)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ExcelWriter, "write_worksheet", full_disk)
    late: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", late.append)
    with pytest.raises(OSError) as caught:
        save_workbook(Workbook(), tmp_path / "evaluation.xlsx")
    assert caught.value.errno == errno.ENOSPC
    del caught
    gc.collect()
    assert late == [] and list(tmp_path.iterdir()) == []


def test_a_saved_workbook_has_fixed_dates_and_drawingml_declared_on_its_chart_roots(tmp_path):
    """The document's dates are exactly 2000-01-01 (nothing else changed in its properties);
    the drawing and the chart parts declare DrawingML's namespace on their root element, which
    Gnumeric needs to show the chart (README *What a run leaves*)."""
    import re
    import xml.etree.ElementTree as ET
    import zipfile

    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    wb = Workbook()
    ws = wb.active
    for row in (["Année", "Valeur"], ["2014", 3], ["2015", 5]):
        ws.append(row)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    ws.add_chart(chart, "D2")
    with zipfile.ZipFile(save_workbook(wb, tmp_path / "x.xlsx")) as z:
        core = ET.fromstring(z.read("docProps/core.xml"))
        parts = {n: z.read(n) for n in z.namelist() if n.startswith(("xl/drawings/drawing", "xl/charts/chart"))}
    dates = {el.tag.rsplit("}", 1)[1]: el.text for el in core if el.tag.endswith(("}created", "}modified"))}
    assert dates == {"created": "2000-01-01T00:00:00Z", "modified": "2000-01-01T00:00:00Z"}
    assert all((el.tail or "").strip() == "" for el in core) and (core.text or "").strip() == ""
    assert sorted(parts) == ["xl/charts/chart1.xml", "xl/drawings/drawing1.xml"]
    for name, body in parts.items():
        root = re.search(rb"<(wsDr|chartSpace) [^>]*>", body)
        assert root is not None and b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"' in root[0], name


@pytest.mark.parametrize("where", ["rename", "write"])
def test_an_error_while_writing_names_the_output_not_its_temporary(tmp_path, monkeypatch, where):
    """A refused rename names both the temporary and the target; a full disk names nothing:
    either way the message names the output asked for."""
    target = tmp_path / "evaluation_2015.csv"
    if where == "rename":

        def refuse(src, dst, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied", src, None, dst)

        monkeypatch.setattr(os, "replace", refuse)
        with pytest.raises(OSError) as caught:
            write_text_atomic(target, "x")
    else:
        with pytest.raises(OSError) as caught, atomic_file(target):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert os_error_text(caught.value) == f"{target} : " + (
        "droits insuffisants : donnez à cess le droit d'écrire dans ce dossier, ou choisissez-en un autre"
        if where == "rename"
        else "plus de place sur le disque : libérez de la place, puis relancez"
    )


def test_a_message_never_names_a_hidden_working_folder():
    from cess_cli.outputs.atomic import public_path

    assert public_path("/srv/sorties/.cess-72ec27xf.tmp") == "/srv/sorties"
    assert public_path("/srv/sorties/.cess-72ec27xf.tmp/f") == "/srv/sorties"
    assert public_path("/srv/sorties/runs/.2016-03-01_093000_2.partial/batch.log") == "/srv/sorties/runs"
    assert public_path("/srv/sorties/.cess-batch.lock") == "/srv/sorties/.cess-batch.lock"  # not a temporary
    assert public_path("/srv/mes.notes.partial/x.xlsx") == "/srv/mes.notes.partial/x.xlsx"  # the user's own


def test_files_written_together_take_their_names_together(tmp_path):
    """`consolidate` writes a workbook and two CSVs, `rapport` an HTML and its PDF: a
    failure while writing any (here the last) leaves every previous file as it was, and no
    temporary behind (the hostile review of 30 November: a new workbook beside an old CSV)."""
    from cess_cli.outputs.atomic import atomic_paths

    targets = [tmp_path / "evaluation_2015.xlsx", tmp_path / "evaluation_2015.csv", tmp_path / "f.csv"]
    for t in targets:
        t.write_text("avant", encoding="utf-8")
    with pytest.raises(OSError), atomic_paths(targets) as tmp:
        tmp[0].write_text("après", encoding="utf-8")
        tmp[1].write_text("après", encoding="utf-8")
        raise OSError(28, "No space left on device")
    assert [t.read_text(encoding="utf-8") for t in targets] == ["avant"] * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(t.name for t in targets)
    with atomic_paths(targets) as tmp:
        for p in tmp:
            p.write_text("après", encoding="utf-8")
    assert [t.read_text(encoding="utf-8") for t in targets] == ["après"] * 3
