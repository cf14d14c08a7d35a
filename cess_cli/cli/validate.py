"""`cess validate`: check bilans and say exactly what to fix (SPEC §5, §7)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from cess_cli.cli.common import ConfigOpt, Exit, SchemasOpt, config_and_referential, err, guard, out


def validate(
    paths: Annotated[list[Path], typer.Argument(help="Bilans (.xlsx) ou dossiers de bilans.", show_default=False)],
    format: Annotated[
        str, typer.Option("--format", "-f", help="table (lisible) ou json (pour un programme).")
    ] = "table",
    strict: Annotated[bool, typer.Option("--strict", help="Les avertissements font aussi échouer (code 1).")] = False,
    feedback: Annotated[
        Path | None,
        typer.Option(
            "--feedback",
            help="Dossier où écrire, pour chaque bilan à corriger, une copie annotée (_corrections.xlsx) et un texte (_retour.txt).",
        ),
    ] = None,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Vérifier des bilans et dire précisément quoi corriger (fichier, feuille, cellule).

    Exemple : cess validate bilans/2015/ bilan_III_1.1.3_2015.xlsx --format json
    Codes de sortie : 0 tout est bon, 1 au moins une erreur (ou un avertissement avec --strict), 2 erreur d'usage.
    """
    if format not in ("table", "json"):
        err.print(Text(f"Format « {format} » inconnu : choisissez table ou json.", style="red"))
        raise typer.Exit(Exit.USAGE)
    with guard():
        from cess_cli.cli.render import print_report, report_json
        from cess_cli.pipeline import validate_paths

        cfg, ref = config_and_referential(config, schemas)
        report = validate_paths(
            paths,
            ref,
            limits=cfg.limits(),
            isolate=True,
            timeout=cfg.limites.secondes_par_fichier,
            feedback_dir=feedback,
        )
        if feedback is not None:
            written = sum(bool(r.findings) for r in report.files)
            err.print(Text(f"{written} retour(s) écrit(s) dans {feedback}"))
        if format == "json":
            sys.stdout.write(report_json(report) + "\n")
        else:
            print_report(out, report, strict=strict)
        failed = report.errors > 0 or (strict and report.warnings > 0) or not report.files
        if not report.files:
            err.print(Text("Aucun bilan trouvé.", style="yellow"))
    raise typer.Exit(Exit.FINDINGS if failed else Exit.OK)
