"""Numbers in French form in every line a person reads: the batch log, `cess status`."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from typer.testing import CliRunner

from cess_cli.cli.app import app

from ..helpers import make_bilan

runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1"})


def test_batch_log_durations_in_french_form(ref, tmp_path):
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    make_bilan(ref, bilans, "ANIM", 2014)
    result = runner.invoke(app, ["batch", "--bilans", str(bilans), "--out", str(tmp_path / "sorties")])
    assert result.exit_code in (0, 1), result.output
    log = (tmp_path / "sorties" / "latest" / "batch.log").read_text(encoding="utf-8")
    assert re.search(r"Durées : lecture, validation et retours \d+,\d\d s, consolidation \d+,\d\d s", log), log
    assert re.search(r"Terminé en \d+,\d s", log)
    assert not re.search(r"\d\.\d+ s\b", log)  # no English decimal point


def test_status_rates_in_french_form(ref, tmp_path):
    bilans = tmp_path / "bilans"
    bilans.mkdir()
    make_bilan(ref, bilans, "ANIM", 2014)
    result = runner.invoke(app, ["status", "2014", "--bilans", str(bilans)])
    assert result.exit_code == 1
    # one decimal, as the report and the workbook print rates: 1 / 21 = 4,76… -> « 4,8 % »
    expected = sum(2014 in a.annees for a in ref.actions.values())
    rate = (Decimal(100) / expected).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    shown = str(rate).replace(".", ",")
    assert f"Reçus : 1 / {expected} ({shown}\u202f%)" in result.output, result.output
