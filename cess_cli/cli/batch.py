"""`cess batch`: the unattended pre-COPIL run (SPEC §8); a progress bar on a terminal,
plain log lines otherwise."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.text import Text

from cess_cli.cli.common import (
    BilansOpt,
    ConfigOpt,
    OutOpt,
    SchemasOpt,
    guard,
    load_config,
    load_referential,
    out,
    shown,
)


def batch(
    bilans: BilansOpt = None,
    out_dir: OutOpt = None,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Exécution complète sans surveillance avant un COPIL (cron, systemd).

    Valide chaque bilan une seule fois, écrit un retour pour chaque bilan à
    corriger, consolide chaque année et la période, et laisse un dossier
    d'exécution daté dans le dossier de sortie (par exemple
    sorties/runs/2016-11-28_060000/ : classeurs, CSV, retours, manifest.json,
    batch.log). Le lien sorties/latest n'y est déplacé qu'une fois
    l'exécution terminée.

    \b
    Exemples :
      cess batch
      cess batch --config /srv/cess/cess.toml
      cess batch --bilans /srv/cess/bilans --out /srv/cess/sorties

    \b
    Codes de sortie :
      0    tous les bilans attendus sont là et valides
      1    un bilan est invalide, illisible, en conflit ou manquant, ou aucun
           bilan n'a été trouvé
      2    erreur de configuration, autre exécution en cours, ou exécution
           impossible à écrire (disque plein, dossier en lecture seule…)
      130  arrêtée (Ctrl-C ou SIGTERM) : rien de cette exécution n'est publié
    """
    with guard():
        from cess_cli.batch import files_summary, run_batch
        from cess_cli.wording import count

        cfg = load_config(config, schemas, bilans=bilans, sortie=out_dir)
        ref = load_referential(cfg)
        if out.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=out,
                transient=True,
            ) as bar:
                task = bar.add_task("Bilans", total=None)

                def progress(done: int, total: int, file: str, status: str) -> None:
                    phase = "Consolidation, classeurs, rapport" if done == total else "Bilans"
                    bar.update(task, completed=done, total=total, description=phase)

                # the bar shows each file; the other lines of the log (counts, feedback,
                # consolidations, what does not count) are printed above it
                result = run_batch(cfg, ref, progress=progress, say=lambda line: bar.console.print(Text(line)))
            out.print(f"Exécution terminée : {shown(result.run_dir)}")
        else:
            plain = Console(no_color=True, highlight=False, force_terminal=False, soft_wrap=True, markup=False)
            result = run_batch(cfg, ref, say=lambda line: plain.print(Text(line)))
        summary = result.manifest["resume"]
        out.print(
            f"{files_summary(summary)} ; {count(summary['retenus'], 'retenu')}. Dossier : {shown(result.run_dir)}"
        )
    raise typer.Exit(result.exit_code)
