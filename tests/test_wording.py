"""French numbers (cess_cli/wording.py)."""

from __future__ import annotations

from cess_cli.consolidation.shared import coverage
from cess_cli.wording import count, french_number, french_percent, half_up

N = "\u202f"


def test_french_numbers():
    assert french_number(1234) == f"1{N}234"
    assert french_number(1234.5) == f"1{N}234,5"
    assert french_number(2.3812, 2) == "2,38"
    assert french_number(0.5, 1) == "0,5"
    assert french_number(1_000_000.0) == f"1{N}000{N}000"
    assert french_number(None) == "—"
    assert french_percent(0.857, 0) == f"86{N}%"
    assert french_percent(0.857) == f"85,7{N}%"  # one decimal, as in the report and the workbook


def test_french_numbers_round_half_up_like_excel():
    # by hand: 234 / 8 = 29.25 -> 29,3 (half up, as Excel's « 0.0 » shows it; half-even gave 29,2)
    assert french_number(234 / 8, 1) == "29,3"
    assert french_number(0.125) == "0,13" and french_number(2.675, 2) == "2,68"  # 2.675 is 2.67499… in binary
    assert french_number(2.999) == "3"  # up to 2 decimals, never « 3, »
    assert french_number(-2.5, 0) == "-3"
    # 0.2545 -> 25.45 % -> 25,5 % ; 0.2925 -> 29,3 % ; 62 / 63 = 0.98412… -> 98,4 %
    assert french_percent(0.2545) == f"25,5{N}%"
    assert french_percent(0.2925) == f"29,3{N}%"
    assert french_percent(62 / 63) == f"98,4{N}%"


def test_huge_numbers_are_rounded_not_refused():
    # Decimal's default context (28 digits) raised InvalidOperation past 1e26, which stopped a
    # whole consolidation; by hand: 1e29 / 3 prints as 3.333333333333333e+28 (16 digits), ×100
    assert int(half_up(1e29 / 3, 0, scale=2)) == 3333333333333333 * 10**15
    assert french_number(1.7e308, 2).endswith(",00") and french_percent(1e30).endswith(f"{N}%")


def test_counts_agree_in_number():
    assert [count(n, "erreur") for n in (0, 1, 2, 1500)] == ["0 erreur", "1 erreur", "2 erreurs", f"1{N}500 erreurs"]
    # a coverage agrees with the number expected: « 0 / 1 bilan », « 1 / 21 bilans »
    assert [coverage(n, m) for n, m in ((0, 1), (1, 1), (1, 21), (0, 0))] == [
        "0 / 1 bilan",
        "1 / 1 bilan",
        "1 / 21 bilans",
        "0 / 0 bilan",
    ]


def test_every_date_a_message_shows_has_a_four_figure_year():
    """« 04/03/0999 », never « 04/03/999 » (`strftime` does not pad the year on Linux): in a
    cell's value, a date and time, a catalogue field, a report date."""
    import datetime as dt

    from cess_cli.catalogue import _fmt
    from cess_cli.outputs.report.french import short_date
    from cess_cli.wording import french_date, french_value

    day = dt.date(999, 3, 4)
    assert french_date(day) == "04/03/0999" == french_value(day) == _fmt(day) == short_date(day)
    assert french_value(dt.datetime(999, 3, 4, 10, 30)) == "04/03/0999 10:30"
    assert french_date(dt.date(2016, 1, 15)) == "15/01/2016"
