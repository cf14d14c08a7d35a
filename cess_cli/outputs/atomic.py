"""Every file cess writes goes through here: atomic, never through a link, never over a
file it did not create.

- A file is written in a private temporary folder (`.cess-XXXXXXXX.tmp/`, created with
  mode 0700 next to the target, so nobody else can plant a link in it), then moved into
  place with one `rename`: a reader sees the old file or the new one, never half of one.
- The move replaces the *name*, never writes through it: a symbolic link planted at the
  target is replaced by the file, its own target is never touched.
- `replace=False` (the operators' feedback, whose names derive from input names) never
  replaces an existing file: the file is published with `link`, which fails if the name
  is taken (`FileExistsError`), so an input that happens to bear a feedback name stays whole.
- Temporary names are short and fixed-length, so a target name up to the 255-byte limit
  still gets its temporary file.
- `os_error_text` says in French what an `OSError` means and what to do (full disk,
  read-only folder…), for the log, the manifest and the terminal.

README: *Untrusted workbooks*, *What a run leaves*.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import SizedBuffer

from cess_cli.french_errors import os_error_advice
from cess_cli.reading.files import display_name

TMP_PREFIX = ".cess-"
TMP_SUFFIX = ".tmp"
NAME_MAX = 255  # bytes, the limit of every file system cess runs on


def _atomic_path(target: Path, *, replace: bool = True) -> Iterator[Path]:
    """Yield a temporary path to write; on success it takes the name `target` at once.

    The target's folder is made if missing (with its parents). The temporary path lies in
    a private folder (mode 0700, named `.cess-….tmp`, so that `remove_stale_temporaries`
    finds it after a kill) created in the target's folder (the same file system, so the
    rename is atomic). What was written must be a regular file (a link or anything else
    is refused: `OSError` ELOOP, `NotRegularFile`, naming `target`); it is given mode 0644 and synced
    before it takes its name. With `replace=False` an existing `target` is never
    replaced: `FileExistsError` is raised instead. Raises `OSError` when the folder
    cannot be written (full disk, read-only, permissions, a name over 255 bytes); the
    temporary files are removed whatever happens."""
    if len(os.fsencode(target.name)) > NAME_MAX:
        raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        private = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=target.parent))
    except OSError as exc:  # a read-only folder: the error names the output asked for
        raise name_output(exc, target) from None
    tmp_path = private / "f"
    try:
        yield tmp_path
        fd = os.open(tmp_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise NotRegularFile(str(target))
            os.fchmod(fd, 0o644)
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp_path, target)
        else:
            publish_new(tmp_path, target)
    except OSError as exc:  # a link in its place (ELOOP), a full disk, a refused rename…
        if names_hidden(exc):  # …speak of the output asked for, never of its temporary
            name_output(exc, target)
        raise
    finally:
        shutil.rmtree(private, ignore_errors=True)


def name_output(exc: OSError, path: Path) -> OSError:
    """`exc`, now naming `path` (the output or folder the user asked for) in place of the
    hidden temporary it named; returned, so that it can be raised at once."""
    exc.filename, exc.filename2 = str(path), None
    return exc


def names_hidden(exc: OSError) -> bool:
    """Whether `exc` names a hidden working file of cess (or names none)."""
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    return not names or any(public_path(os.fsdecode(n)) != os.fsdecode(n) for n in names)


# cess's hidden working folders: the writers' private `.cess-XXXXXXXX.tmp` and the batch's
# `.2016-03-01_093000.partial` run folder, renamed once finished
_HIDDEN = re.compile(r"\.cess-[^/]*\.tmp|\.\d{4}-\d{2}-\d{2}_\d{6}(?:_\d+)?\.partial")


def public_path(name: str) -> str:
    """`name` as a message may show it: cut before cess's first hidden working folder (what
    lies there has no name yet the user knows), i.e. the folder the user asked cess to write
    into; `name` itself when it lies in none (README *What a run leaves*)."""
    parts = Path(name).parts
    for i, part in enumerate(parts):
        if _HIDDEN.fullmatch(part):
            return str(Path(*parts[:i])) if i else "."
    return name


def publish_new(tmp: Path, target: Path) -> None:
    """Give the finished file `tmp` the name `target` too, only if that name is free
    (`link` fails on an existing name, link or not: `FileExistsError`); where hard links
    are not supported, check then rename. `tmp` must be on the same file system."""
    try:
        # equivalent mutants (docs/mutation.md): follow_symlinks only concerns `tmp`, a regular file
        os.link(tmp, target, follow_symlinks=False)  # pragma: no mutate
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
        if os.path.lexists(target):
            # its strerror is never read (os_error_text words it from errno): equivalent mutants
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None  # pragma: no mutate
        os.rename(tmp, target)


# context managers made by a call rather than a decorator: mutation testing (scripts/mutation.sh)
# leaves decorated functions alone, and these two are what every write rests on
atomic_path = contextlib.contextmanager(_atomic_path)


def _atomic_paths(targets: list[Path]) -> Iterator[list[Path]]:
    """Yield a temporary path for each of `targets`, written together: none takes its name
    until every one is written, so that a failure while writing (a full disk, a file
    that cannot be made) leaves every previous output as it was, never a new workbook
    beside an old CSV. Each is then moved into place as `atomic_path` does, the last
    first; a move refused there (an immutable file) still stops the ones before it."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(atomic_path(target)) for target in targets]


