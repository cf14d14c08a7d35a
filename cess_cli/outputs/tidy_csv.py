"""The tidy CSV for analysts (SPEC §6): UTF-8, comma-separated, one row per figure, each
traced back to its cell; text that would start a formula is prefixed with an apostrophe."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.consolidation.tidy import TIDY_COLUMNS
from cess_cli.outputs.atomic import atomic_path
from cess_cli.outputs.safety import csv_text
from cess_cli.outputs.sheet_tables import cell_value


def write_tidy_csv(ev: Evaluation, target: Path) -> Path:
    """Write the tidy CSV of the evaluation to `target`, atomically (SPEC §6): UTF-8,
    comma-separated, the columns of `TIDY_COLUMNS`, one row per action x indicator x year
    and one per territorial line; `source` leads back to the file and cell. Returns `target`."""
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TIDY_COLUMNS)
        for row in ev.tables["tidy"].itertuples(index=False):
            writer.writerow([_csv_value(v) for v in row])
    return target


def _csv_value(v: Any) -> Any:
    v = cell_value(v)
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return csv_text(v)
