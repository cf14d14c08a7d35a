"""Standard output read by a pipe that closes early (`cess validate bilans/ | head -3`).

The reader has what it wanted: the rest of the output is dropped, silently, and the
command goes on to its end (outputs written, the exit code the run deserves). Without
this, the first line written after `head` has gone raises `BrokenPipeError`, which would
end the run half-way with a false « erreur du système ».
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, TextIO


class PipeSafe:
    """A text stream that passes everything on to `stream` until the reader of the pipe has
    gone, then drops what is written: file descriptor 1 is pointed at the null device, so
    that the interpreter's last flush at exit does not complain either."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._gone = False

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                return self._stream.write(text)
            except OSError as exc:
                self._closed_pipe(exc)
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except OSError as exc:
                self._closed_pipe(exc)

    def _closed_pipe(self, exc: OSError) -> None:
        if exc.errno not in (errno.EPIPE, errno.EINVAL):  # EINVAL: Windows' form of a closed pipe
            raise exc
        self._gone = True
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)
        except (OSError, ValueError):  # no descriptor (a test's stream): dropping is enough
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def protect_stdout() -> None:
    """Make `sys.stdout` a `PipeSafe` (once): called by the console script before any output."""
    if not isinstance(sys.stdout, PipeSafe) and sys.stdout is not None:
        sys.stdout = PipeSafe(sys.stdout)
