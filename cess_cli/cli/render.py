"""Render reports for people (rich tables) and machines (JSON).

Text coming from workbooks is untrusted: control characters are stripped and
rich markup is never interpreted (cells are `Text` objects, not markup strings).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cess_cli.findings import FileResult, Report, Severity

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean(text: Any) -> str:
    """Text safe for a terminal or a log: no control characters, no escapes."""
    return _CONTROL.sub("", str(text)).replace("\t", " ")


def report_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


def print_report(console: Console, report: Report, *, strict: bool = False) -> None:
    for result in report.files:
        _print_file(console, result)
    valid = sum(r.valid and (not strict or r.warnings == 0) for r in report.files)
    console.print(
        Text(
            f"{len(report.files)} fichier(s) : {valid} valide(s), "
            f"{report.errors} erreur(s), {report.warnings} avertissement(s)"
            + (" — mode strict : les avertissements comptent comme des erreurs." if strict else "."),
            style="bold",
        )
    )


def _print_file(console: Console, result: FileResult) -> None:
    name = clean(result.file)
    if not result.findings:
        console.print(Text.assemble(("✔ ", "green"), (name, "bold"), " : aucun problème."))
        return
    mark, style = ("✘ ", "red") if not result.valid else ("! ", "yellow")
    console.print(
        Text.assemble(
            (mark, style),
            (name, "bold"),
            f" : {result.errors} erreur(s), {result.warnings} avertissement(s)",
        )
    )
    table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False)
    table.add_column("Gravité", no_wrap=True)
    table.add_column("Emplacement", no_wrap=True)
    table.add_column("Code", no_wrap=True)
    table.add_column("Message")
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
    console.print(table)
