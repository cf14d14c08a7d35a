"""The `cess` typer app: the commands, each a thin wrapper over a library call.

`cli/` is the only package that imports typer. Each command lives in its own module
(validate, template, consolidate and status, batch, schemas); `common.py` holds what
they share (exit codes, options, the one exception guard).
"""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from cess_cli import __version__
from cess_cli.cli.batch import batch
from cess_cli.cli.common import out, state
from cess_cli.cli.consolidate import consolidate, status
from cess_cli.cli.french import FrenchCommand, FrenchGroup, install_french
from cess_cli.cli.pipe import protect_stdout
from cess_cli.cli.rapport import rapport
from cess_cli.cli.schemas import schemas_app
from cess_cli.cli.template import template
from cess_cli.cli.validate import validate

install_french()  # click's and typer's own messages (usage errors, headings) in French

app = typer.Typer(
    name="cess",
    help=(
        "Suivi du contrat économique sectoriel ESS Rhône-Alpes 2014-2016 : modèles de bilan, "
        "validation des bilans des porteurs, consolidation pour le comité de pilotage.\n\n"
        "Aide d'une commande : cess COMMANDE --help (par exemple cess validate --help)."
    ),
    cls=FrenchGroup,
    subcommand_metavar="COMMANDE [ARGUMENTS]...",
    suggest_commands=False,  # click suggests, in French (cli/french.py)
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# The one-line summaries of `cess --help` (click would cut the first sentence at 45 characters).
for command, summary in (
    (validate, "Vérifier des bilans : quoi corriger, où."),
    (template, "Écrire un modèle de bilan vierge."),
    (consolidate, "Consolider : classeur du COPIL et CSV."),
    (status, "Complétude des bilans d'une année."),
    (rapport, "Rapport du COPIL : HTML et PDF."),
    (batch, "Exécution complète sans surveillance (cron)."),
):
    app.command(cls=FrenchCommand, short_help=summary)(command)
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


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (systemd, kill) ends a run like Ctrl-C: cleanly


def main() -> None:
    """The `cess` console script. SIGTERM is handled like Ctrl-C: workers stopped, partial
    outputs removed, lock released."""
    signal.signal(signal.SIGTERM, _terminate)
    protect_stdout()  # `cess validate … | head`: the rest of the output dropped, the run finished
    app()
