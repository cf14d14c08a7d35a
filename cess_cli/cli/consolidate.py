"""`cess consolidate` and `cess status`: the evaluation of a year or a period, and its
completeness in the terminal (SPEC §6, §7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

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
    guard,
    load_config,
    load_referential,
    out,
    period_years,
    shown,
)
from cess_cli.wording import EXPECTED, EXPECTEDS, count, french_number, french_percent

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

    from cess_cli.consolidation.evaluation import Evaluation
    from cess_cli.consolidation.sources import Source

PeriodArg = Annotated[
    str,
    typer.Argument(help="Une année (2015) ou une période (2014-2016).", metavar="PÉRIODE", show_default=False),
]


def consolidate(
    periode: PeriodArg,
    bilans: BilansOpt = None,
    out_dir: OutOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Code 1 si un bilan attendu manque, est invalide ou en conflit.")
    ] = False,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Consolider les bilans valides : classeur du COPIL et CSV.

    Écrit le classeur d'évaluation et les CSV des données dans le dossier de
    sortie (par exemple out/evaluation_2015.xlsx, out/evaluation_2015.csv : les
    indicateurs, et out/evaluation_2015_financements.csv : les lignes de
    financement), chaque chiffre avec la cellule du bilan d'où il vient.
    Les bilans invalides, remplacés ou manquants sont listés (feuilles Sources,
    Complétude, Anomalies), jamais comptés.

    \b
    Exemples :
      cess consolidate 2015
      cess consolidate 2014-2016 --bilans bilans/ --out sorties/
      cess consolidate 2016 --strict

    \b
    Codes de sortie :
      0  classeur et CSV écrits
      1  avec --strict : un bilan attendu manque, est invalide ou en conflit
      2  erreur d'utilisation ou de configuration
    """
    with guard():
        from cess_cli.reading.files import check_not_read_back

        cfg = load_config(config, schemas, bilans=bilans, sortie=out_dir)
        check_not_read_back(cfg.bilans, cfg.sortie, [])
        ref = load_referential(cfg)
        years = period_years(periode, ref)
        bilans_folder(cfg)  # a mistyped year or folder is said before the second of imports below
        from cess_cli.consolidation.evaluation import consolidate as run_consolidation
        from cess_cli.outputs.atomic import atomic_paths, remove_stale_temporaries
        from cess_cli.outputs.evaluation_workbook import write_evaluation
        from cess_cli.outputs.tidy_csv import write_financing_csv, write_tidy_csv

        coll = collect_bilans(cfg, ref)
        ev = run_consolidation(coll, ref, years)
        remove_stale_temporaries(cfg.sortie)
        names = (f"evaluation_{ev.label}.xlsx", f"evaluation_{ev.label}.csv", f"evaluation_{ev.label}_financements.csv")
        xlsx, csv_path, fin_path = (cfg.sortie / name for name in names)
        with atomic_paths([xlsx, csv_path, fin_path]) as tmp:  # the three together, or none
            write_evaluation(ev, ref, tmp[0])
            write_tidy_csv(ev, tmp[1])
            write_financing_csv(ev, tmp[2])
        incomplete = _print_completeness_summary(ev)
        out.print(f"Classeur d'évaluation : {shown(xlsx)}")
        out.print(f"Données (CSV) : {shown(csv_path)}")
        out.print(f"Financements (CSV) : {shown(fin_path)}")
    raise typer.Exit(Exit.FINDINGS if strict and incomplete else Exit.OK)


def _print_completeness_summary(ev: Evaluation) -> bool:
    df = ev.tables["completude"]
    expected = len(df)
    valid = int(df["valide"].sum()) if expected else 0
    out.print(
        Text(
            f"Période {ev.label} : {valid} / {count(expected, EXPECTED, EXPECTEDS)}"
            f" ({count(int(df['manquant'].sum()) if expected else 0, 'manquant')}).",
            style="bold",
        )
    )
    problems = df[df["etat"] != "valide"] if expected else df
    why: dict[tuple[str | None, int | None], list[str]] = {}  # the files that do not count, and why
    for s in ev.sources:
        if s.raison in ("invalide", "conflit"):
            why.setdefault((s.action, s.annee), []).append(f"{s.name} : {s.motif}{_first_error(s)}")
    for r in problems.itertuples(index=False):
        out.print(Text(f"  {r.code_action} {r.annee} : {r.etat}", style="yellow"))
        for line in why.get((str(r.code_action), int(str(r.annee))), []):
            out.print(Text(f"    {line}", style="yellow"))
    if why:
        out.print(Text("  Chaque erreur, à sa cellule : cess validate FICHIER, ou la feuille Anomalies du classeur."))
    return _print_unread(ev) or bool(len(problems))


def _first_error(source: Source) -> str:
    """« ; première erreur (Indicateurs!E7) : … » for an invalid or unidentified bilan, else ""."""
    if source.raison not in ("invalide", *UNIDENTIFIED):
        return ""
    from cess_cli.consolidation.sources import first_error  # not imported for `cess --help`

    error = first_error(source)
    if error is None:
        return ""
    place = "!".join(p for p in (error.sheet, error.cell) if p)
    return f" ; première erreur{f' ({place})' if place else ''} : {error.message}"


