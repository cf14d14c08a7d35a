"""The `cess` typer app: the commands, each a thin wrapper over a library call.

`cli/` is the only package that imports typer. Each command lives in its own module
(validate, template, consolidate and status, batch, schemas); `common.py` holds what
they share (exit codes, options, the one exception guard).
"""

from __future__ import annotations

from typing import Annotated

import typer

from cess_cli import __version__
from cess_cli.cli.batch import batch
from cess_cli.cli.common import out, state
from cess_cli.cli.consolidate import consolidate, status
from cess_cli.cli.schemas import schemas_app
from cess_cli.cli.template import template
from cess_cli.cli.validate import validate

app = typer.Typer(
    name="cess",
    help=(
        "Suivi du contrat économique sectoriel ESS Rhône-Alpes 2014-2016 : modèles de bilan, "
        "validation des bilans des porteurs, consolidation pour le comité de pilotage."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
for command in (validate, template, consolidate, status, batch):
    app.command()(command)
app.add_typer(schemas_app, name="schemas")


def _version(value: bool) -> None:
    if value:
        out.print(f"cess {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Afficher la trace complète d'une erreur interne.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Afficher la version et quitter."),
    ] = False,
) -> None:
    state["debug"] = debug


def main() -> None:
    """The `cess` console script."""
    app()
