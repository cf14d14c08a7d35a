"""The evaluation workbook read back: coverage, on-time facts, partial rates, envelopes (issue 7)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from cess_cli.consolidation.evaluation import consolidate
from cess_cli.outputs.evaluation_workbook import write_evaluation

from ..consolidation.synthetic import bilan, collection


def _table(ws, header_row: int = 1) -> list[dict]:
    header = [c.value for c in ws[header_row]]
    return [dict(zip(header, (c.value for c in r), strict=False)) for r in ws.iter_rows(min_row=header_row + 1)]


def test_workbook_shows_coverage_on_time_facts_and_partial_rates(ref, tmp_path):
    items = [
        bilan("ANIM", 2015, {"evenements": 4}, sent=dt.date(2016, 3, 1)),
        bilan("ANIM", 2015, {"evenements": 5}, version=2, sent=dt.date(2016, 5, 1)),
        bilan(
            "II_3.1.1",
            2015,
            {"ptce_actifs": 14, "structures_accompagnees": 18, "cooperations": 12, "emplois_crees": 10},
            financements=[("REGION", 1000, 800, "Financements!C2"), ("FEDER", None, 1000, "Financements!C3")],
            territoires=[("69", "emplois_crees", 10, 2, 3, "Territoires!C2")],
        ),
    ]
    ev = consolidate(collection(items), ref, [2015])
    wb = load_workbook(write_evaluation(ev, ref, tmp_path / "e.xlsx"))

    comp = {r["Action"]: r for r in _table(wb["Complétude"]) if r["Action"] in ("ANIM", "II_3.1.1", "I_1.2")}
    assert comp["ANIM"]["Premier envoi à l'heure"] == "oui" and comp["ANIM"]["Version comptée à l'heure"] == "non"
    assert comp["ANIM"]["Valide du premier coup"] == "oui" and comp["ANIM"]["Versions reçues"] == 2
    assert comp["I_1.2"]["Version comptée à l'heure"] == "—"  # nothing counts
    # the totals below the table, by hand: 21 action-years expected in 2015; ANIM (first sent
    # 1 March, on time; its counted v2 sent 1 May, late) and II_3.1.1 (15 January) received
    summary = {r[0].value: r[3].value for r in wb["Complétude"].iter_rows() if r[0].value and r[1].value is None}
    assert summary["Bilans attendus"] == 21
    hand = {"Reçus": 2, "Premier envoi à l'heure": 2, "Version comptée à l'heure": 1}
    hand |= {"Valides du premier coup": 2, "Valides (comptés)": 2, "Manquants": 19}
    for label, n in hand.items():
        assert summary[label] == n, label
        assert summary[f"Taux : {label.lower()} (sur les bilans attendus)"] == pytest.approx(n / 21, rel=1e-12), label

    axe = [
        r
        for r in _table(wb["Par axe"])
        if r["Axe"] == "Axe II — Innovation sociale" and r["Indicateur"] == "emplois_crees"
    ]
    assert axe[0]["Taux partiel ?"] == "partiel : 1 / 2 bilans"
    # a figure in ETP shows its unit, as euros and percentages do (the Q sheets have no Unité column)
    for sheet in ("Q2 Impact économique", "Q3 Départements", "Par axe"):
        ws = wb[sheet]
        formats = {c.number_format for row in ws.iter_rows() for c in row if c.value == 10 and c.column > 2}
        assert '#,##0.0 "ETP"' in formats, sheet

    fin = {(r["Financeur"], r["Axe"]): r for r in _table(wb["Financements"])}
    assert (
        fin[("REGION", "Axe II — Innovation sociale")]["Couverture (bilans déclarant des financements)"]
        == "1 / 6 bilans"
    )
    assert fin[("REGION", "Tous axes")]["Statut de l'enveloppe"] == "prévisionnelle"
    # 800 of 2 387 500 rests on the one bilan of 21 expected that declares financing
    assert fin[("REGION", "Tous axes")]["Taux obtenu / enveloppe"] == 800 / 2_387_500
    assert fin[("REGION", "Tous axes")]["Taux partiel ?"] == "partiel : 1 / 21 bilans"
    assert fin[("FEDER", "Tous axes")]["Taux partiel ?"] is None  # no envelope, no rate, no mark
    ter = _table(wb["Territoires"])
    assert ter[0]["Couverture"] == "1 / 4 bilans"

    synth = wb["Synthèse"]
    rows = {r[0].value: (r[1].value, r[2].value) for r in synth.iter_rows() if r[0].value}
    assert rows[
        "Financements obtenus des signataires (Région Rhône-Alpes, Etat, Caisse des Dépôts et Consignations)"
    ] == (800, "1 / 21 bilans")
    assert rows["Financements obtenus, toutes sources (sans enveloppe à comparer)"] == (1800, "1 / 21 bilans")
    assert (
        "Enveloppes des signataires (prévisionnelles : Région Rhône-Alpes 2015 ; Etat 2015 ; non fixées par le "
        "contrat : Caisse des Dépôts et Consignations 2015)"
    ) in rows
    rate = rows["Taux obtenu / enveloppes des signataires (années dont l'enveloppe est fixée)"]
    assert rate[0] == pytest.approx(800 / (2_387_500 + 1_000_000)) and rate[1] == "partiel : 1 / 21 bilans"
    assert fin[("CDC", "Tous axes")]["Statut de l'enveloppe"] == "non fixée par le contrat"
    assert any(str(k).startswith("Couverture « n / m bilans » : n bilans comptés") for k in rows)
    chart_data = {c.value for r in synth.iter_rows(min_col=8) for c in r if c.value}
    assert {"Couverture 2015", "Statut de l'enveloppe", "prévisionnelle"} <= chart_data

    q3 = [c.value for r in wb["Q3 Départements"].iter_rows() for c in r]
    assert "Couverture" in q3 and "1 / 4 bilans" in q3
    q4 = [tuple(c.value for c in r) for r in wb["Q4 Chiffres calculés"].iter_rows()]
    assert any(r[:4] == ("Réunions des instances tenues", 2015, None, "0 / 1 bilan") for r in q4)


def test_synthese_prints_the_coverage_of_its_charts(ref, tmp_path):
    # evenements is listed by 3 actions of axis I, 2 of axis II, 5 of axis III and ANIM outside
    # the axes (actions.yaml): in 2015 one bilan of axis I counts, so 1 / 11 bilans for the year
    items = [bilan("I_1.2", 2015, {"evenements": 4}, financements=[("ETAT", 600, 500, "Financements!C2")])]
    ev = consolidate(collection(items), ref, [2015])
    wb = load_workbook(write_evaluation(ev, ref, tmp_path / "e.xlsx"))
    synth = wb["Synthèse"]
    assert len(synth._charts) == 2
    # the contract's name once, under the title; each figure on the first line of its label
    assert (synth["A1"].value, synth["A2"].value) == ("Synthèse de l'évaluation 2015", ref.contrat.intitule)
    figures = [r[1] for r in synth.iter_rows(min_row=4, max_col=2) if r[1].value is not None]
    assert figures and all(c.alignment.vertical == "top" for c in figures)
    values = {c.value for r in synth.iter_rows(min_col=8) for c in r if c.value}
    assert "2015 (1 / 11 bilans)" in values  # the series name, printed in the chart's legend
    # no CDC envelope in 2015 (article 5): the bars compare the years that have one
    assert "Obtenu, années à enveloppe fixée (1 / 21 bilans)" in values
    last = int(re.search(r"\$C\$(\d+)$", str(synth.print_area)).group(1))  # what prints: A1:C<last>
    printed = [str(r[0].value) for r in synth.iter_rows(max_col=1, max_row=last) if r[0].value]
    assert (
        "Barres partielles (bilans comptés / attendus) : Axe I 2015 : 1 / 3 bilans ; Axe II 2015 : 0 / 2 bilans ; "
        "Axe III 2015 : 0 / 5 bilans ; Transversal 2015 : 0 / 1 bilan. Un total partiel n'est pas un total complet."
    ) in printed
    assert any(
        t.startswith("Obtenu : déclaré par les bilans comptés qui déclarent des financements (1 / 21") for t in printed
    )


def test_financing_totals_stand_out_and_carry_the_signatories_period(ref, tmp_path):
    # CDC: 100 000 obtained in 2014 (envelope 1 085 200) and 900 000 in 2015 (no envelope, article 5)
    items = [
        bilan("II_2.1.2", 2014, {"personnes_en_parcours": 1}, financements=[("CDC", None, 100_000, "Financements!C2")]),
        bilan("II_2.1.2", 2015, {"personnes_en_parcours": 1}, financements=[("CDC", None, 900_000, "Financements!C2")]),
    ]
    ev = consolidate(collection(items), ref, [2014, 2015, 2016])
    ws = load_workbook(write_evaluation(ev, ref, tmp_path / "e.xlsx"))["Financements"]
    rows = {(r["Année"], r["Financeur"], r["Axe"]): r for r in _table(ws) if r["Financeur"]}
    period = rows[("Période 2014-2016", "CDC", "Tous axes")]  # as every sheet names the period
    assert period["Montant obtenu"] == 1_000_000 and period["Enveloppe du contrat"] == 1_085_200
    assert period["Taux obtenu / enveloppe"] == pytest.approx(100_000 / 1_085_200)  # 2014 only: like with like
    assert period["Statut de l'enveloppe"] == "confirmée en 2014 ; non fixée par le contrat en 2015, 2016"
    assert rows[(2015, "CDC", "Tous axes")]["Statut de l'enveloppe"] == "non fixée par le contrat"
    assert rows[(2015, "CDC", "Tous axes")]["Taux obtenu / enveloppe"] is None
    # a funder's totals are bold, its lines by axis are not, and a note says not to add both
    for row in ws.iter_rows(min_row=2):
        if row[1].value == "CDC":
            assert row[0].font.b == (row[3].value == "Tous axes"), [c.value for c in row]
    notes = [
        r[0].value for r in ws.iter_rows() if r[0].value and str(r[0].value).startswith("Les lignes « Tous axes »")
    ]
    assert len(notes) == 1 and "chaque euro compte deux fois" in notes[0]


def test_the_signatories_rate_prints_its_numerator_and_a_funder_named_once_has_no_zero_years(ref, tmp_path):
    """The evaluator's review: 1 000 000 € obtained against a 1 085 200 € envelope at 9,2 %
    looked wrong, the 100 000 € compared (2014, the year with an envelope) printed nowhere;
    and FEDER, named in 2014 only, had « 0 € » rows for 2015 and 2016 that no bilan gave."""
    items = [
        bilan("II_2.1.2", 2014, {"personnes_en_parcours": 1}, financements=[("CDC", None, 100_000, "Financements!C2")]),
        bilan("II_2.1.2", 2015, {"personnes_en_parcours": 1}, financements=[("CDC", None, 900_000, "Financements!C2")]),
        bilan("II_2.1.2", 2016, {"personnes_en_parcours": 1}, financements=[("FEDER", None, 5_000, "Financements!C2")]),
    ]
    ev = consolidate(collection(items), ref, [2014, 2015, 2016])
    wb = load_workbook(write_evaluation(ev, ref, tmp_path / "e.xlsx"))
    synth = {r[0].value: r[1].value for r in wb["Synthèse"].iter_rows(max_col=2) if r[0].value}
    labels = list(synth)
    signed = "Financements obtenus des signataires (Région Rhône-Alpes, Etat, Caisse des Dépôts et Consignations)"
    compared = "dont obtenus les années à enveloppe fixée (comparés aux enveloppes)"
    assert synth[signed] == 1_000_000 and synth[compared] == 100_000
    assert labels.index(compared) == labels.index(signed) + 1  # between the total and the envelopes
    envelopes = next(v for k, v in synth.items() if str(k).startswith("Enveloppes des signataires"))
    rate = next(v for k, v in synth.items() if str(k).startswith("Taux obtenu / enveloppes"))
    assert rate == pytest.approx(synth[compared] / envelopes)  # a reader can check it from the page
    note = next(str(v) for v in synth if str(v).startswith("Obtenu"))
    # the year it was obtained in, not every year without an envelope (none in 2016)
    assert "Caisse des Dépôts et Consignations : 900\u202f000 € obtenus en 2015, année sans enveloppe" in note
    # a signatory named by no line: 0 € in a year some bilan declares financing (2016, FEDER),
    # no figure in a year none does
    only_2015 = consolidate(collection(items[1:2]), ref, [2014, 2015])
    fin_rows = only_2015.tables["financements"]
    region = fin_rows[(fin_rows["financeur"] == "REGION") & (fin_rows["axe"] == "total")].set_index("annee")
    assert region.loc["2015", "montant_obtenu"] == 0 and pd.isna(region.loc["2014", "montant_obtenu"])
    fin = [r for r in _table(wb["Financements"]) if r["Financeur"] == "FEDER"]
    assert [(r["Année"], r["Axe"], r["Montant obtenu"]) for r in fin] == [
        (2016, "Axe II — Innovation sociale", 5_000),
        (2016, "Tous axes", 5_000),
    ]
    q4_years = {r[1].value for r in wb["Q4 Chiffres calculés"].iter_rows(min_row=5) if isinstance(r[1].value, str)}
    assert "Période 2014-2016" in q4_years and "2014-2016" not in q4_years  # the period, named as elsewhere


def test_governance_note_says_what_the_planned_meetings_add_up_to(ref, tmp_path):
    ev = consolidate(collection([]), ref, [2015])
    ws = load_workbook(write_evaluation(ev, ref, tmp_path / "e.xlsx"))["Q4 Chiffres calculés"]
    [note] = [c.value for r in ws.iter_rows() for c in r if str(c.value or "").startswith("Réunions prévues :")]
    # section 4.1 of the contract: COPIL 1, Assemblée 1, dialogue social 2, comités techniques 3, rencontre 1
    assert "soit 8 par an" in note and "Comités techniques (un par axe) 3" in note
    assert "au moins deux fois par an" in note and "cible de l'action ANIM (10 par an)" in note
    planned = [r for r in ev.tables["q4"].to_dict("records") if r["chiffre"].startswith("Réunions prévues")]
    assert [r["valeur"] for r in planned] == [8]
