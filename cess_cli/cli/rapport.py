"""`cess rapport`: the COPIL report of a year or a period, one HTML page and its PDF (SPEC §6, §7)."""

from __future__ import annotations

import threading

import typer
from rich.text import Text

from cess_cli.cli.common import (
    BilansOpt,
    ConfigOpt,
    Exit,
    OutOpt,
    SchemasOpt,
    bilans_folder,
    collect_bilans,
    err,
    guard,
    load_config,
    load_referential,
    out,
    period_years,
    shown,
)
from cess_cli.cli.consolidate import PeriodArg
from cess_cli.wording import EXPECTED, EXPECTEDS, count


def _warm_up() -> None:
    from cess_cli.outputs.report import warm_up

    warm_up()


def rapport(
    periode: PeriodArg,
    bilans: BilansOpt = None,
    out_dir: OutOpt = None,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Rapport du COPIL : une page HTML autonome et son PDF.

    Écrit rapport_<période>.html (s'ouvre dans tout navigateur, sans réseau, et
    s'imprime en A4) et rapport_<période>.pdf dans le dossier de sortie, à
    partir des mêmes chiffres que le classeur d'évaluation. Sans la
    bibliothèque Pango, seul le HTML est écrit et cess dit pourquoi.

    \b
    Exemples :
      cess rapport 2014-2016
      cess rapport 2015 --bilans bilans/ --out sorties/

    \b
    Codes de sortie :
      0  rapport écrit (le HTML au moins)
      2  erreur d'utilisation ou de configuration
    """
    with guard():
        from cess_cli.reading.files import check_not_read_back

        cfg = load_config(config, schemas, bilans=bilans, sortie=out_dir)
        check_not_read_back(cfg.bilans, cfg.sortie, [])  # never the report among the bilans
        ref = load_referential(cfg)
        years = period_years(periode, ref)
        bilans_folder(cfg)  # a mistyped year or folder is said before the second of imports below
        from cess_cli.consolidation.evaluation import consolidate as run_consolidation
        from cess_cli.outputs.report import write_report

        # the report's libraries load while the worker processes read the bilans
        warming = threading.Thread(target=_warm_up, daemon=True)
        warming.start()
        coll = collect_bilans(cfg, ref)
        ev = run_consolidation(coll, ref, years)
        warming.join()
        files = write_report(ev, ref, cfg.sortie)
        comp = ev.tables["completude"]
        counted = int(comp["valide"].sum()) if len(comp) else 0
        out.print(Text(f"Période {ev.label} : {counted} / {count(len(comp), EXPECTED, EXPECTEDS)}.", style="bold"))
        out.print(f"Rapport (HTML) : {shown(files.html)}")
        if files.pdf is not None:
            out.print(f"Rapport (PDF) : {shown(files.pdf)}")
        else:
            err.print(Text(files.pdf_problem or "Rapport PDF non écrit.", style="yellow"))
    raise typer.Exit(Exit.OK)
