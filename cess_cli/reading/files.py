"""Which files a run reads: the files named, and the spreadsheet files found in folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path


def iter_bilan_files(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> Iterator[tuple[Path, str]]:
    """Files named on the command line, and the spreadsheet files found in folders.

    Folders are walked without following symbolic links; inside a folder, every
    entry whose name looks like a spreadsheet is yielded, even a link or a FIFO,
    so the validator can report it instead of silently skipping it. Hidden folders,
    Office lock files and the `exclude` folders (cess's own output folder, when it
    lies inside the bilans folder) are not walked.
    """
    suffixes = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
    skip = {p.resolve() for p in exclude}
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            found = []
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (Path(root) / d).resolve() not in skip)
                for name in [*files, *dirs]:
                    if name.lower().endswith(suffixes) and not name.startswith(("~$", ".~lock")):
                        found.append(Path(root) / name)
            for f in sorted(found):
                yield f, str(f)
        else:
            yield path, str(path)
