"""`cess validate`: check bilans and say exactly what to fix (SPEC §5, §7)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from cess_cli.cli.common import ConfigOpt, Exit, SchemasOpt, config_and_referential, err, guard, out
from cess_cli.wording import count

if TYPE_CHECKING:
    from cess_cli.findings import FileResult, Report
    from cess_cli.outputs.feedback import Feedback


class OutputFormat(StrEnum):
    """What `cess validate` prints."""

    TABLE = "table"
    JSON = "json"


def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Bilans (fichiers) ou dossiers de bilans, parcourus avec leurs sous-dossiers.",
            metavar="CHEMIN...",
            show_default=False,
        ),
    ],
    format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="table : pour une personne ; json : pour un programme."),
    ] = OutputFormat.TABLE,
    strict: Annotated[bool, typer.Option("--strict", help="Les avertissements font aussi échouer (code 1).")] = False,
    feedback: Annotated[
        Path | None,
        typer.Option(
            "--feedback",
            help="Dossier où écrire, pour chaque bilan à corriger, une copie annotée (_corrections.xlsx) et un texte (_retour.txt).",
            metavar="DOSSIER",
        ),
    ] = None,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Vérifier des bilans : quoi corriger, dans quelle feuille et quelle cellule.

    Chaque fichier est lu et vérifié ; chaque constat donne sa gravité (erreur ou
    avertissement), sa feuille, sa cellule et ce qui est attendu.

    \b
    Exemples :
      cess validate bilans/
      cess validate bilan_III_1.1.3_2015.xlsx --format json
      cess validate bilans/ --strict --feedback retours/

    \b
    Codes de sortie :
      0  tout est bon
      1  au moins une erreur (ou un avertissement avec --strict), ou aucun bilan
      2  erreur d'utilisation ou de configuration
    """
    with guard():
        from cess_cli.findings import CessError
        from cess_cli.pipeline import iter_files
        from cess_cli.reading.files import check_not_in_bilans

        if feedback is not None and feedback.exists() and not feedback.is_dir():
            raise CessError(f"« {feedback} » est un fichier : --feedback attend un dossier (créé s'il manque).")
        cfg, ref = config_and_referential(config, schemas)
        if feedback is not None:
            check_not_in_bilans(cfg.bilans, feedback, cfg.sortie)
        report, written = _print_results(
            iter_files(
                paths,
                ref,
                limits=cfg.limits(),
                isolate=True,
                timeout=cfg.limites.secondes_par_fichier,
                feedback_dir=feedback,
            ),
            json_output=format is OutputFormat.JSON,
            strict=strict,
        )
        if feedback is not None:
            _say_feedback(written, feedback)
        bilans = [r for r in report.files if not r.ignored]
        failed = report.errors > 0 or (strict and report.warnings > 0) or not bilans
        if not bilans:
            err.print(Text("Aucun bilan trouvé.", style="yellow"))
    raise typer.Exit(Exit.FINDINGS if failed else Exit.OK)


def _print_results(
    results: Iterable[tuple[FileResult, Feedback | None]], *, json_output: bool, strict: bool
) -> tuple[Report, list[Feedback]]:
    """Print each file as soon as it is read (while the workers read the next ones), then
    the totals; the report and the feedback written, for the exit code and the summary."""
    from cess_cli.cli.render import JsonStream, print_file, print_totals
    from cess_cli.findings import Report

    report = Report()
    written: list[Feedback] = []
    stream = JsonStream(sys.stdout) if json_output else None
    for result, fb in results:
        report.files.append(result)
        if fb is not None:
            written.append(fb)
        if stream is not None:
            stream.file(result)
        else:
            print_file(out, result)
    if stream is not None:
        stream.end(report)
    else:
        print_totals(out, report, strict=strict)
    return report, written


def _say_feedback(written: list[Feedback], folder: Path) -> None:
    """What feedback was written, and what could not be (never counted as written)."""
    from cess_cli.reading.files import display_name

    for fb in written:
        if fb.problem:
            err.print(Text(f"Retour pour {fb.file} : {fb.problem}", style="yellow"))
    done = sum(fb.text is not None for fb in written)
    missed = len(written) - done
    err.print(
        Text(
            f"{count(done, 'retour écrit', 'retours écrits')} dans {display_name(folder)}"
            + (f" ; {count(missed, 'non écrit')}" if missed else "")
        )
    )
