"""`cess template`: blank bilans pre-filled from the referential (SPEC §4, §7).

Output paths mean what they say: `-o` names an `.xlsx` file whose folder exists
(a mistyped folder is reported, never created), and with `--all` a folder, created
with its missing parents, that must not look like a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cess_cli.cli.common import ConfigOpt, SchemasOpt, action_code, config_and_referential, guard, out, shown
from cess_cli.wording import count


def template(
    args: Annotated[
        list[str],
        typer.Argument(
            help="Le code de l'action et l'année (III_1.1.3 2015) ; l'année seule avec --all.",
            metavar="[ACTION] ANNÉE",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Fichier .xlsx à écrire (son dossier doit exister) ; avec --all, le dossier des modèles (créé s'il manque).",
            metavar="CHEMIN",
            show_default=False,
        ),
    ],
    all_actions: Annotated[bool, typer.Option("--all", help="Un modèle par action active cette année-là.")] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--remplacer",
            help="Remplacer un fichier existant. Sans cette option, un fichier existant n'est jamais "
            "écrasé (ce peut être un bilan déjà rempli) : la commande s'arrête sans rien écrire.",
        ),
    ] = False,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Écrire un modèle de bilan vierge, pré-rempli depuis le référentiel.

    Codes, libellés, unités et cibles sont pré-remplis et verrouillés ; les
    cellules à saisir sont colorées et une feuille Mode d'emploi explique
    comment remplir le bilan.

    \b
    Exemples :
      cess template III_1.1.3 2015 -o bilan_III_1.1.3_2015.xlsx
      cess template --all 2015 -o modeles_2015/
      cess template --all 2015 -o modeles_2015/ --remplacer
    """
    with guard():
        from cess_cli.findings import CessError
        from cess_cli.outputs.template import template_filename, write_template

        expected = 1 if all_actions else 2
        if len(args) != expected:
            usage = "cess template --all ANNÉE -o DOSSIER" if all_actions else "cess template ACTION ANNÉE -o FICHIER"
            alone = args[0] if len(args) == 1 else ""
            if not all_actions and alone.isdigit() and len(alone) == 4:  # a year alone: one action, or all?
                usage += f" ; pour le modèle de chaque action : cess template --all {alone} -o DOSSIER"
            raise CessError(f"Arguments attendus : {usage} (aide : cess template --help).")
        check_output(output, folder=all_actions)
        _, ref = config_and_referential(config, schemas)
        try:
            year = int(args[-1])
        except ValueError:
            raise CessError(f"Année « {args[-1]} » invalide : écrivez-la en chiffres (2015).") from None
        if all_actions:
            codes = [code for code, action in ref.actions.items() if year in action.annees]
            if not codes:
                raise CessError(
                    f"Aucune action active en {year} (période du contrat : {ref.periode[0]}-{ref.periode[-1]})."
                )
            targets = {code: output / template_filename(code, year) for code in codes}
            refuse_existing(list(targets.values()), replace)
            for code, target in targets.items():
                write_template(ref, code, year, target)
            out.print(f"{count(len(codes), 'modèle écrit', 'modèles écrits')} dans {shown(output)}")
        else:
            code = action_code(args[0], ref)
            refuse_existing([output], replace)
            write_template(ref, code, year, output)
            out.print(f"Modèle écrit : {shown(output)}")


def check_output(output: Path, *, folder: bool) -> None:
    """Refuse an output path that does not mean what the command will write (CessError, exit 2)."""
    from cess_cli.findings import CessError

    if folder:
        if output.exists() and not output.is_dir():
            raise CessError(
                f"« {output} » existe et n'est pas un dossier : --all écrit un modèle par action dans un dossier."
            )
        if not output.exists() and output.suffix.casefold() in {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}:
            raise CessError(
                f"« {output} » ressemble à un nom de fichier : --all écrit un modèle par action dans un dossier "
                "(par exemple -o modeles_2015/)."
            )
        return
    if output.suffix.casefold() != ".xlsx":
        raise CessError(
            f"« {output} » : le modèle est un classeur Excel, son nom doit finir par .xlsx "
            f"(par exemple -o {output.with_suffix('.xlsx').name})."
        )
    if output.is_dir():
        raise CessError(f"« {output} » est un dossier : donnez un nom de fichier .xlsx (ou --all pour un dossier).")
    if not output.parent.is_dir():
        raise CessError(f"Dossier « {output.parent} » introuvable : créez-le, ou choisissez un autre chemin pour -o.")


def refuse_existing(targets: list[Path], replace: bool) -> None:
    """Refuse, before anything is written, to replace files that exist (a filled bilan may
    bear the template's name) unless `--remplacer` was given (CessError, exit 2)."""
    from cess_cli.findings import CessError

    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if not existing or replace:
        return
    names = ", ".join(f"« {t.name} »" for t in existing[:5])
    more = f" et {count(len(existing) - 5, 'autre')}" if len(existing) > 5 else ""
    one = len(existing) == 1  # the words agree with the number of files
    what = "existe déjà" if one else "existent déjà"
    parent = existing[0].parent
    where = "le dossier courant" if str(parent) in {"", "."} else f"« {parent} »"
    maybe = "Ce peut être un bilan déjà rempli" if one else "Ce peuvent être des bilans déjà remplis"
    them = "l'écraser" if one else "les écraser"
    raise CessError(
        f"{names}{more} {what} dans {where} : rien n'a été écrit. {maybe} ; choisissez un autre "
        f"chemin pour -o, ou ajoutez --remplacer pour {them}."
    )
