"""French number and date parsing, with property-based checks."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cess_cli.reading.cells import (
    NO_VALUE,
    CellError,
    PercentValue,
    parse_code,
    parse_date,
    parse_int,
    parse_number,
    parse_str,
)


@pytest.mark.parametrize(
    ("raw", "value", "code"),
    [
        (12, 12, None),
        (12.0, 12, None),
        (274.65999999999997, 274.66, None),
        ("12", 12, "nombre.texte"),
        ("1 234,5", 1234.5, "nombre.texte"),
        ("1\u00a0234", 1234, "nombre.texte"),
        ("1\u202f234\u202f567", 1234567, "nombre.texte"),
        ("12 %", None, "valeur.pourcentage"),  # no unit typed by an operator is a percentage
        (PercentValue(0.12), None, "valeur.pourcentage"),  # « 12 % » typed in Excel: 0.12, format 0%
        ("45 300,50 €", 45300.5, "nombre.texte"),
        ("1.234.567", 1234567, "nombre.texte"),
        ("1.234,5", 1234.5, "nombre.texte"),
        ("1.5", 1.5, "nombre.texte"),
        ("1.234", None, "nombre.ambigu"),
        ("1,234.5", None, "nombre.ambigu"),
        ("78,000", None, "nombre.ambigu"),  # 78 in French, 78 000 in English (as « 78.000 » the other way)
        ("1,250 €", None, "nombre.ambigu"),
        ("0,125", 0.125, "nombre.texte"),  # no thousands group starts with 0
        ("12,5", 12.5, "nombre.texte"),
        ("1,2345", 1.2345, "nombre.texte"),
        ("1234,500", 1234.5, "nombre.texte"),
        ("12 34", None, "valeur.non_numerique"),
        ("douze", None, "valeur.non_numerique"),
        ("#DIV/0!", None, "valeur.erreur_excel"),
        (CellError("#REF!"), None, "valeur.erreur_excel"),
        (CellError("Err:502"), None, "valeur.erreur_excel"),
        (NO_VALUE, None, "formule.sans_valeur"),
        ("'12", 12, "nombre.texte"),
        ("\u200b12", 12, "nombre.texte"),
        (True, None, "valeur.non_numerique"),
        (float("nan"), None, "valeur.non_numerique"),
        (None, None, None),
        ("  ", None, None),
    ],
)
def test_parse_number(raw, value, code):
    got, got_code, _ = parse_number(raw)
    assert (got, got_code) == (value, code)


def test_percent_sign_read_only_where_the_unit_is_a_percentage():
    assert parse_number("12 %", percent=True)[:2] == (0.12, "nombre.texte")
    assert parse_number("12,5\u00a0%", percent=True)[:2] == (0.125, "nombre.texte")
    value, code, fields = parse_number("12 %")
    assert (value, code, fields["trouve"]) == (None, "valeur.pourcentage", "12 %")
    assert parse_int("100 %")[:2] == (None, "valeur.pourcentage")  # not read as 1


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("45 300,50 €", "45\u202f300,5"), ("0,12", "0,12"), ("1.234.567", "1\u202f234\u202f567"), ("8,5", "8,5")],
)
def test_a_number_read_from_text_is_shown_in_french_form(raw, shown):
    """« lu comme 45 300,5 », never Python's « 45300,5 » (README: numbers in French form)."""
    assert parse_number(raw)[2]["attendu"] == shown
    if "," in shown and len(shown) < 5:
        assert parse_int(raw)[2]["trouve"] == shown


def test_parse_int_refuses_decimals():
    assert parse_int(8.5)[:2] == (None, "valeur.non_entiere")
    assert parse_int("8,5")[:2] == (None, "valeur.non_entiere")
    assert parse_int(8.0)[:2] == (8, None)


@given(st.integers(min_value=0, max_value=10**12))
def test_french_grouping_round_trips(n):
    text = f"{n:,}".replace(",", "\u202f")
    value, code, _ = parse_number(text)
    assert value == n
    assert code == (None if False else "nombre.texte")


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_french_decimal_comma(units, cents):
    value, _, _ = parse_number(f"{units},{cents:02d}")
    assert value == pytest.approx(units + cents / 100)


@pytest.mark.parametrize(
    ("raw", "value", "code"),
    [
        (dt.datetime(2016, 3, 1, 0, 0), dt.date(2016, 3, 1), None),
        (dt.date(2016, 3, 1), dt.date(2016, 3, 1), None),
        (42430, dt.date(2016, 3, 1), None),
        ("01/03/2016", dt.date(2016, 3, 1), "date.texte"),
        ("2016-03-01", dt.date(2016, 3, 1), "date.texte"),
        ("31/02/2016", None, "date.invalide"),
        ("mars", None, "date.invalide"),
        # French forms typed as text: unambiguous, read day first, with the same warning
        ("15 mars 2016", dt.date(2016, 3, 15), "date.texte"),
        ("1er mars 2016", dt.date(2016, 3, 1), "date.texte"),
        ("mardi 15 mars 2016", dt.date(2016, 3, 15), "date.texte"),
        ("15 Mars 16", dt.date(2016, 3, 15), "date.texte"),
        ("15 déc. 2015", dt.date(2015, 12, 15), "date.texte"),
        ("15 fevrier 2016", dt.date(2016, 2, 15), "date.texte"),
        ("15/03/16", dt.date(2016, 3, 15), "date.texte"),
        ("15.03.2016", dt.date(2016, 3, 15), "date.texte"),
        ("'15/03/2016", dt.date(2016, 3, 15), "date.texte"),
        ("\ufeff15 mars 2016", dt.date(2016, 3, 15), "date.texte"),
        # ambiguous, incomplete or not French: refused
        ("03/15/2016", None, "date.invalide"),
        ("15 march 2016", None, "date.invalide"),
        ("mars 2016", None, "date.invalide"),
        ("hier", None, "date.invalide"),
        ("31 février 2016", None, "date.invalide"),
        (CellError("#N/A"), None, "valeur.erreur_excel"),
        (NO_VALUE, None, "formule.sans_valeur"),
    ],
)
def test_parse_date(raw, value, code):
    assert parse_date(raw)[:2] == (value, code)


@pytest.mark.parametrize(
    ("raw", "value", "code"),
    [
        ("'69", "69", "texte.apostrophe"),
        ("'73282932000074", "73282932000074", "texte.apostrophe"),
        ("\ufeffvaleur", "valeur", "texte.invisible"),
        ("RE\u200bGION", "REGION", "texte.invisible"),
        ("code\u200d", "code", "texte.invisible"),
        ("REGION", "REGION", None),
        ("'", "'", None),
        (69.0, "69", None),
        ("", None, None),
        (CellError("#N/A"), None, "valeur.erreur_excel"),
        (NO_VALUE, None, "formule.sans_valeur"),
    ],
)
def test_parse_code(raw, value, code):
    assert parse_code(raw)[:2] == (value, code)


def test_free_text_keeps_its_characters_but_not_error_cells():
    assert parse_str("Réalisations \U0001f468\u200d\U0001f469") == ("Réalisations \U0001f468\u200d\U0001f469", None, {})
    assert parse_str(CellError("#VALUE!"))[:2] == (None, "valeur.erreur_excel")


def test_a_percentage_cell_in_a_percentage_unit_is_its_value():
    # by hand: 12 % is 0.12, in a cell whose unit is « % »; the finding elsewhere shows « 12 % »
    assert parse_number(PercentValue(0.12), percent=True) == (0.12, None, {})
    assert parse_number(PercentValue(0.125))[2]["trouve"] == "12,5 %"
