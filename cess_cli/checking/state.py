"""The state of one file's check: its findings so far, and where each value came from.

The reader keeps each value's cell address next to it (`FileCheck.addr`, keyed by the
pydantic location of the value), so positions survive pydantic validation.
"""

from __future__ import annotations

from typing import Any

from cess_cli.catalogue import make
from cess_cli.findings import FileResult
from cess_cli.reading import cells
from cess_cli.reading.workbook import Book
from cess_cli.referential.loading import Referential

Loc = tuple[Any, ...]


class FileCheck:
    """State of one file's validation."""

    def __init__(self, display: str, ref: Referential) -> None:
        self.display = display
        self.ref = ref
        self.result = FileResult(display)
        self.addr: dict[Loc, tuple[str, str | None]] = {}
        self.reported: set[Loc] = set()
        self.typed: dict[Loc, str] = {}  # text as the operator typed it, where the reader normalised it
        self.sheet_names: dict[str, str] = {}  # sheet key (`indicateurs`…) -> its name in this workbook
        self.book: Book | None = None
        # (sheet, cell) of a value merged over several rows: its one finding is given, it is never read
        self.merged: set[tuple[str, str]] = set()

    def add(self, code: str, sheet: str | None, cell: str | None, **kw: Any) -> None:
        self.result.findings.append(make(code, self.display, sheet, cell, **kw))

    def parsed(self, loc: Loc, parsed: cells.Parsed, sheet: str, cell: str | None) -> Any:
        """Record where a value came from and a parser's warning or error; return the
        usable value (or None: then the value's absence is already reported)."""
        value, code, fields = parsed
        self.addr[loc] = (sheet, cell)
        if self.merged and (sheet, cell) in self.merged:
            self.reported.add(loc)
            return None
        if code is not None:
            self.add(code, sheet, cell, **fields)
            if value is None:
                self.reported.add(loc)
        return value

    def value(self, parsed: cells.Parsed, sheet: str, cell: str | None) -> Any:
        """A parser's warning or error for a cell that is no field of the model (a key,
        a code looked up by hand); return the usable value (or None)."""
        value, code, fields = parsed
        if self.merged and (sheet, cell) in self.merged:
            return None
        if code is not None:
            self.add(code, sheet, cell, **fields)
        return value
