"""What every command shares: exit codes, consoles, common options, the one place where
exceptions become French messages, and the configuration and referential loaders.

Heavy modules (pandas, openpyxl, pydantic models) are imported inside the functions
so that `cess --help` stays fast; their types are imported for the type checker only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from cess_cli.config import Config
    from cess_cli.consolidation.sources import Collection
    from cess_cli.referential.loading import Referential


class Exit(IntEnum):
    """Exit codes (SPEC §7), applied here and nowhere else in the library."""

    OK = 0
    FINDINGS = 1  # at least one erreur (or avertissement with --strict), a bilan missing
    USAGE = 2  # usage or configuration error


# no markup: a path or a name holding « [bold] » prints as it is (styles are given as Text)
out = Console(highlight=False, soft_wrap=True, markup=False)  # lines whole in a pipe or a log; tables fit
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)  # a message is one line in a log


def shown(path: object) -> str:
    """A path as a terminal line shows it: on one line, its invisible and control
    characters escaped (`reading.files.display_name`)."""
    from cess_cli.reading.files import display_name

    return display_name(str(path))


state = {"debug": False}

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Fichier de configuration (défaut : cess.toml du dossier courant).", metavar="FICHIER"
    ),
]
SchemasOpt = Annotated[
    Path | None,
    typer.Option(
        "--schemas",
        help="Dossier du référentiel (défaut : celui de cess.toml, sinon celui livré avec cess).",
        metavar="DOSSIER",
    ),
]
BilansOpt = Annotated[
    Path | None,
    typer.Option("--bilans", help="Dossier des bilans reçus (défaut : celui de cess.toml).", metavar="DOSSIER"),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Dossier de sortie (défaut : celui de cess.toml, sinon out/).", metavar="DOSSIER"),
]


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """The one place where exceptions become French messages and exit codes."""
    from cess_cli.findings import CessError

    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except CessError as exc:
        err.print(Text(f"Erreur : {exc}", style="red"))
        raise typer.Exit(Exit.USAGE) from None
    except KeyboardInterrupt:
        err.print(Text("Interrompu.", style="red"))
        raise typer.Exit(130) from None
    except OSError as exc:  # a full disk, a read-only folder: say what to do, not a traceback
        if state["debug"]:
            raise
        from cess_cli.outputs.atomic import os_error_text

        err.print(Text(f"Erreur : {os_error_text(exc)}.", style="red"))
        raise typer.Exit(Exit.USAGE) from None
    except Exception as exc:
        if state["debug"]:
            raise
        err.print(
            Text(
                f"Erreur interne inattendue ({type(exc).__name__} : {exc}). "
                "Relancez avec --debug pour le détail et signalez-la.",
                style="red",
            )
        )
        raise typer.Exit(Exit.USAGE) from None


def load_config(
    config: Path | None, schemas: Path | None = None, *, bilans: Path | None = None, sortie: Path | None = None
) -> Config:
    """The configuration: flag > cess.toml > defaults (config.resolve)."""
    from cess_cli.config import resolve

    return resolve(config, referentiel=schemas, bilans=bilans, sortie=sortie)


def load_referential(cfg: Config) -> Referential:
    """The referential the configuration names, deadlines overridden if asked."""
    from cess_cli.config import load_configured_referential

    return load_configured_referential(cfg)


def config_and_referential(config: Path | None, schemas: Path | None) -> tuple[Config, Referential]:
    cfg = load_config(config, schemas)
    return cfg, load_referential(cfg)


def period_years(text: str, ref: Referential) -> list[int]:
    """`2015` -> [2015]; `2014-2016` -> [2014, 2015, 2016]; CessError (exit 2) otherwise."""
    from cess_cli.findings import CessError

    try:
        if "-" in text:
            first, last = (int(p) for p in text.split("-", 1))
        else:
            first = last = int(text)
    except ValueError:
        raise CessError(
            f"Période « {text} » illisible : écrivez une année (2015) ou une période (2014-2016)."
        ) from None
    if first > last and first in ref.periode and last in ref.periode:
        raise CessError(f"Période « {text} » à l'envers : écrivez la première année d'abord ({last}-{first}).")
    years = list(range(first, last + 1))
    outside = [y for y in years if y not in ref.periode]
    if not years or outside:
        raise CessError(f"Période « {text} » hors du contrat ({ref.periode[0]}-{ref.periode[-1]}).")
    return years


def action_code(typed: str, ref: Referential) -> str:
    """The action code the user meant: exact, or equal once case and accents are set aside;
    CessError (exit 2) naming what was typed and the nearest code otherwise."""
    from cess_cli.findings import CessError
    from cess_cli.suggestions import did_you_mean, fold

    if typed in ref.actions:
        return typed
    for code in ref.actions:
        if fold(code) == fold(typed):
            return code
    hint = did_you_mean(typed, ref.actions) or "Liste des actions : cess schemas list."
    raise CessError(f"Action « {typed} » inconnue. {hint}")


def bilans_folder(cfg: Config) -> Path:
    from cess_cli.findings import CessError

    if not cfg.bilans.is_dir():
        raise CessError(
            f"Dossier des bilans introuvable : {cfg.bilans} (option --bilans ou clé « bilans » de cess.toml)."
        )
    return cfg.bilans


def collect_bilans(cfg: Config, ref: Referential) -> Collection:
    """Every file of the bilans folder, read once in isolated workers (never cess's own outputs)."""
    from cess_cli.pipeline import collect

    return collect(
        [bilans_folder(cfg)],
        ref,
        limits=cfg.limits(),
        isolate=True,
        timeout=cfg.limites.secondes_par_fichier,
        exclude=[cfg.sortie],
    )
