"""The output folder of the unattended run (SPEC §8, README *cess batch*): one run at a
time, and run folders that cess itself made.

- one run at a time: an exclusive POSIX lock (`lockf`) on `<out>/.cess-batch.lock`,
  opened without following a link; a lock that is not a regular file of its own is
  refused; the kernel drops the lock when a run dies, so a crashed run's lock is recovered;
- `<out>/runs` must be a folder and `<out>/latest` the link cess made (`check_run_folders`),
  before a run starts and again before `latest` is moved.

`cess_cli.batch` imports this module (and re-exports its public names); it imports
nothing of `cess_cli.batch`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from cess_cli.findings import CessError
from cess_cli.outputs.atomic import os_error_text
from cess_cli.reading.files import display_name, one_line

LOCK_NAME = ".cess-batch.lock"
Log = Callable[[str], None]  # one French line of the run's log


class BatchLocked(CessError):
    """Another batch holds the lock."""


class BatchFailed(CessError):
    """The run could not be completed (disk full, folder read-only, tampered run folders):
    nothing of it was published; the message says what to do."""


def _batch_lock(out: Path, log: Log) -> Iterator[None]:
    """Hold the run lock `<out>/.cess-batch.lock` (BatchLocked when another run holds it;
    CessError when the lock is a link or not a regular file of its own)."""
    _make_out(out)
    path = out / LOCK_NAME
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CessError(_not_ours(path, "un lien symbolique")) from None
        raise CessError(f"Verrou impossible à créer : {os_error_text(exc)}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            what = "un fichier spécial (un tube, un périphérique…)" if st.st_nlink == 1 else "un lien physique"
            raise CessError(_not_ours(path, what))
        try:
            # a POSIX record lock: held by this process only (worker processes forked later
            # do not inherit it) and dropped by the kernel when the process dies
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _lock_text(fd) or "inconnue"
            raise BatchLocked(
                f"Un autre « cess batch » est déjà en cours sur {display_name(out)} ({one_line(holder)}). "
                "Attendez qu'il se termine."
            ) from None
        previous = _lock_text(fd)
        if previous:
            log(f"Verrou laissé par une exécution interrompue ({previous}) : repris.")
        _write_lock(fd, f"pid {os.getpid()}, démarré le {datetime.now():%d/%m/%Y à %H:%M:%S}")
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the lock


batch_lock = contextlib.contextmanager(_batch_lock)  # not a decorator: mutation testing skips decorated functions


# pragma: no mutate start (the lock's text, a message: outside the publication, scripts/mutation.sh)
def _lock_text(fd: int) -> str:
    """What the lock says of its holder (« pid 123, démarré le … »), or "" when it is empty."""
    return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()


def _write_lock(fd: int, text: str) -> None:
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode(), 0)
        os.fsync(fd)
    except OSError as exc:
        raise BatchFailed(f"Verrou impossible à écrire : {os_error_text(exc)}") from None


def _not_ours(path: Path, what: str) -> str:
    return (
        f"{display_name(path)} est {what}, pas le verrou de cess : cess n'écrit jamais à travers un lien "
        "ni dans un fichier qu'il n'a pas créé. Supprimez-le, puis relancez."
    )


# pragma: no mutate end
def _make_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CessError(
            f"Le dossier de sortie {display_name(out)} est un fichier : choisissez un dossier "
            "(option --out ou clé « sortie » de cess.toml)."
        ) from None
    except OSError as exc:
        raise BatchFailed(f"Dossier de sortie impossible à créer : {os_error_text(exc)}") from None


def check_run_folders(out: Path) -> None:
    """Refuse tampered run folders before the run starts: `runs` must be a folder (not a
    link, not a file) and `latest` the link cess made (not a folder, not a file)."""
    runs, latest = out / "runs", out / "latest"
    with contextlib.suppress(FileNotFoundError):
        st = os.lstat(runs)
        if not stat.S_ISDIR(st.st_mode):
            raise CessError(
                f"{display_name(runs)} n'est pas un dossier (c'est un fichier ou un lien) : cess y range ses "
                "exécutions. Déplacez-le ou supprimez-le, puis relancez."
            )
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISLNK(os.lstat(latest).st_mode):
            raise CessError(
                f"{display_name(latest)} n'est pas le lien posé par cess (c'est un dossier ou un fichier) : "
                "déplacez-le ou supprimez-le, puis relancez ; les exécutions précédentes restent dans runs/."
            )