atomic_paths = contextlib.contextmanager(_atomic_paths)


def _atomic_file(target: Path, *, replace: bool = True) -> Iterator[io.BufferedWriter]:
    """`atomic_path`, opened: yield a binary file created with `O_EXCL | O_NOFOLLOW`."""
    with atomic_path(target, replace=replace) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with open(fd, "wb") as fh:
            yield fh


atomic_file = contextlib.contextmanager(_atomic_file)


def remove_stale_temporaries(folder: Path, min_age: float = 3600.0) -> None:
    """Remove the private temporary folders that a writer killed outright (SIGKILL, power
    loss) left in `folder`, once they are `min_age` seconds old (a writer still at work
    in the same folder keeps its own)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            ours = entry.name.startswith(TMP_PREFIX) and entry.name.endswith(TMP_SUFFIX)
            if (
                ours
                and entry.is_dir(follow_symlinks=False)
                and now - entry.stat(follow_symlinks=False).st_mtime > min_age
            ):
                shutil.rmtree(entry.path, ignore_errors=True)


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a regular file, opened without following a link."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    with open(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise NotRegularFile(str(path))
        return hashlib.file_digest(fh, "sha256").hexdigest()


def write_text_atomic(target: Path, text: str, *, replace: bool = True) -> None:
    """Write UTF-8 text to `target` atomically (see `atomic_path`)."""
    with atomic_file(target, replace=replace) as fh:
        fh.write(text.encode("utf-8"))


FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


_DRAWING_NS = b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
_ROOT = re.compile(rb"<(wsDr|chartSpace) (xmlns=\"[^\"]+\")>")


def _root_drawing_namespace(data: bytes) -> bytes:
    """Declare DrawingML's `a:` namespace on the root of a drawing or chart part: openpyxl
    declares it on each element, which Gnumeric does not follow (it drops the charts)."""
    return _ROOT.sub(lambda m: b"<" + m[1] + b" " + m[2] + b" " + _DRAWING_NS + b">", data, count=1)


def save_workbook(wb: Any, target: Path) -> Path:
    """Save an openpyxl workbook atomically and reproducibly: the same content gives the
    same bytes (zip entry times and document dates are fixed; openpyxl stamps the time).
    Drawing and chart parts declare DrawingML's namespace on their root, so that Gnumeric
    reads the charts as LibreOffice and Excel do. openpyxl writes straight into an archive
    that applies this to each entry as it comes: each part is compressed once."""
    from openpyxl.writer.excel import ExcelWriter

    with atomic_file(target) as fh:
        archive = _ReproducibleZip(fh, "w")  # each entry deflated by its writestr
        try:
            ExcelWriter(wb, archive).save()  # closes the archive once everything is written
        finally:
            if archive.fp is not None:  # it failed half-way: the temporary file is dropped anyway
                with contextlib.suppress(Exception):
                    archive.close()
    return target


class _ReproducibleZip(zipfile.ZipFile):
    """The archive openpyxl writes a workbook into: every entry gets a fixed time and
    mode, the document's dates are fixed, drawings declare their namespace on the root."""

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: SizedBuffer | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        name = zinfo_or_arcname if isinstance(zinfo_or_arcname, str) else zinfo_or_arcname.filename
        body = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if name == "docProps/core.xml":
            body = _CORE_DATES.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", body)
        elif name.startswith(("xl/drawings/drawing", "xl/charts/chart")):
            body = _root_drawing_namespace(body)
        entry = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o644 << 16
        super().writestr(entry, body)

    def write(
        self,
        filename: str | os.PathLike[str],
        arcname: str | os.PathLike[str] | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """openpyxl writes each worksheet to a temporary file first: its bytes, as an entry."""
        with open(filename, "rb") as fh:
            self.writestr(os.fspath(arcname) if arcname else os.path.basename(filename), fh.read())


class NotRegularFile(OSError):
    """What cess refuses to read or write through: not a regular file (a pipe, a device).
    `errno` EINVAL; its `strerror` is already the French words `os_error_text` gives."""

    def __init__(self, filename: str) -> None:
        super().__init__(
            errno.EINVAL,
            "ce n'est pas un fichier ordinaire (un tube, un périphérique…) : cess ne le lit ni n'y écrit",
            filename,
        )


def os_error_text(exc: OSError) -> str:
    """What an OSError means, in French, with the file it concerns and what to do."""
    what = str(exc.strerror) if isinstance(exc, NotRegularFile) else os_error_advice(exc)
    name = exc.filename
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if name is None:
        return what
    return f"{display_name(public_path(name))} : {what}"
