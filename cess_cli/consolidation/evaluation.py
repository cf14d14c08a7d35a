"""Consolidate the retained bilans into the evaluation tables (pure data -> DataFrames).

One DataFrame of facts is built once from the validated rows of all retained
bilans; every table is computed from it. Aggregation follows each indicator's
kind (SPEC §3):
- flux: summed over actions and over years;
- stock: summed over actions for a year; over a period, the latest year's value;
- ratio: sum(numerator) / sum(denominator) at every level, never an average of ratios.
Every figure carries its coverage: bilans received out of bilans expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cess_cli.consolidation.anomalies import cumulative_checks, plausibility_checks
from cess_cli.consolidation.completeness import completeness, missing_bilans
from cess_cli.consolidation.figures import LEVELS, expected_indicators, facts, figures
from cess_cli.consolidation.financing import financing
from cess_cli.consolidation.qualitative import qualitative
from cess_cli.consolidation.questions import q4_figures, question_rows
from cess_cli.consolidation.shared import period_label
from cess_cli.consolidation.sources import Collection, Source, not_counted
from cess_cli.consolidation.synthesis import events_chart, key_figures, key_figures_table, signatories
from cess_cli.consolidation.territories import territories
from cess_cli.consolidation.tidy import financing_rows, tidy_rows
from cess_cli.findings import Finding
from cess_cli.referential.loading import Referential


@dataclass
class Evaluation:
    """The evaluation of a year or a period (SPEC §6), ready to be written by `outputs/`:
    `years`, `label` ("2015" or "2014-2016"), `tables` (name -> DataFrame), `anomalies`
    (findings), `key_figures` ((French label, value, Excel number format)), `sources`
    (every file of those years, counted or not, with why)."""

    years: list[int]
    label: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    anomalies: list[Finding] = field(default_factory=list)
    key_figures: list[tuple[str, Any, str]] = field(default_factory=list)  # (label, value, number format)
    sources: list[Source] = field(default_factory=list)


def consolidate(coll: Collection, ref: Referential, years: list[int]) -> Evaluation:
    """Every figure of the evaluation for `years` (one year, or the years of a period), SPEC §6.

    From the `Collection` (every file read once, the counted bilan of each action-year
    chosen), returns the `Evaluation`: its tables (pandas DataFrames keyed par_action,
    par_axe, par_contrat, financements, territoires, completude, q4, questions, tidy, qualitatif),
    the anomalies (findings), the key figures and the sources. Values are in each
    indicator's unit (nombre, ETP, euros; ratios as fractions); every figure carries
    its coverage « n / m bilans » (bilans counted out of expected). Also: chiffres_cles
    (the key figures, with coverage), signataires (each signatory against its own
    envelopes), graphique_evenements (the Synthèse chart's data). The anomalies list
    every file that does not count (copy, superseded, invalid, conflict, unidentified),
    every missing bilan, and the consolidation checks. Pure: writes nothing, never
    raises for bad data."""
    years = sorted(years)
    ev = Evaluation(years=years, label=period_label(years))
    rank = {code: i for i, code in enumerate(ref.actions)}  # the referential's order, for readers
    retained = sorted(coll.retained(years), key=lambda b: (rank.get(b.action, len(rank)), b.annee))
    all_retained = sorted(coll.retained(), key=lambda b: (rank.get(b.action, len(rank)), b.annee))
    facts_df = facts(retained, ref)
    expect = expected_indicators(ref, years)
    for level, keys in LEVELS.items():
        ev.tables[f"par_{level}"] = figures(facts_df, expect, ref, years, keys)
    ev.tables["financements"] = financing(retained, ref, years)
    ev.tables["territoires"] = territories(retained, ref, years)
    ev.tables["completude"], summary = completeness(coll, ref, years)
    ev.tables["tidy"] = tidy_rows(retained, ref)
    ev.tables["tidy_financements"] = financing_rows(retained, ref)
    ev.tables["qualitatif"] = qualitative(retained, ref)
    ev.sources = sorted(
        # a file of a year outside the contract belongs to no year of it: listed with every one, as unidentified
        (s for s in coll.sources if s.annee is None or s.annee in years or s.annee not in ref.periode),
        key=lambda s: (rank.get(s.action or "", len(rank)), s.annee or 0, s.version or 0, s.name),
    )
    by_file = {s.file: i for i, s in enumerate(ev.sources)}
    ev.anomalies = (
        not_counted(ev.sources)
        + sorted((f for f in coll.conflicts if f.file in by_file), key=lambda f: by_file[f.file])
        + missing_bilans(coll, ref, years)
        + [f for s in ev.sources for f in s.findings if f.code == "dossier.illisible"]  # said, not skipped
        + cumulative_checks(
            all_retained, ref, years, frozenset((s.action, s.annee) for s in ev.sources if s.action and s.annee)
        )
        + plausibility_checks(all_retained, ref, years)
    )
    ev.tables["q4"] = q4_figures(facts_df, ref, years, ev.tables["completude"])
    ev.tables["questions"] = question_rows(ev.tables["par_contrat"], ref)
    ev.tables["chiffres_cles"] = key_figures_table(ev.tables, ref, years, summary)
    ev.tables["signataires"] = signatories(ev.tables["financements"], ref, years)
    ev.tables["graphique_evenements"] = events_chart(ev.tables["par_axe"], ref, years)
    ev.key_figures = key_figures(ev.tables["chiffres_cles"])
    return ev
