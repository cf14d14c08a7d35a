"""The `cess` command line: options, calls into the library, renderers, exit codes.

This is the only module that imports typer. Heavy modules (pandas, openpyxl,
pydantic models) are imported inside the commands so that `cess --help` is fast.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from enum import IntEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from cess_cli import __version__


class Exit(IntEnum):
    OK = 0
    FINDINGS = 1  # at least one erreur (or avertissement with --strict), a bilan missing
    USAGE = 2  # usage or configuration error


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
schemas_app = typer.Typer(
    help="Le référentiel du contrat (dossier schemas/) : vérifier, lister, afficher.",
    no_args_is_help=True,
)
app.add_typer(schemas_app, name="schemas")

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)
_state = {"debug": False}

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Fichier de configuration (défaut : cess.toml du dossier courant)."),
]
SchemasOpt = Annotated[
    Path | None,
    typer.Option(
        "--schemas",
        help="Dossier du référentiel (défaut : celui de cess.toml, sinon celui livré avec cess).",
    ),
]


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
    _state["debug"] = debug


@contextlib.contextmanager
def _guard() -> Iterator[None]:
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
    except Exception as exc:
        if _state["debug"]:
            raise
        err.print(
            Text(
                f"Erreur interne inattendue ({type(exc).__name__} : {exc}). "
                "Relancez avec --debug pour le détail et signalez-la.",
                style="red",
            )
        )
        raise typer.Exit(Exit.USAGE) from None


def _config(config: Path | None, schemas: Path | None = None, **flags: Path | None):  # type: ignore[no-untyped-def]
    from cess_cli.config import resolve

    return resolve(config, referentiel=schemas, **flags)


def _referential(config: Path | None, schemas: Path | None):  # type: ignore[no-untyped-def]
    cfg = _config(config, schemas)
    return cfg, _load(cfg)


def _load(cfg):  # type: ignore[no-untyped-def]
    from cess_cli.config import load_configured_referential

    return load_configured_referential(cfg)


@app.command()
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
    with _guard():
        from cess_cli.cli.render import print_report, report_json
        from cess_cli.pipeline import validate_paths

        cfg, ref = _referential(config, schemas)
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


@app.command()
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
    with _guard():
        from cess_cli.findings import CessError
        from cess_cli.outputs.template import template_filename, write_template

        _, ref = _referential(config, schemas)
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


BilansOpt = Annotated[
    Path | None, typer.Option("--bilans", help="Dossier des bilans reçus (défaut : celui de cess.toml).")
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Dossier de sortie (défaut : celui de cess.toml, sinon out/).")
]


def _years(text: str, ref) -> list[int]:  # type: ignore[no-untyped-def]
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
    years = list(range(first, last + 1))
    outside = [y for y in years if y not in ref.periode]
    if not years or outside:
        raise CessError(f"Période « {text} » hors du contrat ({ref.periode[0]}-{ref.periode[-1]}).")
    return years


def _bilans_folder(cfg) -> Path:  # type: ignore[no-untyped-def]
    from cess_cli.findings import CessError

    if not cfg.bilans.is_dir():
        raise CessError(
            f"Dossier des bilans introuvable : {cfg.bilans} (option --bilans ou clé « bilans » de cess.toml)."
        )
    return cfg.bilans


def _collect(cfg, ref):  # type: ignore[no-untyped-def]
    """Every file of the bilans folder, read once in isolated workers (never cess's own outputs)."""
    from cess_cli.pipeline import collect

    return collect(
        [_bilans_folder(cfg)],
        ref,
        limits=cfg.limits(),
        isolate=True,
        timeout=cfg.limites.secondes_par_fichier,
        exclude=[cfg.sortie],
    )


@app.command()
def consolidate(
    periode: Annotated[str, typer.Argument(help="Une année (2015) ou une période (2014-2016).", show_default=False)],
    bilans: BilansOpt = None,
    out_dir: OutOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Code 1 si un bilan attendu manque, est invalide ou en conflit.")
    ] = False,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Consolider les bilans valides : classeur d'évaluation pour le COPIL et CSV pour les analystes.

    Exemples : cess consolidate 2015
               cess consolidate 2014-2016 --bilans bilans/ --out sorties/
    Écrit evaluation_<période>.xlsx et evaluation_<période>.csv dans le dossier de sortie.
    Les bilans invalides, remplacés ou manquants sont listés (feuilles Sources, Complétude, Anomalies), jamais comptés.
    """
    with _guard():
        from cess_cli.consolidation.evaluation import consolidate as run_consolidation
        from cess_cli.outputs.evaluation_workbook import write_evaluation
        from cess_cli.outputs.tidy_csv import write_tidy_csv

        cfg = _config(config, schemas, bilans=bilans, sortie=out_dir)
        ref = _load(cfg)
        years = _years(periode, ref)
        coll = _collect(cfg, ref)
        ev = run_consolidation(coll, ref, years)
        xlsx = write_evaluation(ev, ref, cfg.sortie / f"evaluation_{ev.label}.xlsx")
        csv_path = write_tidy_csv(ev, cfg.sortie / f"evaluation_{ev.label}.csv")
        incomplete = _print_completeness_summary(ev)
        out.print(f"Classeur d'évaluation : {xlsx}")
        out.print(f"Données (CSV) : {csv_path}")
    raise typer.Exit(Exit.FINDINGS if strict and incomplete else Exit.OK)


def _print_completeness_summary(ev) -> bool:  # type: ignore[no-untyped-def]
    df = ev.tables["completude"]
    expected = len(df)
    valid = int(df["valide"].sum()) if expected else 0
    out.print(
        Text(
            f"Période {ev.label} : {valid} / {expected} bilans attendus comptés"
            f" ({int(df['manquant'].sum()) if expected else 0} manquant(s)).",
            style="bold",
        )
    )
    problems = df[df["etat"] != "valide"] if expected else df
    for r in problems.itertuples(index=False):
        out.print(Text(f"  {r.code_action} {r.annee} : {r.etat}", style="yellow"))
    for s in ev.sources:
        if s.statut == "illisible":
            out.print(Text(f"  {s.name} : illisible, non compté", style="yellow"))
    return bool(len(problems)) or any(s.statut == "illisible" for s in ev.sources)


@app.command()
def status(
    periode: Annotated[str, typer.Argument(help="Une année (2015) ou une période (2014-2016).", show_default=False)],
    bilans: BilansOpt = None,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Complétude : quels bilans sont attendus, reçus, à l'heure, valides, manquants.

    Exemple : cess status 2015
    Code de sortie 1 si un bilan attendu manque, est invalide ou en conflit.
    """
    with _guard():
        from rich.table import Column, Table

        from cess_cli.consolidation.evaluation import consolidate as run_consolidation

        cfg = _config(config, schemas, bilans=bilans)
        ref = _load(cfg)
        years = _years(periode, ref)
        coll = _collect(cfg, ref)
        df = run_consolidation(coll, ref, years).tables["completude"]
        table = Table(
            Column("Action", no_wrap=True, min_width=9),
            "Année",
            "Reçu",
            "À l'heure",
            "Valide du 1er coup",
            "Valide",
            "Versions",
            "État",
        )
        yes = {1: "oui", 0: "non"}
        for r in df.to_dict("records"):
            style = {"valide": "green", "manquant": "red"}.get(r["etat"], "yellow")
            table.add_row(
                r["code_action"],
                str(r["annee"]),
                yes[r["recu"]],
                yes[r["a_l_heure"]],
                yes[r["valide_premiere"]],
                yes[r["valide"]],
                str(r["versions"]),
                Text(r["etat"], style=style),
            )
        out.print(table)
        n = len(df)
        for key, label in (
            ("recu", "reçus"),
            ("a_l_heure", "à l'heure"),
            ("valide_premiere", "valides du premier coup"),
            ("valide", "valides (comptés)"),
            ("manquant", "manquants"),
        ):
            k = int(df[key].sum())
            out.print(f"{label.capitalize()} : {k} / {n} ({k / n:.0%})".replace("%", " %") if n else f"{label} : 0")
        incomplete = bool((df["etat"] != "valide").any())
    raise typer.Exit(Exit.FINDINGS if incomplete else Exit.OK)


@app.command()
def batch(
    bilans: BilansOpt = None,
    out_dir: OutOpt = None,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Exécution complète sans surveillance avant un COPIL (cron, minuterie systemd).

    Valide chaque bilan une seule fois, écrit un retour par bilan à corriger, consolide chaque année et la
    période, et laisse un dossier <sortie>/runs/<date-heure>/ (classeurs, CSV, retours, manifest.json,
    batch.log) ; le lien <sortie>/latest n'y est déplacé qu'une fois l'exécution terminée.
    Exemple : cess batch --config /etc/cess/cess.toml
    Codes de sortie : 0 tout est valide et complet, 1 un bilan est invalide ou manquant,
    2 erreur de configuration ou exécution déjà en cours.
    """
    with _guard():
        from cess_cli.batch import run_batch

        cfg = _config(config, schemas, bilans=bilans, sortie=out_dir)
        ref = _load(cfg)
        if out.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            with Progress(
                TextColumn("Bilans"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=out,
                transient=True,
            ) as bar:
                task = bar.add_task("bilans", total=None)

                def progress(done: int, total: int, file: str, status: str) -> None:
                    bar.update(task, completed=done, total=total)

                result = run_batch(cfg, ref, progress=progress)
            out.print(f"Exécution terminée : {result.run_dir}")
        else:
            plain = Console(no_color=True, highlight=False, force_terminal=False, soft_wrap=True)
            result = run_batch(cfg, ref, say=lambda line: plain.print(Text(line)))
        summary = result.manifest["resume"]
        out.print(
            f"{summary['fichiers']} fichier(s) : {summary['valides']} valide(s), {summary['invalides']} invalide(s), "
            f"{summary['illisibles']} illisible(s), {summary['retenus']} retenu(s). Dossier : {result.run_dir}"
        )
    raise typer.Exit(result.exit_code)


@schemas_app.command("check")
def schemas_check(config: ConfigOpt = None, schemas: SchemasOpt = None) -> None:
    """Vérifier le référentiel : fichiers, codes en double, références inconnues, ratios, cibles, règles."""
    with _guard():
        from cess_cli.referential.loading import check_referential, default_schemas_dir

        cfg = _config(config, schemas)
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


@schemas_app.command("list")
def schemas_list(config: ConfigOpt = None, schemas: SchemasOpt = None) -> None:
    """Lister les actions du contrat avec leur axe et leurs années actives."""
    with _guard():
        from rich.table import Table

        _, ref = _referential(config, schemas)
        table = Table("Code", "Axe", "Années", "Indicateurs", "Libellé")
        for code, action in ref.actions.items():
            table.add_row(
                code,
                action.axe or "—",
                ", ".join(map(str, action.annees)),
                str(len(action.indicateurs)),
                Text(action.libelle),
            )
        out.print(table)


@schemas_app.command("show")
def schemas_show(
    code: Annotated[str, typer.Argument(help="Code de l'action, ex. III_1.1.3.", show_default=False)],
    json_schema: Annotated[
        bool, typer.Option("--json-schema", help="Afficher le JSON Schema du modèle pydantic.")
    ] = False,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Afficher une action : indicateurs, unités, cibles par année (ou son JSON Schema)."""
    with _guard():
        import json

        from rich.table import Table

        from cess_cli.findings import CessError

        _, ref = _referential(config, schemas)
        key = code.upper() if code.upper() in ref.actions else code
        if key not in ref.actions:
            raise CessError(f"Action « {code} » inconnue. Actions : {', '.join(ref.actions)}.")
        if json_schema:
            sys.stdout.write(json.dumps(ref.model_for(key).model_json_schema(), ensure_ascii=False, indent=2) + "\n")
            return
        action = ref.actions[key]
        out.print(Text(f"{key} — {action.libelle}", style="bold"))
        out.print(f"Axe : {action.axe or 'transversal'}   Années actives : {', '.join(map(str, action.annees))}")
        table = Table(
            "Indicateur",
            "Libellé",
            "Unité",
            "Nature",
            "Obligatoire",
            *map(str, action.annees),
            "Période",
        )
        for ia in action.indicateurs:
            ind = ref.indicateurs[ia.code]
            table.add_row(
                ia.code,
                Text(ind.libelle),
                ind.unite,
                ind.nature,
                "oui" if ia.obligatoire else "non",
                *(_num(ia.cibles.get(y)) for y in action.annees),
                _num(ia.cible_periode),
            )
        out.print(table)


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")


def main() -> None:
    app()
