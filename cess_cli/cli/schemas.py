"""`cess schemas check|list|show`: the referential, checked, listed and shown (SPEC §2, §7)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.text import Text

from cess_cli.cli.common import (
    ConfigOpt,
    Exit,
    SchemasOpt,
    action_code,
    config_and_referential,
    guard,
    load_config,
    out,
)
from cess_cli.cli.french import FrenchCommand, FrenchGroup
from cess_cli.wording import french_number

schemas_app = typer.Typer(
    help=(
        "Le référentiel du contrat (dossier schemas/) : vérifier, lister, afficher.\n\n"
        "\b\nExemples :\n  cess schemas check\n  cess schemas list\n  cess schemas show III_1.1.4"
    ),
    short_help="Le référentiel : vérifier, lister, afficher.",
    cls=FrenchGroup,
    subcommand_metavar="COMMANDE [ARGUMENTS]...",
    suggest_commands=False,  # click suggests, in French (cli/french.py)
    no_args_is_help=True,
)


@schemas_app.command("check", cls=FrenchCommand, short_help="Vérifier le référentiel.")
def schemas_check(config: ConfigOpt = None, schemas: SchemasOpt = None) -> None:
    """Vérifier le référentiel : fichiers, codes, références, cibles, règles.

    Signale en français chaque problème avec son fichier et son chemin YAML
    (code en double, indicateur inconnu, ratio sans numérateur, cible d'une
    année inactive, règle qui nomme un code inconnu, valeur du mauvais type).

    \b
    Exemples :
      cess schemas check
      cess schemas check --schemas schemas/

    \b
    Codes de sortie :
      0  référentiel valide
      1  le référentiel a des problèmes (listés)
      2  dossier du référentiel introuvable, ou erreur de configuration
    """
    with guard():
        from cess_cli.referential.loading import check_referential, default_schemas_dir

        cfg = load_config(config, schemas)
        folder = cfg.referentiel or default_schemas_dir()
        ref, problems = check_referential(folder)
        if problems:
            from cess_cli.cli.render import print_report
            from cess_cli.findings import FileResult, Report

            by_file: dict[str, FileResult] = {}
            for problem in problems:
                by_file.setdefault(problem.file, FileResult(problem.file)).findings.append(problem)
            print_report(out, Report(list(by_file.values())))
            raise typer.Exit(Exit.FINDINGS)
        assert ref is not None
        out.print(
            f"Référentiel {folder} valide : {len(ref.actions)} actions, {len(ref.indicateurs)} indicateurs, "
            f"{len(ref.codes_financeurs)} financeurs, {len(ref.questions)} questions évaluatives, {len(ref.regles)} règles."
        )


@schemas_app.command("list", cls=FrenchCommand)
def schemas_list(config: ConfigOpt = None, schemas: SchemasOpt = None) -> None:
    """Lister les actions du contrat, leur axe et leurs années actives.

    \b
    Exemple :
      cess schemas list
    """
    with guard():
        from rich.table import Column, Table

        _, ref = config_and_referential(config, schemas)
        table = Table(Column("Code", no_wrap=True), "Axe", "Années", "Indicateurs", "Libellé")
        for code, action in ref.actions.items():
            table.add_row(
                code,
                action.axe or "—",
                ", ".join(map(str, action.annees)),
                str(len(action.indicateurs)),
                Text(action.libelle),
            )
        out.print(table)


@schemas_app.command("show", cls=FrenchCommand)
def schemas_show(
    code: Annotated[
        str, typer.Argument(help="Code de l'action, par exemple III_1.1.3.", metavar="ACTION", show_default=False)
    ],
    json_schema: Annotated[
        bool, typer.Option("--json-schema", help="Afficher le JSON Schema du modèle pydantic.")
    ] = False,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Afficher une action : indicateurs, unités, cibles par année.

    \b
    Exemples :
      cess schemas show III_1.1.4
      cess schemas show III_1.1.4 --json-schema
    """
    with guard():
        import json

        from rich.table import Column, Table

        _, ref = config_and_referential(config, schemas)
        key = action_code(code, ref)
        if json_schema:
            sys.stdout.write(json.dumps(ref.model_for(key).model_json_schema(), ensure_ascii=False, indent=2) + "\n")
            return
        action = ref.actions[key]
        out.print(Text(f"{key} — {action.libelle}", style="bold"))
        out.print(f"Axe : {action.axe or 'transversal'}   Années actives : {', '.join(map(str, action.annees))}")
        # The code stays whole (never cut, whatever the width); label, unit and kind wrap beneath it.
        width = max((len(ia.code) for ia in action.indicateurs), default=10)
        table = Table(
            Column("Indicateur (unité, nature)", min_width=width, overflow="fold"),
            Column("Oblig.", no_wrap=True),
            *(Column(str(y), justify="right", no_wrap=True) for y in action.annees),
            Column("Période", justify="right", no_wrap=True),
        )
        for ia in action.indicateurs:
            ind = ref.indicateurs[ia.code]
            table.add_row(
                Text.assemble((ia.code, "bold"), "\n", (f"{ind.libelle} ({ind.unite}, {ind.nature})", "dim")),
                "oui" if ia.obligatoire else "non",
                *(french_number(ia.cibles.get(y)) for y in action.annees),
                french_number(ia.cible_periode),
            )
        out.print(table)
