"""Which files a run reads: the files named, and every entry found in folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

_SPREADSHEET = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")


def iter_bilan_files(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> Iterator[tuple[Path, str]]:
    """Files named on the command line, and every entry found in folders.

    Folders are walked without following symbolic links. No entry is skipped silently:
    every file is yielded, whatever its name (a PDF, a Word document, an `.xlsb`, a lock
    file), and so are the entries that are not walked (a symbolic link, a hidden
    folder, a folder named like a workbook), so the reader can list each one as read, refused or ignored with its
    reason. Only the `exclude` folders (cess's own output folder, when it lies inside the
    bilans folder) are left out.
    """
    skip = {p.resolve() for p in exclude}
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            found: list[Path] = []
            for root, dirs, files in os.walk(path, followlinks=False):
                walked = []
                for d in dirs:
                    full = Path(root) / d
                    if full.resolve() in skip:
                        continue
                    if d.startswith(".") or full.is_symlink() or d.lower().endswith(_SPREADSHEET):
                        found.append(full)  # listed (ignored, with its reason), never walked
                    else:
                        walked.append(d)
                dirs[:] = sorted(walked)
                found += [Path(root) / name for name in files]
            for f in sorted(found):
                yield f, str(f)
        else:
            yield path, str(path)
