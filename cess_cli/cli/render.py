"""Render reports for people (rich tables) and machines (JSON).

Text coming from workbooks is untrusted: control characters are stripped and
rich markup is never interpreted (cells are `Text` objects, not markup strings).
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any, TextIO

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from cess_cli.findings import FileResult, Report, Severity
from cess_cli.wording import count

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean(text: Any) -> str:
    """Text safe for a terminal or a log: no control characters, no escapes."""
    return _CONTROL.sub("", str(text)).replace("\t", " ")


def report_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


# At this width and above, on a terminal, findings are a table; narrower, or in a pipe or
# a log, each finding is a short list entry with its message on its own line(s).
TABLE_MIN_WIDTH = 120


def print_report(console: Console, report: Report, *, strict: bool = False) -> None:
    """Print a report for people: per file, its findings (severity, sheet!cell, code, message,
    hint), then the totals. A table on a terminal of `TABLE_MIN_WIDTH` columns or more;
    otherwise a list whose messages are never squeezed (wrapped at words on a terminal,
    one line each in a pipe or a log). Codes and addresses are never cut."""
    for result in report.files:
        print_file(console, result)
    print_totals(console, report, strict=strict)


def print_totals(console: Console, report: Report, *, strict: bool = False) -> None:
    """The last line: files and findings counted apart."""
    valid = sum(r.valid and (not strict or r.warnings == 0) for r in report.files)
    ignored = sum(r.ignored for r in report.files)
    console.print(
        Text(
            f"{count(len(report.files), 'fichier')} : {count(valid, 'valide')}, "
            + f"{count(len(report.files) - valid - ignored, 'invalide')}"
            + (f", {count(ignored, 'ignoré')}" if ignored else "")
            + f" ; {count(report.errors, 'erreur')}, {count(report.warnings, 'avertissement')}"
            + (" — mode strict : les avertissements comptent comme des erreurs." if strict else "."),
            style="bold",
        ),
        soft_wrap=not console.is_terminal,
    )


def print_file(console: Console, result: FileResult) -> None:
    """One file's lines, printed at once (`cess validate` prints each file as it is read).
    In a pipe or a log, where nothing is styled or wrapped, the lines are written as plain
    text, without the terminal renderer: the same text, at a fraction of the cost."""
    if not console.is_terminal:
        console.file.write("".join(line + "\n" for line in _plain_lines(result)))
        return
    _print_styled(console, result, table=console.width >= TABLE_MIN_WIDTH)


def _plain_lines(result: FileResult) -> list[str]:
    """What a terminal shows, as plain lines (no style, one line per line of text)."""
    name = clean(result.file)
    if not result.findings:
        return [f"✔ {name} : aucun problème."]
    if result.ignored:
        return [f"– {name} : {clean(result.findings[0].message)}"]
    mark = "✘ " if not result.valid else "! "
    lines = [f"{mark}{name} : {count(result.errors, 'erreur')}, {count(result.warnings, 'avertissement')}"]
    for f in result.findings:
        lines.append(f"  {f.severity}  {clean(f.location) or '—'}  {f.code}")
        lines.append("    " + clean(f.message))
        if f.hint:
            lines.append("    → " + clean(f.hint))
    return lines


def _print_styled(console: Console, result: FileResult, *, table: bool) -> None:
    name = clean(result.file)
    if not result.findings:
        console.print(Text.assemble(("✔ ", "green"), (name, "bold"), " : aucun problème."), soft_wrap=False)
        return
    if result.ignored:
        line = Text.assemble(("– ", "dim"), (name, "bold"), " : ", clean(result.findings[0].message))
        console.print(line, soft_wrap=False)
        return
    mark, style = ("✘ ", "red") if not result.valid else ("! ", "yellow")
    console.print(
        Text.assemble(
            (mark, style),
            (name, "bold"),
            f" : {count(result.errors, 'erreur')}, {count(result.warnings, 'avertissement')}",
        ),
        soft_wrap=False,
    )
    if table:
        console.print(_findings_table(result))
        return
    for f in result.findings:
        sev_style = "red" if f.severity is Severity.ERREUR else "yellow"
        head = Text.assemble("  ", (str(f.severity), sev_style), "  ", clean(f.location) or "—", "  ", (f.code, "dim"))
        console.print(head, soft_wrap=False)  # wrapped at spaces only: the code stays whole
        console.print(Padding(Text(clean(f.message)), (0, 0, 0, 4)), soft_wrap=False)
        if f.hint:
            console.print(Padding(Text("→ " + clean(f.hint), style="dim"), (0, 0, 0, 4)), soft_wrap=False)


class JsonStream:
    """`Report.to_dict()` as JSON (indented by 2, as `report_json` writes it), written one
    file at a time as results arrive; `end` adds the summary. Each value goes through
    `json.dumps`; only the document's frame is written here."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.first = True

    def file(self, result: FileResult) -> None:
        body = json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
        self.out.write(('{\n  "fichiers": [\n' if self.first else ",\n") + textwrap.indent(body, "    "))
        self.first = False

    def end(self, report: Report) -> None:
        summary = json.dumps({"resume": report.to_dict()["resume"]}, ensure_ascii=False, indent=2)
        head = '{\n  "fichiers": [],\n' if self.first else "\n  ],\n"
        self.out.write(head + summary[2:] + "\n")


def _findings_table(result: FileResult) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False)
    table.add_column("Gravité", no_wrap=True)
    table.add_column("Emplacement", no_wrap=True)
    table.add_column("Code", no_wrap=True)
    table.add_column("Message", min_width=50)
    for f in result.findings:
        sev_style = "red" if f.severity is Severity.ERREUR else "yellow"
        message = Text(clean(f.message))
        if f.hint:
            message.append("\n→ " + clean(f.hint), style="dim")
        table.add_row(
            Text(str(f.severity), style=sev_style),
            Text(clean(f.location) or "—"),
            Text(f.code),
            message,
        )
    return table
