"""French for what click and typer print themselves: help headings, usage errors.

click and typer pass every message they print through the standard `gettext` functions,
each module binding them at import (`from gettext import gettext as _`). cess ships a
French catalogue (`locale/fr/LC_MESSAGES/cess.po`, compiled to `cess.mo`) and binds
those module names to it, whatever the locale of the machine (cron often runs with
`LANG=C`). typer's rich help strings computed at import are recomputed the same way
when typer has loaded them (cess's help is plain: `rich_markup_mode=None`).

Unknown commands and options are re-worded with guillemets around the name and the
nearest valid one (click's own messages quote them with `'...'`), through the same
catalogue.
"""

from __future__ import annotations

import gettext
import importlib
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
from typer.core import TyperCommand, TyperGroup

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "cess"

# Modules of click and typer that bind gettext names at import; imported here so that a
# module loaded later (shell completion, prompts) is bound too.
_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.shell_completion",
    "click.termui",
    "click.types",
    "click.utils",
    "click._termui_impl",
    "typer.core",
    "typer.main",
)
# typer.rich_utils computes these at import: name -> the English message.
_RICH_CONSTANTS = {
    "DEPRECATED_STRING": "(deprecated) ",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}

french = gettext.translation(DOMAIN, LOCALE_DIR, languages=["fr"])


def install_french() -> None:
    """Bind click's and typer's gettext names to the French catalogue (idempotent).

    Raises `OSError` only if the catalogue is missing from the installed package."""
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a module an older or newer version does not have
            continue
        if getattr(module, "_", None) in (gettext.gettext, french.gettext):
            module._ = french.gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) in (gettext.ngettext, french.ngettext):
            module.ngettext = french.ngettext  # type: ignore[attr-defined]
    # typer loads its rich help and errors (and rich.markdown, 60 ms) only for a rich markup
    # mode, which cess does not use: bound here only if something loaded them already.
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is not None:
        rich_utils._ = french.gettext  # type: ignore[attr-defined]
        for constant, message in _RICH_CONSTANTS.items():
            if hasattr(rich_utils, constant):
                setattr(rich_utils, constant, french.gettext(message))


def unknown_name(kind: str, name: str, possibilities: Iterable[str] | None) -> str:
    """« Commande inconnue « valdiate ». Vouliez-vous dire « validate » ? »

    `kind` is `command` or `option`; the nearest names are click's (difflib)."""
    msgid = "No such command {name!r}." if kind == "command" else "No such option {name!r}."
    message = french.gettext(msgid).format(name=name)
    near = sorted(possibilities or [])
    if near:
        shown = ", ".join(f"« {p} »" for p in near)
        suggestion = french.ngettext(
            "Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", len(near)
        )
        message += " " + suggestion.format(possibility=shown, possibilities=shown)
    return message


class _FrenchNames:
    """Unknown options (and, for a group, unknown commands) named with guillemets."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        except click.NoSuchOption as exc:
            raise click.UsageError(unknown_name("option", exc.option_name, exc.possibilities), ctx) from None


class FrenchCommand(_FrenchNames, TyperCommand):
    """A typer command whose unknown options are reported in French."""


class FrenchGroup(_FrenchNames, TyperGroup):
    """A typer group whose unknown commands and options are reported in French."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click.NoSuchCommand as exc:
            raise click.UsageError(unknown_name("command", exc.command_name, exc.possibilities), ctx) from None
