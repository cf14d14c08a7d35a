"""Which files a run reads: the files named, and every entry found in folders.

Names are data, never structure: a file name can hold bytes that are not UTF-8 (an
archive unzipped from Windows), a line feed, or invisible direction marks. Every name
cess shows or writes goes through `display_name`, which escapes them (`\\xe9`, `\\x0a`),
so that one file is always one line of a log and valid UTF-8 in every output.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from cess_cli.findings import CessError
from cess_cli.french_errors import os_error_message

_T = TypeVar("_T")
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")  # a name that claims a workbook
MAX_DEPTH = 32  # sub-folder levels walked under a bilans folder

_INVISIBLE = re.compile(  # control characters (Cc) and every format character (Cf: soft hyphen,
    # bidi marks, zero-width spaces, tags…) and line/paragraph separators of Unicode 15
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)


def display_name(path: str | os.PathLike[str] | bytes) -> str:
    """A file name as cess shows and writes it: valid UTF-8, on one line, unambiguous.

    Bytes that are not UTF-8 become `\\xe9`, control and invisible characters `\\x0a` or
    `\\u202e`, and a backslash is doubled, so two different names never look alike."""
    raw = os.fsencode(path).replace(b"\\", b"\\\\")
    text = raw.decode("utf-8", "backslashreplace")
    return _INVISIBLE.sub(lambda m: _escape(m.group()), text)


def one_line(text: str) -> str:
    """Text for a log line or a terminal: control and invisible characters escaped
    (`\\x0a`), so a message is always one line and shows what it holds."""
    return _INVISIBLE.sub(lambda m: _escape(m.group()), text)


def _escape(ch: str) -> str:
    n = ord(ch)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


@dataclass
class Scan:
    """What a walk found: the files to read (path, name shown) and the folders it could
    not read (path, name shown, French reason). README *Untrusted workbooks*."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    unreadable: list[tuple[Path, str, str]] = field(default_factory=list)


def scan_bilan_files(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> Scan:
    """Files named on the command line, and every entry found in folders.

    A folder named by the user is followed even when it is a symbolic link; inside it,
    links are never followed. No entry is skipped silently: every file is listed,
    whatever its name (a PDF, an `.xlsb`, a lock file), and so are the entries that are
    not walked (a symbolic link, a hidden folder, a folder named like a workbook), so the
    reader can list each one as read, refused or ignored with its reason. Only the
    `exclude` folders (cess's own output folder, recognised by identity, not by name)
    are left out; a folder that cannot be read (permissions, deeper than `MAX_DEPTH`, a
    name too long) is in `Scan.unreadable`, never skipped in silence.

    A file reached twice (named twice, named and found in a folder named too, found
    through a folder and a link to it) is listed once, under the name it was first
    reached by: it is the same file (same device and inode, the link itself for a link)."""
    skip = {key for p in exclude if (key := _identity(p)) is not None}
    scan = Scan()
    for path in paths:
        if path.is_dir():  # follows a link named by the user, once
            found: list[Path] = []
            _walk(path, skip, found, scan)
            scan.files += [(f, display_name(f)) for f in sorted(found)]
        else:
            scan.files.append((path, display_name(path)))
    scan.files = _once(scan.files, lambda entry: _same_file(entry[0]))
    scan.unreadable = _once(scan.unreadable, lambda entry: _same_file(entry[0]))
    return scan


def _once(entries: list[_T], key: Callable[[_T], object]) -> list[_T]:
    """`entries` without the later ones whose key was already seen, in order."""
    seen: set[object] = set()
    kept = []
    for entry in entries:
        k = key(entry)
        if k not in seen:
            seen.add(k)
            kept.append(entry)
    return kept


def _same_file(path: Path) -> object:
    """What makes two paths one file: its device and inode (a link's own, never followed);
    where it cannot be read, its absolute path with `..` and links of its folder resolved."""
    try:
        st = os.lstat(path)
    except OSError:
        return os.path.join(os.path.realpath(path.parent), path.name)
    return st.st_dev, st.st_ino


def iter_bilan_files(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> Iterator[tuple[Path, str]]:
    """The files of `scan_bilan_files` (path, name shown), without the unreadable folders."""
    yield from scan_bilan_files(paths, exclude).files


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _walk(top: Path, skip: set[tuple[int, int]], found: list[Path], scan: Scan) -> None:
    """Walk `top` without recursion (no depth can exhaust the stack) and without links."""
    stack = [(top, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            scan.unreadable.append((folder, display_name(folder), os_reason(exc)))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                key = _key(entry.stat(follow_symlinks=False)) if is_dir else None
            except OSError as exc:
                scan.unreadable.append((path, display_name(path), os_reason(exc)))
                continue
            if key in skip:
                continue
            if not is_dir or entry.name.startswith(".") or entry.name.lower().endswith(SPREADSHEET_SUFFIXES):
                found.append(path)  # a file, or an entry listed (ignored, with its reason), never walked
            elif depth + 1 > MAX_DEPTH:
                why = f"plus de {MAX_DEPTH} niveaux de sous-dossiers, non parcouru"
                scan.unreadable.append((path, display_name(path), why))
            else:
                stack.append((path, depth + 1))


def _key(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def os_reason(exc: OSError) -> str:
    """What an `OSError` met while reading a file or a folder means, in French words
    (« permission refusée », « disparu pendant la lecture »; else `os_error_message`'s)."""
    reasons = {
        errno.EACCES: "permission refusée",
        errno.EPERM: "permission refusée",
        errno.ENAMETOOLONG: "chemin trop long",
        errno.ELOOP: "trop de liens symboliques",
        errno.ENOENT: "disparu pendant la lecture",
    }
    return reasons.get(exc.errno or 0) or os_error_message(exc)


def check_not_read_back(bilans: Path, out: Path, written: Iterable[Path]) -> None:
    """Refuse (CessError, exit 2) a bilans folder that is the output folder or lies in a
    folder cess writes into (`written`, e.g. `<out>/runs`): cess would read back its own
    workbooks and feedback as bilans. An output folder *inside* the bilans folder is
    fine: it is excluded from the walk (`scan_bilan_files(exclude=[out])`)."""
    real = os.path.realpath(bilans)
    inside = [os.path.realpath(w).rstrip(os.sep) + os.sep for w in written]
    if real == os.path.realpath(out) or any((real + os.sep).startswith(w) for w in inside):
        raise CessError(
            f"Le dossier des bilans ({display_name(bilans)}) est le dossier de sortie ou se trouve dans les "
            f"sorties de cess ({display_name(out)}) : cess y relirait ses propres classeurs et retours comme "
            "des bilans. Choisissez un dossier de sortie distinct (option --out ou clé « sortie » de cess.toml)."
        )


def check_not_in_bilans(bilans: Path, written: Path, excluded: Path) -> None:
    """Refuse (CessError, exit 2) writing feedback into the bilans folder (or below it),
    except inside `excluded` (the output folder, which runs leave out of their walk): the
    next consolidation would read each annotated copy as a bilan in conflict with its
    original."""
    real = os.path.realpath(written) + os.sep
    if real.startswith(os.path.realpath(bilans).rstrip(os.sep) + os.sep) and not real.startswith(
        os.path.realpath(excluded).rstrip(os.sep) + os.sep
    ):
        raise CessError(
            f"Le dossier des retours ({display_name(written)}) est dans le dossier des bilans "
            f"({display_name(bilans)}) : la prochaine consolidation y lirait chaque copie annotée comme un bilan "
            "en conflit avec son original. Choisissez un dossier de retours hors du dossier des bilans."
        )
