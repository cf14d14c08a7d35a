"""The tidy CSVs for analysts (SPEC §6): UTF-8, comma-separated, one row per figure, each
traced back to its cell (the indicators; the financing lines); text that would start a
formula is prefixed with an apostrophe."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.consolidation.tidy import FINANCING_COLUMNS, TIDY_COLUMNS
from cess_cli.outputs.atomic import atomic_path
from cess_cli.outputs.safety import csv_text
from cess_cli.outputs.sheet_tables import cell_value


def write_tidy_csv(ev: Evaluation, target: Path) -> Path:
    """Write the tidy CSV of the evaluation to `target`, atomically (SPEC §6): UTF-8,
    comma-separated, the columns of `TIDY_COLUMNS`, one row per action x indicator x year
    and one per territorial line; `source` leads back to the file and cell. Returns `target`."""
    return _write(ev.tables["tidy"], TIDY_COLUMNS, target)


def write_financing_csv(ev: Evaluation, target: Path) -> Path:
    """Write the financing CSV of the evaluation to `target` (`evaluation_2015_financements.csv`),
    atomically, in the tidy CSV's form: the columns of `FINANCING_COLUMNS`, one row per
    financing line of a counted bilan, amounts in euros; `source` leads back to the file
    and cell of the obtained amount. Returns `target`."""
    return _write(ev.tables["tidy_financements"], FINANCING_COLUMNS, target)


def _write(rows: pd.DataFrame, columns: list[str], target: Path) -> Path:
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows.itertuples(index=False):
            writer.writerow([_csv_value(v) for v in row])
    return target


def _csv_value(v: Any) -> Any:
    v = cell_value(v)
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return csv_text(v)