def _print_unread(ev: Evaluation) -> bool:
    """List what was not read or claims no expected action-year (unreadable files and folders;
    files of a year outside the contract, of an unknown action, unidentified, or of a year
    their action is not active, each in its own words; ignored files); True when something
    that may hold bilans could not be counted for an action-year."""
    df = ev.tables["completude"]
    expected = {(str(r.code_action), int(str(r.annee))) for r in df.itertuples(index=False)}
    for s in ev.sources:
        if s.raison in ("invalide", "conflit") and (s.action, s.annee) not in expected:
            # a year its action is not active: no completeness row names it, this line does
            out.print(
                Text(f"  {s.name} : bilan {s.action} {s.annee} non attendu, {s.motif}{_first_error(s)}", style="yellow")
            )
        elif s.statut == "illisible":
            folder = [f.message for f in s.findings if f.code == "dossier.illisible"]
            why = folder[0] if folder else "illisible, non compté"
            out.print(Text(f"  {s.name} : {why}", style="yellow"))
        elif s.raison in UNIDENTIFIED:
            out.print(Text(f"  {s.name} : {s.motif}{_first_error(s)}", style="yellow"))
        elif s.statut == "ignoré":
            out.print(Text(f"  {s.name} : {s.motif}", style="dim"))
    unexpected = any(s.raison in ("invalide", "conflit") and (s.action, s.annee) not in expected for s in ev.sources)
    return unexpected or any(s.statut == "illisible" or s.raison in UNIDENTIFIED for s in ev.sources)


UNIDENTIFIED = ("hors_contrat", "action_inconnue", "non_identifie")  # read, but claim no action-year


def status(
    periode: PeriodArg,
    bilans: BilansOpt = None,
    config: ConfigOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    """Complétude : bilans attendus, reçus, à l'heure (premier envoi et version comptée), valides, manquants.

    Les mêmes chiffres que la feuille Complétude du classeur d'évaluation.

    \b
    Exemples :
      cess status 2015
      cess status 2014-2016 --bilans bilans/

    \b
    Codes de sortie :
      0  tous les bilans attendus sont là et valides
      1  un bilan attendu manque, est invalide ou en conflit, ou un dossier
         des bilans n'a pas pu être lu
      2  erreur d'utilisation ou de configuration
    """
    with guard():
        cfg = load_config(config, schemas, bilans=bilans)
        ref = load_referential(cfg)
        years = period_years(periode, ref)
        bilans_folder(cfg)  # a mistyped year or folder is said before the second of imports below
        from cess_cli.consolidation.completeness import summarise
        from cess_cli.consolidation.evaluation import consolidate as run_consolidation
        from cess_cli.outputs.labels import COMPLETUDE_SUMMARY

        coll = collect_bilans(cfg, ref)
        ev = run_consolidation(coll, ref, years)
        df = ev.tables["completude"]
        out.print(_completeness_table(df))
        totals = summarise(df)
        n = totals["attendus"]
        for key, label in COMPLETUDE_SUMMARY:  # the same totals, in the same words, as the outputs
            k = totals[key]
            out.print(
                f"{label} : {french_number(k)} / {french_number(n)} ({french_percent(totals[f'taux_{key}'])})"
                if n
                else f"{label} : 0"
            )
        unread = _print_unread(ev)
        incomplete = unread or bool((df["etat"] != "valide").any())
    raise typer.Exit(Exit.FINDINGS if incomplete else Exit.OK)


def _completeness_table(df: pd.DataFrame) -> Table:
    """The *Complétude* rows as a terminal table (one row per action-year)."""
    from rich import box
    from rich.table import Column, Table

    table = Table(
        Column("Action", no_wrap=True, min_width=9),
        "Année",
        "Reçu",
        Column("1er envoi à l'heure", min_width=9),
        Column("Version comptée à l'heure", min_width=9),
        Column("Valide du 1er coup", width=6),
        "Compté",
        "Vers.",
        Column("État", no_wrap=True, min_width=8),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        show_edge=False,
    )
    for r in df.to_dict("records"):
        style = {"valide": "green", "manquant": "red"}.get(r["etat"], "yellow")
        table.add_row(
            r["code_action"],
            str(r["annee"]),
            _yes(r["recu"]),
            _yes(r["premier_envoi_a_l_heure"]),
            _yes(r["version_comptee_a_l_heure"]),
            _yes(r["valide_premiere"]),
            _yes(r["valide"]),
            str(r["versions"]),
            Text(r["etat"], style=style),
        )
    return table


def _yes(flag: object) -> str:
    """« oui » / « non » for a 0/1 column; « — » where it does not apply (None, NaN)."""
    if flag is None or flag != flag:
        return "—"
    return "oui" if flag else "non"
