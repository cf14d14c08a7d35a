"""`cess template`: blank bilans pre-filled from the referential (SPEC §4, §7)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cess_cli.cli.common import ConfigOpt, SchemasOpt, config_and_referential, guard, out


def template(
    args: Annotated[
        list[str],
        typer.Argument(help="ACTION ANNEE (ex. III_1.1.3 2015), ou ANNEE seule avec --all.", show_default=False),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Fichier .xlsx à écrire (dossier avec --all).")],
    all_actions: Annotated[bool, typer.Option("--all", help="Un modèle par action active cette année-là.")] = False,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Écrire un modèle de bilan vierge, pré-rempli depuis le référentiel.

    Exemples : cess template III_1.1.3 2015 -o bilan_III_1.1.3_2015.xlsx
               cess template --all 2015 -o modeles_2015/
    """
    with guard():
        from cess_cli.findings import CessError
        from cess_cli.outputs.template import template_filename, write_template

        _, ref = config_and_referential(config, schemas)
        expected = 1 if all_actions else 2
        if len(args) != expected:
            usage = "cess template --all ANNEE -o DOSSIER" if all_actions else "cess template ACTION ANNEE -o FICHIER"
            raise CessError(f"Arguments attendus : {usage}")
        try:
            year = int(args[-1])
        except ValueError:
            raise CessError(f"Année « {args[-1]} » invalide.") from None
        if all_actions:
            if output.exists() and not output.is_dir():
                raise CessError(f"{output} existe et n'est pas un dossier.")
            codes = [code for code, action in ref.actions.items() if year in action.annees]
            if not codes:
                raise CessError(f"Aucune action active en {year}.")
            for code in codes:
                write_template(ref, code, year, output / template_filename(code, year))
            out.print(f"{len(codes)} modèle(s) écrit(s) dans {output}")
        else:
            action = args[0].upper() if args[0].upper() in ref.actions else args[0]
            write_template(ref, action, year, output)
            out.print(f"Modèle écrit : {output}")
